#include "core/credit.hpp"

#include "core/check.hpp"
#include "core/money.hpp"

namespace tallyman {

std::string_view to_string(CreditDecision decision) {
  switch (decision) {
    case CreditDecision::approved: return "approved";
    case CreditDecision::review: return "review";
    case CreditDecision::declined: return "declined";
  }
  TM_ASSERT(false);
}

std::string_view to_string(CreditReason reason) {
  switch (reason) {
    case CreditReason::over_limit: return "over_limit";
    case CreditReason::on_hold: return "on_hold";
    case CreditReason::dunning_hold: return "dunning_hold";
    case CreditReason::overdue_days: return "overdue_days";
    case CreditReason::overdue_amount: return "overdue_amount";
    case CreditReason::grade: return "grade";
    case CreditReason::no_limit: return "no_limit";
  }
  TM_ASSERT(false);
}

FieldErrors validate(const CreditPolicy& p) {
  FieldErrors errors;
  auto bp = [&](const char* field, int value) {
    if (value < 0 || value > credit_basis_points_max)
      errors.push_back({field, "must be basis points from 0 to " + std::to_string(credit_basis_points_max)});
  };
  bp("over_limit_review_bp", p.over_limit_review_bp);
  if (p.review_overdue_share_bp) bp("review_overdue_share_bp", *p.review_overdue_share_bp);
  if (p.review_overdue_days && (*p.review_overdue_days < 0 || *p.review_overdue_days > 36500))
    errors.push_back({"review_overdue_days", "must be a number of days from 0 to 36500"});
  if (p.reservation_days < 1 || p.reservation_days > reservation_days_max)
    errors.push_back({"reservation_days", "must be from 1 to " + std::to_string(reservation_days_max)});
  const GradingPolicy& g = p.grading;
  auto points = [&](const char* field, int value) {
    if (value < 0 || value > 100) errors.push_back({field, "must be points from 0 to 100"});
  };
  points("grading.weight_on_time", g.weight_on_time);
  points("grading.weight_days_late", g.weight_days_late);
  points("grading.weight_overdue", g.weight_overdue);
  points("grading.weight_volume", g.weight_volume);
  points("grading.write_off_penalty", g.write_off_penalty);
  points("grading.grade_a_min", g.grade_a_min);
  points("grading.grade_b_min", g.grade_b_min);
  if (g.weight_on_time + g.weight_days_late + g.weight_overdue + g.weight_volume != 100)
    errors.push_back({"grading", "the four weights must add up to 100"});
  if (g.grade_b_min > g.grade_a_min) errors.push_back({"grading.grade_b_min", "must not be above grade_a_min"});
  if (g.days_late_zero < 1 || g.days_late_zero > 3650)
    errors.push_back({"grading.days_late_zero", "must be from 1 to 3650 days"});
  return errors;
}

namespace {

// amount * bp / 10000, rounded down, for amounts up to 2^53 and bp up to 10^5 (whose
// product does not fit 64 bits): split amount = q * 10000 + r.
std::int64_t share(std::int64_t amount, int bp) {
  TM_ASSERT(amount >= 0 && bp >= 0);
  return amount / 10'000 * bp + amount % 10'000 * bp / 10'000;
}

}  // namespace

CreditAnswer decide_credit(const CreditPolicy& policy, const CreditPosition& pos, std::int64_t amount) {
  TM_ASSERT(is_postable_amount(amount));
  CreditAnswer a;
  a.exposure = pos.open - pos.unapplied + pos.reserved;
  a.after_order = a.exposure + amount;
  if (pos.limit) a.available = *pos.limit - a.exposure;

  bool decline = false, review = false;
  auto reason = [&](CreditReason r, bool declines) {
    a.reasons.push_back(r);
    (declines ? decline : review) = true;
  };
  // In the order of CreditReason, so that answers list them alike.
  if (policy.check_limit && pos.limit && a.after_order > *pos.limit) {
    // Within the band above the limit a person decides; beyond it, declined.
    const bool in_band = a.after_order <= *pos.limit + share(*pos.limit, policy.over_limit_review_bp);
    reason(CreditReason::over_limit, !in_band);
  }
  if (policy.decline_on_hold && pos.on_hold) reason(CreditReason::on_hold, true);
  if (policy.decline_on_dunning_hold && pos.dunning_hold) reason(CreditReason::dunning_hold, true);
  if (policy.review_overdue_days && pos.max_days_overdue > *policy.review_overdue_days)
    reason(CreditReason::overdue_days, false);
  if (policy.review_overdue_share_bp && pos.overdue > 0) {
    // A share of the limit; without a limit any overdue money is more than a share of none.
    const std::int64_t allowed = pos.limit ? share(*pos.limit, *policy.review_overdue_share_bp) : 0;
    if (pos.overdue > allowed) reason(CreditReason::overdue_amount, false);
  }
  if (policy.review_grade_c && pos.grade == 'C') reason(CreditReason::grade, false);
  if (policy.review_no_limit && !pos.limit) reason(CreditReason::no_limit, false);

  a.decision = decline ? CreditDecision::declined : review ? CreditDecision::review : CreditDecision::approved;
  return a;
}

}  // namespace tallyman
