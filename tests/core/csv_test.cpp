#include "core/csv.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

TEST_CASE("csv: plain, quoted and empty fields with CRLF and LF", "[core]") {
  CsvReader r("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\n1,2,3");
  std::vector<std::string> f;
  REQUIRE(r.next(f));
  CHECK(f == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(r.next(f));
  CHECK(f == std::vector<std::string>{"x, y", "say \"hi\"", ""});
  CHECK(r.line() == 2);
  REQUIRE(r.next(f));
  CHECK(f == std::vector<std::string>{"1", "2", "3"});
  CHECK(r.line() == 4);
  CHECK_FALSE(r.next(f));
  CHECK(r.error().empty());
}

TEST_CASE("csv: a quoted line break stays in the field and lines are counted", "[core]") {
  CsvReader r("\"a\nb\",c\nd,e\n");
  std::vector<std::string> f;
  REQUIRE(r.next(f));
  CHECK(f[0] == "a\nb");
  REQUIRE(r.next(f));
  CHECK(r.line() == 3);
}

TEST_CASE("csv: malformed quoting is an error", "[core]") {
  std::vector<std::string> f;
  CsvReader open("a,\"b\n");
  CHECK_FALSE(open.next(f));
  CHECK(open.error() == "a quoted field is not closed");
  CsvReader after("\"a\"b,c\n");
  CHECK_FALSE(after.next(f));
  CHECK(after.error() == "text after a closing quote");
}

TEST_CASE("csv: fields are quoted only when they need it", "[core]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_line({"x", "y,z"}) == "x,\"y,z\"\r\n");
}

TEST_CASE("csv: a text cell a spreadsheet would run as a formula gets a leading quote", "[core]") {
  for (const char* formula : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) {
    INFO(formula);
    CHECK(csv_text(formula) == std::string("'") + formula);
  }
  for (const char* plain : {"", "Acme", "1-2", "a=b", "'quoted", " =x"}) {
    INFO(plain);
    CHECK(csv_text(plain) == plain);
  }
  CHECK(csv_field(csv_text("=HYPERLINK(\"x\")")) == "\"'=HYPERLINK(\"\"x\"\")\"");
}
