#pragma once
// Grading (contract §3): a score 0-100 from a customer's payment behaviour as of a date, and
// the grade A, B or C it gives. Pure: the caller gathers the invoices and their payments.
//
// The factors, over the invoices issued in the 12 months before as_of:
//   on_time    the share of the amount due by as_of that was paid (or credited) by its due date
//   days_late  the average days late, weighted by amount, of the money due by as_of: what was
//              paid on time counts 0 days, what was paid late its days late, what is still
//              overdue its days until as_of
//   overdue    the overdue share of the open balance as of as_of
//   volume     how many invoices (12 or more counts in full)
// and a penalty when anything was written off in the 24 months before as_of. Each factor
// gives up to its weight in points (the weights are the policy's); the score is their sum
// less the penalty, within 0..100. A customer with no invoice due in the window has no
// history: no score, and it keeps its grade.

#include "core/calendar.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tallyman {

struct GradingPolicy {
  int weight_on_time = 40;
  int weight_days_late = 25;
  int weight_overdue = 20;
  int weight_volume = 15;
  int write_off_penalty = 30;
  int days_late_zero = 60;  // an average this late (or later) gives no days_late points
  int grade_a_min = 80;
  int grade_b_min = 50;
  friend bool operator==(const GradingPolicy&, const GradingPolicy&) = default;
};

// One invoice of the window: its dates, amount, and what was applied to it (payments and
// credit notes; not write-offs), each on its date, up to as_of.
struct InvoiceRecord {
  Date issue_date;
  Date due_date;
  std::int64_t amount = 0;
  struct Applied {
    Date on;
    std::int64_t amount = 0;
  };
  std::vector<Applied> applied;
  std::int64_t written_off = 0;  // up to as_of: leaves the open amount, counts neither way
};

struct History {
  std::vector<InvoiceRecord> invoices;  // issued in the 12 months up to as_of
  bool written_off_recently = false;     // a write-off posted in the 24 months up to as_of
};

struct Score {
  int score = 0;  // 0..100
  char grade = 'C';
  // Each factor's measure and its points.
  int on_time_bp = 0;  // basis points of the amount due
  int on_time_points = 0;
  int average_days_late = 0;
  int days_late_points = 0;
  int overdue_bp = 0;  // basis points of the open balance
  int overdue_points = 0;
  int invoices = 0;
  std::int64_t invoiced = 0;  // the window's invoiced amount
  int volume_points = 0;
  bool written_off = false;
  int write_off_points = 0;  // the penalty, as a negative number of points
};

constexpr int grading_window_days = 365;
constexpr int write_off_window_days = 730;

// None without history (no invoice due by as_of in the window).
std::optional<Score> score_history(const GradingPolicy& policy, const History& history, Date as_of);

// A credit limit to propose (never applied by itself): the average monthly invoicing of the
// window, times the months a customer on these terms owes at once (terms days / 30, plus the
// month of invoicing), times the grade's factor (A 150%, B 100%, C 50%); rounded down to a
// whole 100 minor units.
std::int64_t proposed_limit(const Score& score, int terms_days);

}  // namespace tallyman
