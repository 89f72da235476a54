#include "core/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tallyman;

TEST_CASE("text: a name is one line of printable UTF-8 of 1 to 200 bytes", "[core]") {
  CHECK(fits(name_field, "Acme GmbH"));
  CHECK(fits(name_field, "M\xc3\xbcller & S\xc3\xb6hne :p1 'x' \\"));
  CHECK(fits(name_field, std::string(200, 'n')));
  CHECK_FALSE(fits(name_field, std::string(201, 'n')));
  CHECK_FALSE(fits(name_field, ""));
  for (const std::string& bad : {std::string("a\0b", 3), std::string("a\nb"), std::string("a\rb"), std::string("a\tb"),
                                std::string("a\x1b"), std::string("a\x7f"), std::string("a\xc2\x85"),  // C1: NEL
                                std::string("\xc3"), std::string("\xc0\xaf"),                         // cut, overlong
                                std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {    // surrogate, > U+10FFFF
    INFO(bad.size());
    CHECK_FALSE(fits(name_field, bad));
  }
}

TEST_CASE("text: a reason may span lines and tabs, 1 to 500 bytes, but holds no other control", "[core]") {
  CHECK(fits(reason_field, "line one\r\nline two\tend"));
  std::string at_limit;
  while (at_limit.size() < 500) at_limit += "\xc3\xa9";
  CHECK(fits(reason_field, at_limit));
  CHECK_FALSE(fits(reason_field, at_limit + "x"));
  CHECK_FALSE(fits(reason_field, std::string("a\0b", 3)));
  CHECK_FALSE(fits(reason_field, "a\x0b"));
  CHECK_FALSE(fits(reason_field, ""));
}

TEST_CASE("text: a prefix of at most n bytes never cuts a character", "[core]") {
  const std::string euro = "\xe2\x82\xac";  // 3 bytes
  CHECK(utf8_prefix("abc", 5) == "abc");
  CHECK(utf8_prefix("abc", 2) == "ab");
  CHECK(utf8_prefix("a" + euro, 3) == "a");
  CHECK(utf8_prefix("a" + euro, 4) == "a" + euro);
  CHECK(utf8_prefix(euro + euro, 5) == euro);
  CHECK(utf8_prefix("", 0).empty());
}

TEST_CASE("text: a body is UTF-8 text without NUL, control characters and all", "[core]") {
  CHECK(is_utf8_text(""));
  CHECK(is_utf8_text("{\"a\": \"M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80\"}\r\n\t"));
  CHECK(is_utf8_text("a\xc2\x85\x1b\x7f"));  // controls are a field's business, not the body's
  for (const std::string& bad : {std::string("{}\0x", 4), std::string("\xff"), std::string("{\"a\":\"\xc3\"}"),
                                std::string("\xc0\x80"), std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
                                std::string("\x80")}) {
    INFO(bad.size());
    CHECK_FALSE(is_utf8_text(bad));
  }
}

TEST_CASE("text: a search key is the words, lower case, without the accents of Latin letters", "[core]") {
  CHECK(search_key("B\xc3\xa4" "cker & S\xc3\xb6hne GmbH") == " backer sohne gmbh");
  CHECK(search_key("M\xc3\xbcller Stra\xc3\x9f" "e") == " muller strasse");
  CHECK(search_key("\xc5\x92uvre \xc3\x89" "ditions") == " oeuvre editions");   // Œ, É
  CHECK(search_key("\xc5\x81\xc3\xb3" "d\xc5\xba") == " lodz");                   // Łódź
  CHECK(search_key("  ACME--Corp.  42 ") == " acme corp 42");
  CHECK(search_key("\xd0\x9c\xd0\xb8\xd1\x80") == " \xd0\x9c\xd0\xb8\xd1\x80");  // Cyrillic: as it is
  CHECK(search_key("").empty());
  CHECK(search_key("&/-").empty());
  CHECK(search_key("a\xff" "b") == " a b");  // not UTF-8: a word's end
}
