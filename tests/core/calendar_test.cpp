#include "core/calendar.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {
Date d(const char* text) { return parse_date(text).value(); }
}  // namespace

TEST_CASE("calendar: ISO dates round-trip", "[core]") {
  CHECK(format_date(d("2026-03-31")) == "2026-03-31");
  CHECK(format_date(d("2024-02-29")) == "2024-02-29");
  CHECK(format_date(d("1999-12-31") + date::days{1}) == "2000-01-01");
}

TEST_CASE("calendar: dates that do not exist or are not ISO are refused", "[core]") {
  for (const char* bad : {"2026-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                          "2026-1-01", "26-01-01", "2026/01/01", "2026-01-01T00:00", "", "abcd-ef-gh",
                          "1899-12-31", " 2026-01-01", "+026-01-01"})
    CHECK_FALSE(parse_date(bad).has_value());
  CHECK(parse_date("2000-02-29").has_value());  // divisible by 400: a leap year
}

TEST_CASE("calendar: end of month, including February of leap years", "[core]") {
  CHECK(end_of_month(d("2026-01-15")) == d("2026-01-31"));
  CHECK(end_of_month(d("2026-02-01")) == d("2026-02-28"));
  CHECK(end_of_month(d("2024-02-10")) == d("2024-02-29"));
  CHECK(end_of_month(d("2026-12-31")) == d("2026-12-31"));
}

TEST_CASE("calendar: adding months clamps to the end of a shorter month", "[core]") {
  CHECK(add_months(d("2026-01-31"), 1) == d("2026-02-28"));
  CHECK(add_months(d("2024-01-31"), 1) == d("2024-02-29"));
  CHECK(add_months(d("2026-03-31"), 1) == d("2026-04-30"));
  CHECK(add_months(d("2026-11-30"), 3) == d("2027-02-28"));
  CHECK(add_months(d("2026-05-15"), -5) == d("2025-12-15"));
}
