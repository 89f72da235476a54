#pragma once
// Credit control (contract §3): whether an order of `amount` may go ahead for a customer,
// and why not. A pure function of the customer's position and the credit policy; the caller
// gathers the position (in one transaction with the reservation, so that the decision and the
// hold are one atomic step).
//
// Exposure = open invoices - unapplied credit + active reservations. An order is within the
// limit when exposure + amount <= credit_limit. Every reason that applies is given, not only
// the first; the decision is `declined` when any declining rule applies, else `review` when
// any reviewing rule applies, else `approved`.

#include "core/grading.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tallyman {

enum class CreditDecision { approved, review, declined };
std::string_view to_string(CreditDecision decision);

// Stable codes (contract §3), in this order in every answer.
enum class CreditReason { over_limit, on_hold, dunning_hold, overdue_days, overdue_amount, grade, no_limit };
std::string_view to_string(CreditReason reason);

// The rules. Each can be switched off; the defaults are what a finance team would accept.
struct CreditPolicy {
  bool decline_on_hold = true;          // the customer is on manual hold
  bool decline_on_dunning_hold = true;  // dunning put the customer on hold
  bool check_limit = true;              // over the limit: declined, or review within the band
  int over_limit_review_bp = 0;         // the band above the limit that is only `review` (100 bp = 1%)
  std::optional<int> review_overdue_days = 30;      // review when the largest days overdue exceed this
  std::optional<int> review_overdue_share_bp = 2000;  // review when overdue exceeds this share of the limit
  bool review_grade_c = true;
  bool review_no_limit = true;  // the contract: no limit answers review with no_limit
  int reservation_days = 30;    // how long an approved reservation holds
  GradingPolicy grading;        // the weights of the score's factors and the grades' thresholds
  friend bool operator==(const CreditPolicy&, const CreditPolicy&) = default;
};

constexpr int credit_basis_points_max = 100'000;  // a band or share of up to 1000%
constexpr int reservation_days_max = 365;

FieldErrors validate(const CreditPolicy& policy);

// What the decision reads of the customer, as of today.
struct CreditPosition {
  std::optional<std::int64_t> limit;  // none: no limit set yet
  std::int64_t open = 0;
  std::int64_t unapplied = 0;
  std::int64_t reserved = 0;  // active reservations, this order's own left out
  std::int64_t overdue = 0;
  int max_days_overdue = 0;
  std::optional<char> grade;
  bool on_hold = false;
  bool dunning_hold = false;
};

struct CreditAnswer {
  CreditDecision decision = CreditDecision::approved;
  std::vector<CreditReason> reasons;
  std::int64_t exposure = 0;                // open - unapplied + reserved
  std::optional<std::int64_t> available;    // limit - exposure
  std::int64_t after_order = 0;             // exposure + amount
};

CreditAnswer decide_credit(const CreditPolicy& policy, const CreditPosition& position, std::int64_t amount);

}  // namespace tallyman
