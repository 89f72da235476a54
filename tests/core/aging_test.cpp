#include "core/aging.hpp"

#include "core/allocation.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }
const Currency eur = *parse_currency("EUR");

Posting inv(const char* customer, const char* number, const char* issue, const char* due, std::int64_t amount) {
  Invoice i{number, customer, d(issue), d(due), amount, eur, std::nullopt};
  return invoice_posting(i, d(due));
}

AgingSpec spec(const char* as_of, AgingBasis basis = AgingBasis::due_date) {
  return AgingSpec{d(as_of), basis, {30, 60, 90}};
}

// The bucket label an invoice due on `due` falls in as of `as_of`.
std::string label(const char* as_of, const char* due) {
  AgingSpec s = spec(as_of);
  return bucket_labels(s)[bucket_of(s, d(due), d("2020-01-01"))];
}

}  // namespace

TEST_CASE("aging: labels follow the bounds and the basis", "[core]") {
  CHECK(bucket_labels(spec("2026-03-31")) == std::vector<std::string>{"current", "1-30", "31-60", "61-90", "91+"});
  CHECK(bucket_labels(spec("2026-03-31", AgingBasis::issue_date)) ==
        std::vector<std::string>{"0-30", "31-60", "61-90", "91+"});
  CHECK(bucket_labels(AgingSpec{d("2026-03-31"), AgingBasis::due_date, {15}}) ==
        std::vector<std::string>{"current", "1-15", "16+"});
}

TEST_CASE("aging: an invoice due today is current", "[core]") { CHECK(label("2026-03-31", "2026-03-31") == "current"); }
TEST_CASE("aging: an invoice due tomorrow is current", "[core]") { CHECK(label("2026-03-31", "2026-04-01") == "current"); }
TEST_CASE("aging: one day past due is 1-30", "[core]") { CHECK(label("2026-03-31", "2026-03-30") == "1-30"); }
TEST_CASE("aging: thirty days past due is 1-30", "[core]") { CHECK(label("2026-03-31", "2026-03-01") == "1-30"); }
TEST_CASE("aging: thirty-one days past due is 31-60", "[core]") { CHECK(label("2026-03-31", "2026-02-28") == "31-60"); }
TEST_CASE("aging: sixty and sixty-one days past due", "[core]") {
  CHECK(label("2026-03-31", "2026-01-30") == "31-60");
  CHECK(label("2026-03-31", "2026-01-29") == "61-90");
}
TEST_CASE("aging: ninety-one days past due is 91+", "[core]") {
  CHECK(label("2026-03-31", "2025-12-31") == "61-90");
  CHECK(label("2026-03-31", "2025-12-30") == "91+");
  CHECK(label("2026-03-31", "2015-01-01") == "91+");
}

TEST_CASE("aging: issue_date basis counts days since issue from 0", "[core]") {
  AgingSpec s = spec("2026-03-31", AgingBasis::issue_date);
  auto l = [&](const char* issue) { return bucket_labels(s)[bucket_of(s, d("2030-01-01"), d(issue))]; };
  CHECK(l("2026-03-31") == "0-30");
  CHECK(l("2026-03-01") == "0-30");
  CHECK(l("2026-02-28") == "31-60");
  CHECK(l("2025-12-30") == "91+");
}

TEST_CASE("aging: as of a past date, later postings and later invoices do not count", "[core]") {
  std::vector<Posting> journal{inv("C-1", "INV-1", "2026-01-01", "2026-01-31", 1000),
                               inv("C-1", "INV-2", "2026-03-15", "2026-04-14", 500)};
  Payment pay{"PAY-1", "C-1", d("2026-03-10"), 1200, eur, {}};
  std::vector<OpenItem> items{{"INV-1", d("2026-01-01"), d("2026-01-31"), 1000, false}};
  for (Posting& p : allocate_payment(pay, OpenItems(items)).postings) journal.push_back(p);

  auto before = age_postings(spec("2026-03-09"), eur, journal);
  REQUIRE(before.customers.size() == 1);
  CHECK(before.customers[0].buckets == std::vector<std::int64_t>{0, 0, 1000, 0, 0});  // 37 days past due
  CHECK(before.customers[0].unapplied == 0);
  CHECK(before.customers[0].total() == 1000);

  auto after = age_postings(spec("2026-03-31"), eur, journal);
  CHECK(after.customers[0].buckets == std::vector<std::int64_t>{500, 0, 0, 0, 0});
  CHECK(after.customers[0].unapplied == 200);
  CHECK(after.customers[0].total() == 300);
  CHECK(after.totals.total() == 300);

  CHECK(age_postings(spec("2025-12-31"), eur, journal).customers.empty());
}

TEST_CASE("aging: rows that are all zero are left out and so are other currencies", "[core]") {
  std::vector<Posting> journal{inv("C-1", "INV-1", "2026-01-01", "2026-01-31", 1000)};
  Posting usd = inv("C-2", "INV-2", "2026-01-01", "2026-01-31", 700);
  usd.currency = *parse_currency("USD");
  journal.push_back(usd);
  Posting wo = write_off_posting({"INV-1", d("2026-01-01"), d("2026-01-31"), 1000, false}, "C-1", eur,
                                 d("2026-02-01"), "WO-1", 1000);
  journal.push_back(wo);
  CHECK(age_postings(spec("2026-03-01"), eur, journal).customers.empty());
  CHECK(age_postings(spec("2026-01-15"), eur, journal).customers.size() == 1);
  CHECK(age_postings(spec("2026-03-01"), *parse_currency("USD"), journal).totals.buckets[1] == 700);  // 29 days past due
}

TEST_CASE("aging: bucket bounds must ascend within range", "[core]") {
  CHECK(parse_aging_bounds("30,60,90") == std::vector<int>{30, 60, 90});
  CHECK(parse_aging_bounds("7") == std::vector<int>{7});
  for (const char* bad : {"", "30,,60", "60,30", "30,30", "0,30", "-5", "30,60,x", "1.5", "36501",
                          "1,2,3,4,5,6,7,8,9,10,11,12,13", "30,"})
    CHECK_FALSE(parse_aging_bounds(bad).has_value());
  CHECK(parse_aging_basis("issue_date") == AgingBasis::issue_date);
  CHECK_FALSE(parse_aging_basis("posting_date"));
}
