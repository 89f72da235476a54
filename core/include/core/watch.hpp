#pragma once
// Early warning (contract §8): customers showing the first signs of trouble as of a date, each
// signal with a line that says what was seen. Thresholds are the watch policy's, which finance
// may change; a threshold set to null switches its signal off.
//   near_limit      balance ≥ near_limit_bp of the credit limit (customers with a limit)
//   paying_slower   the amount-weighted days late of the payments applied in the last window
//                   exceed those of the window before by slower_by_days or more
//   broken_promise  a promise to pay whose date fell in the window was broken
//   bounced_payment a payment was reversed in the window
//   grade_drop      a grading run in the window lowered the grade
//   large_due_soon  invoices due in the next due_soon_days come to ≥ due_soon_limit_bp of
//                   the credit limit
// Pure: the reports' area gathers each customer's figures as of the date.

#include "core/kpis.hpp"
#include "core/ledger.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

struct WatchPolicy {
  int window_days = 90;
  std::optional<int> near_limit_bp = 9000;
  std::optional<int> slower_by_days = 10;
  bool broken_promise = true;
  bool bounced_payment = true;
  bool grade_drop = true;
  std::optional<int> due_soon_days = 14;
  int due_soon_limit_bp = 5000;
  friend bool operator==(const WatchPolicy&, const WatchPolicy&) = default;
};

FieldErrors validate(const WatchPolicy& policy);

// Payments applied in a window: Σ amount and Σ amount × max(0, day applied − due date).
struct LatePayments {
  std::int64_t applied = 0;
  Wide days_late = 0;
};

struct WatchInputs {
  Customer customer;
  std::int64_t balance = 0;  // open invoices less unapplied credit, as of the date
  LatePayments recent;       // applied in (D − window, D]
  LatePayments before;       // applied in (D − 2 × window, D − window]
  std::optional<Date> broken_promise;  // the promised date of the latest broken in the window
  std::int64_t promised = 0;
  std::optional<Date> reversed_on;     // the latest payment reversal in the window
  std::string reversed_payment;
  std::int64_t reversed_amount = 0;
  std::optional<Date> graded_on;       // the latest grade lowered in the window
  char grade_before = 0, grade_after = 0;
  std::int64_t due_soon = 0;           // open as of D, due in (D, D + due_soon_days]
};

struct Signal {
  std::string code;
  std::string detail;
  friend bool operator==(const Signal&, const Signal&) = default;
};

// The signals a customer shows, in the order listed above.
std::vector<Signal> watch_signals(const WatchPolicy& policy, const WatchInputs& in);

}  // namespace tallyman
