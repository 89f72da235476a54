#include "core/terms.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {
Date d(const char* text) { return parse_date(text).value(); }
}  // namespace

TEST_CASE("terms: invoice_date basis adds days to the issue date", "[core]") {
  Terms net30{"NET30", TermsBasis::invoice_date, 30, std::nullopt};
  CHECK(due_date(net30, d("2026-01-15")) == d("2026-02-14"));
  CHECK(due_date(net30, d("2026-12-15")) == d("2027-01-14"));  // across a year end
  CHECK(due_date(net30, d("2024-02-01")) == d("2024-03-02"));  // leap February
  Terms net0{"NET0", TermsBasis::invoice_date, 0, std::nullopt};
  CHECK(due_date(net0, d("2026-05-05")) == d("2026-05-05"));
}

TEST_CASE("terms: end_of_month basis counts from the last day of the issue month", "[core]") {
  Terms eom30{"EOM30", TermsBasis::end_of_month, 30, std::nullopt};
  CHECK(due_date(eom30, d("2026-01-01")) == d("2026-03-02"));  // Jan 31 + 30
  CHECK(due_date(eom30, d("2026-01-31")) == d("2026-03-02"));
  CHECK(due_date(eom30, d("2024-02-10")) == d("2024-03-30"));  // Feb 29 + 30
  CHECK(due_date(eom30, d("2026-12-03")) == d("2027-01-30"));  // across a year end
}

TEST_CASE("terms: early-payment discount deadline and amount round down", "[core]") {
  Terms t{"2-10-NET30", TermsBasis::invoice_date, 30, Discount{10, 200}};
  CHECK(discount_deadline(t, d("2026-01-25")) == d("2026-02-04"));
  CHECK(discount_amount(*t.discount, 250000) == 5000);
  CHECK(discount_amount(*t.discount, 149) == 2);  // 2.98 -> 2
  CHECK_FALSE(discount_deadline(Terms{"NET30", TermsBasis::invoice_date, 30, std::nullopt}, d("2026-01-01")));
}

TEST_CASE("terms: invalid terms are refused field by field", "[core]") {
  CHECK(validate(Terms{"NET30", TermsBasis::invoice_date, 30, std::nullopt}).empty());
  CHECK(validate(Terms{"bad code", TermsBasis::invoice_date, 30, std::nullopt}).at(0).field == "code");
  CHECK(validate(Terms{"X", TermsBasis::invoice_date, -1, std::nullopt}).at(0).field == "days");
  CHECK(validate(Terms{"X", TermsBasis::invoice_date, 3651, std::nullopt}).at(0).field == "days");
  CHECK(validate(Terms{"X", TermsBasis::invoice_date, 30, Discount{31, 200}}).at(0).field == "discount.days");
  CHECK(validate(Terms{"X", TermsBasis::invoice_date, 30, Discount{10, 0}}).at(0).field == "discount.percent_bp");
  CHECK(validate(Terms{"X", TermsBasis::invoice_date, 30, Discount{10, 10000}}).at(0).field == "discount.percent_bp");
  CHECK(parse_terms_basis("end_of_month") == TermsBasis::end_of_month);
  CHECK_FALSE(parse_terms_basis("eom"));
}

TEST_CASE("terms: the standard terms are NET30, NET60 and EOM30", "[core]") {
  auto terms = standard_terms();
  REQUIRE(terms.size() == 3);
  CHECK(terms[0].code == "NET30");
  CHECK(terms[1].days == 60);
  CHECK(terms[2].basis == TermsBasis::end_of_month);
}
