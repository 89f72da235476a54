#include "core/grading.hpp"

#include "core/check.hpp"

#include <algorithm>

namespace tallyman {

namespace {

// Sums of amount x days overflow 64 bits on large books; GCC's 128-bit integer keeps them
// exact (no floating point near money).
__extension__ typedef __int128 Wide;

// points * numerator / denominator, rounded down; 0 when there is nothing to divide.
int scaled(int points, std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) return 0;
  return static_cast<int>(static_cast<Wide>(points) * numerator / denominator);
}

}  // namespace

std::optional<Score> score_history(const GradingPolicy& policy, const History& history, Date as_of) {
  Score s;
  std::int64_t due_amount = 0, on_time = 0;
  // Days late weighted by amount: sum of (amount x days) over paid-late and still-overdue money.
  Wide late_weight = 0;
  std::int64_t weighed = 0;
  std::int64_t open = 0, overdue = 0;
  for (const InvoiceRecord& inv : history.invoices) {
    TM_ASSERT(inv.issue_date <= as_of);
    ++s.invoices;
    s.invoiced += inv.amount;
    std::int64_t paid = 0;
    for (const InvoiceRecord::Applied& a : inv.applied) {
      if (a.on > as_of) continue;
      paid += a.amount;
      if (inv.due_date <= as_of) {
        if (a.on <= inv.due_date) on_time += a.amount;
        else late_weight += static_cast<Wide>(a.amount) * (a.on - inv.due_date).count();
        weighed += a.amount;
      }
    }
    const std::int64_t left = std::max<std::int64_t>(0, inv.amount - paid - inv.written_off);
    open += left;
    if (inv.due_date <= as_of) {
      due_amount += inv.amount - inv.written_off;
      if (inv.due_date < as_of && left > 0) {
        overdue += left;
        late_weight += static_cast<Wide>(left) * (as_of - inv.due_date).count();
        weighed += left;
      }
    }
  }
  if (due_amount <= 0) return std::nullopt;  // no history to judge by

  s.on_time_bp = static_cast<int>(std::min<std::int64_t>(10'000, on_time * 10'000 / due_amount));
  s.on_time_points = scaled(policy.weight_on_time, s.on_time_bp, 10'000);
  s.average_days_late = weighed > 0 ? static_cast<int>(late_weight / weighed) : 0;
  s.days_late_points =
      scaled(policy.weight_days_late, std::max(0, policy.days_late_zero - s.average_days_late), policy.days_late_zero);
  s.overdue_bp = open > 0 ? static_cast<int>(overdue * 10'000 / open) : 0;
  s.overdue_points = scaled(policy.weight_overdue, 10'000 - s.overdue_bp, 10'000);
  s.volume_points = scaled(policy.weight_volume, std::min(s.invoices, 12), 12);
  s.written_off = history.written_off_recently;
  s.write_off_points = s.written_off ? -policy.write_off_penalty : 0;
  s.score = std::clamp(s.on_time_points + s.days_late_points + s.overdue_points + s.volume_points + s.write_off_points,
                       0, 100);
  s.grade = s.score >= policy.grade_a_min ? 'A' : s.score >= policy.grade_b_min ? 'B' : 'C';
  return s;
}

std::int64_t proposed_limit(const Score& score, int terms_days) {
  const std::int64_t monthly = score.invoiced / 12;  // rounded down, as every division here
  const int factor_percent = score.grade == 'A' ? 150 : score.grade == 'B' ? 100 : 50;
  const Wide limit = static_cast<Wide>(monthly) * (terms_days + 30) * factor_percent / 3000;
  return static_cast<std::int64_t>(limit) / 100 * 100;
}

}  // namespace tallyman
