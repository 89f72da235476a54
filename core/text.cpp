#include "core/text.hpp"

namespace tallyman {

namespace {

// The code point that starts at text[i] and its length in bytes; length 0 when the bytes there
// are not well-formed UTF-8 (a stray continuation byte, a cut character, an overlong form, a
// surrogate, past U+10FFFF).
struct CodePoint {
  unsigned code;
  std::size_t length;
};

CodePoint decode(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return {c, 1};
  std::size_t length = 0;
  unsigned code = 0;
  if (c >= 0xC2 && c <= 0xDF) length = 2, code = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) length = 3, code = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) length = 4, code = c & 0x07;
  else return {0, 0};
  if (i + length > text.size()) return {0, 0};
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
      (length == 4 && (code < 0x10000 || code > 0x10FFFF)))
    return {0, 0};
  return {code, length};
}

}  // namespace

bool fits(const TextField& field, std::string_view text) {
  if (text.empty() || text.size() > field.length_max) return false;
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint p = decode(text, i);
    if (p.length == 0) return false;
    const bool line_break = p.code == '\n' || p.code == '\r' || p.code == '\t';
    if ((p.code < 0x20 && !(field.multiline && line_break)) || (p.code >= 0x7f && p.code < 0xA0)) return false;
    i += p.length;
  }
  return true;
}

bool is_utf8_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint p = decode(text, i);
    if (p.length == 0 || p.code == 0) return false;
    i += p.length;
  }
  return true;
}

std::string_view utf8_prefix(std::string_view text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t end = bytes;
  // Back off continuation bytes (10xxxxxx) to the start of the character they belong to.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

namespace {

// The base letters of U+00C0..U+017F, one entry per code point; "" separates words (x, ÷).
const char* const latin_1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",   // U+00C0
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // U+00D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",   // U+00E0
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};  // U+00F0

// Latin Extended-A (U+0100..U+017F) in runs of one base letter.
struct Run {
  unsigned last;
  const char* base;
};
constexpr Run latin_extended_a[] = {
    {0x105, "a"}, {0x10D, "c"}, {0x111, "d"}, {0x11B, "e"}, {0x123, "g"}, {0x127, "h"}, {0x131, "i"},
    {0x133, "ij"}, {0x135, "j"}, {0x138, "k"}, {0x142, "l"}, {0x14B, "n"}, {0x151, "o"}, {0x153, "oe"},
    {0x159, "r"}, {0x161, "s"}, {0x167, "t"}, {0x173, "u"}, {0x175, "w"}, {0x178, "y"}, {0x17E, "z"},
    {0x17F, "s"}};

}  // namespace

std::string search_key(std::string_view text) {
  std::string key;
  bool in_word = false;
  auto letter = [&](std::string_view letters) {
    if (letters.empty()) {
      in_word = false;
      return;
    }
    if (!in_word) key += ' ';
    key += letters;
    in_word = true;
  };
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint p = decode(text, i);
    if (p.length == 0) {  // not UTF-8: a word's end
      in_word = false;
      ++i;
      continue;
    }
    const unsigned c = p.code;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) letter(std::string(1, static_cast<char>(c)));
    else if (c >= 'A' && c <= 'Z') letter(std::string(1, static_cast<char>(c - 'A' + 'a')));
    else if (c >= 0xC0 && c <= 0xFF) letter(latin_1[c - 0xC0]);
    else if (c >= 0x100 && c <= 0x17F) {
      const Run* run = latin_extended_a;
      while (run->last < c) ++run;
      letter(run->base);
    } else if (c >= 0x180) letter(text.substr(i, p.length));  // beyond Latin-1 and Extended-A: as it is
    else letter("");
    i += p.length;
  }
  return key;
}

}  // namespace tallyman
