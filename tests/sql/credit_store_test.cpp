// Reservations in the books (sql/books_credit.cpp) where dates matter: they hold until their
// last day, then count no more, and the expiry job marks them.
#include "sql/books.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

}  // namespace

TEST_CASE("reservations: a hold lasts the policy's days, then expires and counts no more", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::SqlBooks books(t.connect());
  const Actor sales{"s", Role::sales, "r1", "{}"};
  Customer c{"C-1", "One", *parse_currency("EUR"), 10000, "NET30", std::nullopt, std::nullopt, false};
  REQUIRE(books.post_customer(sales, c).outcome == PostOutcome::created);
  CreditPolicy policy = books.credit_policy();
  policy.reservation_days = 10;
  REQUIRE(books.put_credit_policy(sales, policy).accepted());

  const CreditCheckRequest order{"C-1", "SO-1", 6000, *parse_currency("EUR"), true};
  CreditCheck first = books.check_credit(sales, order, d("2026-03-01"));
  REQUIRE(first.answer.decision == CreditDecision::approved);
  REQUIRE(first.reservation);
  CHECK(first.reservation->expires == d("2026-03-11"));
  const CreditCheckRequest second{"C-1", "SO-2", 6000, *parse_currency("EUR"), true};
  // On its last day the hold still counts: the second order does not fit.
  CHECK(books.check_credit(sales, second, d("2026-03-11")).answer.decision == CreditDecision::declined);
  // The day after, it counts no more, though the job has not run yet.
  CHECK(books.account("C-1", d("2026-03-12"))->balance.reserved == 0);
  CHECK(books.expire_reservations(d("2026-03-11")) == 0);
  CHECK(books.expire_reservations(d("2026-03-12")) == 1);
  CHECK(books.reservation("SO-1")->status == ReservationStatus::expired);
  CHECK(books.check_credit(sales, second, d("2026-03-12")).answer.decision == CreditDecision::approved);
  CHECK(books.account("C-1", d("2026-03-12"))->balance.reserved == 6000);
  // An expired order may be held again.
  const CreditCheckRequest renewed{"C-1", "SO-1", 4000, *parse_currency("EUR"), true};
  CHECK(books.check_credit(sales, renewed, d("2026-03-12")).reservation->amount == 4000);
  CHECK(books.account("C-1", d("2026-03-12"))->balance.reserved == 10000);
}
