#include "core/bank.hpp"

#include "core/check.hpp"

#include <cctype>
#include <vector>

namespace tallyman {

std::string compact_upper(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

bool alnum(std::string_view s) {
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

}  // namespace

int mod97_rotated(std::string_view text) {
  TM_ASSERT(text.size() >= 4);
  int rest = 0;
  auto feed = [&](char c) {
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    rest = (v >= 10 ? rest * 100 + v : rest * 10 + v) % 97;
  };
  for (char c : text.substr(4)) feed(c);
  for (char c : text.substr(0, 4)) feed(c);
  return rest;
}

bool iban_shaped(std::string_view a) {
  return a.size() >= 15 && a.size() <= 34 && std::isupper(static_cast<unsigned char>(a[0])) &&
         std::isupper(static_cast<unsigned char>(a[1])) && std::isdigit(static_cast<unsigned char>(a[2])) &&
         std::isdigit(static_cast<unsigned char>(a[3]));
}

std::optional<std::string> normalize_account(std::string_view text) {
  std::string a = compact_upper(text);
  if (a.empty() || a.size() > 34 || !alnum(a)) return std::nullopt;
  if (iban_shaped(a) && mod97_rotated(a) != 1) return std::nullopt;
  return a;
}

std::string creditor_reference(std::string_view body) {
  const std::string b = compact_upper(body);
  TM_ASSERT(!b.empty() && b.size() <= 21 && alnum(b));
  const int check = 98 - mod97_rotated("RF00" + b);
  return "RF" + std::string(check < 10 ? "0" : "") + std::to_string(check) + b;
}

std::optional<std::string> parse_creditor_reference(std::string_view text) {
  std::string r = compact_upper(text);
  if (r.size() < 5 || r.size() > 25 || !r.starts_with("RF") || !alnum(r)) return std::nullopt;
  if (!std::isdigit(static_cast<unsigned char>(r[2])) || !std::isdigit(static_cast<unsigned char>(r[3]))) return std::nullopt;
  if (mod97_rotated(r) != 1) return std::nullopt;
  return r;
}

std::optional<std::string> find_creditor_reference(std::string_view text) {
  auto is_alnum = [&](std::size_t at) { return at < text.size() && std::isalnum(static_cast<unsigned char>(text[at])); };
  for (std::size_t at = 0; at + 1 < text.size(); ++at) {
    if (std::toupper(static_cast<unsigned char>(text[at])) != 'R' ||
        std::toupper(static_cast<unsigned char>(text[at + 1])) != 'F' || (at > 0 && is_alnum(at - 1)))
      continue;
    // Where a reading may end: the end of each group; a group of four may go on after a space.
    std::vector<std::size_t> ends;
    std::size_t end = at, characters = 0;
    while (true) {
      const std::size_t group = end;
      while (is_alnum(end)) ++end;
      characters += end - group;
      if (characters > 25) break;
      ends.push_back(end);
      if (end - group != 4 || end >= text.size() || text[end] != ' ' || !is_alnum(end + 1)) break;
      ++end;
    }
    for (auto e = ends.rbegin(); e != ends.rend(); ++e)
      if (auto reference = parse_creditor_reference(text.substr(at, *e - at))) return reference;
  }
  return std::nullopt;
}

}  // namespace tallyman
