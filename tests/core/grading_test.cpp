#include "core/grading.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

InvoiceRecord invoice(const char* issued, const char* due, std::int64_t amount,
                      std::vector<InvoiceRecord::Applied> applied = {}) {
  return {d(issued), d(due), amount, std::move(applied), 0};
}

}  // namespace

TEST_CASE("grading: a customer who always paid on time, with volume, scores 100 and grade A", "[core]") {
  History h;
  for (int m = 1; m <= 12; ++m) {
    char issued[11], due[11];
    std::snprintf(issued, sizeof issued, "2025-%02d-01", m);
    std::snprintf(due, sizeof due, "2025-%02d-20", m);
    h.invoices.push_back(invoice(issued, due, 1000, {{d(due), 1000}}));
  }
  const auto s = score_history(GradingPolicy{}, h, d("2025-12-31"));
  REQUIRE(s);
  CHECK(s->on_time_bp == 10000);
  CHECK(s->on_time_points == 40);
  CHECK(s->average_days_late == 0);
  CHECK(s->days_late_points == 25);
  CHECK(s->overdue_points == 20);
  CHECK(s->volume_points == 15);
  CHECK(s->score == 100);
  CHECK(s->grade == 'A');
  // 12,000 a year is 1,000 a month; NET30 owes two months at once; A counts 150%.
  CHECK(proposed_limit(*s, 30) == 3000);
}

TEST_CASE("grading: a constructed history with a known score", "[core]") {
  // Two invoices due by as_of: 1,000 paid on time, 1,000 paid 30 days late. One open,
  // overdue 20 days (500). Three invoices: volume 3 of 12.
  History h;
  h.invoices.push_back(invoice("2026-01-01", "2026-01-31", 1000, {{d("2026-01-31"), 1000}}));
  h.invoices.push_back(invoice("2026-01-01", "2026-01-31", 1000, {{d("2026-03-02"), 1000}}));
  h.invoices.push_back(invoice("2026-02-01", "2026-03-03", 500));
  const Date as_of = d("2026-03-23");
  const auto s = score_history(GradingPolicy{}, h, as_of);
  REQUIRE(s);
  // on time: 1,000 of 2,500 due = 4000 bp -> 40 x 0.4 = 16 points
  CHECK(s->on_time_bp == 4000);
  CHECK(s->on_time_points == 16);
  // days late, money paid on time counting 0: (1,000 x 0 + 1,000 x 30 + 500 x 20) / 2,500 = 16
  // -> 25 x (60-16)/60 = 18 (rounded down)
  CHECK(s->average_days_late == 16);
  CHECK(s->days_late_points == 18);
  // overdue: all 500 open is overdue -> 0 points
  CHECK(s->overdue_bp == 10000);
  CHECK(s->overdue_points == 0);
  // volume: 3 of 12 -> 15 x 3/12 = 3
  CHECK(s->volume_points == 3);
  CHECK(s->score == 37);
  CHECK(s->grade == 'C');
  h.written_off_recently = true;
  CHECK(score_history(GradingPolicy{}, h, as_of)->score == 7);
}

TEST_CASE("grading: the thresholds of the policy decide the grade, 80 is A and 50 is B", "[core]") {
  GradingPolicy policy;
  History h;
  h.invoices.push_back(invoice("2026-01-01", "2026-01-31", 1000, {{d("2026-01-31"), 1000}}));
  // One invoice paid on time: 40 + 25 + 20 + 15 x 1/12 (1) = 86
  CHECK(score_history(policy, h, d("2026-03-01"))->score == 86);
  policy.grade_a_min = 86;
  CHECK(score_history(policy, h, d("2026-03-01"))->grade == 'A');
  policy.grade_a_min = 87;
  CHECK(score_history(policy, h, d("2026-03-01"))->grade == 'B');
  policy.grade_b_min = 87;
  CHECK(score_history(policy, h, d("2026-03-01"))->grade == 'C');
}

TEST_CASE("grading: no invoice due yet is no history: no score", "[core]") {
  History none;
  CHECK(!score_history(GradingPolicy{}, none, d("2026-03-01")));
  History not_due;
  not_due.invoices.push_back(invoice("2026-02-20", "2026-03-22", 1000));
  CHECK(!score_history(GradingPolicy{}, not_due, d("2026-03-01")));
}

TEST_CASE("grading: payments after as_of do not count", "[core]") {
  History h;
  h.invoices.push_back(invoice("2026-01-01", "2026-01-31", 1000, {{d("2026-03-10"), 1000}}));
  const auto before = score_history(GradingPolicy{}, h, d("2026-03-01"));
  REQUIRE(before);
  CHECK(before->overdue_bp == 10000);
  CHECK(before->average_days_late == 29);
  const auto after = score_history(GradingPolicy{}, h, d("2026-03-31"));
  CHECK(after->overdue_bp == 0);
  CHECK(after->average_days_late == 38);
}
