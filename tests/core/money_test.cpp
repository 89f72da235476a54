#include "core/money.hpp"
#include "core/ids.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

TEST_CASE("money: currencies are three capital letters", "[core]") {
  CHECK(parse_currency("EUR").value().str() == "EUR");
  for (const char* bad : {"eur", "EU", "EURO", "E1R", "", "€"}) CHECK_FALSE(parse_currency(bad).has_value());
}

TEST_CASE("money: posted amounts lie in 1..2^53-1, limits may be 0", "[core]") {
  CHECK_FALSE(is_postable_amount(0));
  CHECK_FALSE(is_postable_amount(-1));
  CHECK(is_postable_amount(1));
  CHECK(is_postable_amount(9007199254740991));
  CHECK_FALSE(is_postable_amount(9007199254740992));
  CHECK(is_valid_limit(0));
  CHECK_FALSE(is_valid_limit(-5));
  CHECK_FALSE(is_valid_limit(amount_minor_max + 1));
}

TEST_CASE("money: amounts are shown with the currency's minor digits", "[core]") {
  const Currency eur = *parse_currency("EUR"), jpy = *parse_currency("JPY"), kwd = *parse_currency("KWD");
  CHECK(format_amount(125050, eur) == "1,250.50");
  CHECK(format_amount(5, eur) == "0.05");
  CHECK(format_amount(-100000, eur) == "-1,000.00");
  CHECK(format_amount(125050, jpy) == "125,050");
  CHECK(format_amount(1234, kwd) == "1.234");
  CHECK(format_amount(9007199254740991, eur) == "90,071,992,547,409.91");
}

TEST_CASE("money: sums stay in one currency", "[core]") {
  const Currency eur = *parse_currency("EUR");
  CHECK((Money{100, eur} + Money{250, eur}) == Money{350, eur});
  CHECK((Money{100, eur} - Money{250, eur}) == Money{-150, eur});
}

TEST_CASE("ids: 1-64 characters from the id alphabet", "[core]") {
  CHECK(is_valid_id("C-1001"));
  CHECK(is_valid_id("a.b_c:d/e-F9"));
  CHECK(is_valid_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_id(std::string(65, 'x')));
  for (const char* bad : {"", "a b", "x'; DROP TABLE invoices;--", "ä", "a,b", "a\"b", "a\nb"})
    CHECK_FALSE(is_valid_id(bad));
}
