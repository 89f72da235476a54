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

}  // namespace tallyman
