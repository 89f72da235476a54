#pragma once
// The receivables KPIs of contract §8, for a period from..to and a group of customers, exact:
// sums of minor units and of amount × days in integers, each ratio rounded half away from zero
// to a tenth only at the end. AR is the aging's buckets (open invoices only), by due date.
//   dso  = closing AR ÷ invoiced × days
//   best = closing AR not yet due ÷ invoiced × days
//   add  = dso − best (of the two as shown)
//   cei  = (opening AR + invoiced − closing AR) ÷ (opening AR + invoiced − closing AR not yet due) × 100
//   wadl = Σ applied × max(0, day applied − due date) ÷ Σ applied, over the payments' applications in the period
// A ratio whose divisor is 0 has no value.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

// Sums of amount × days and their products by 100 or a number of days: past 64 bits for large
// books, so 128 (GCC's and Clang's extension, which `__extension__` admits under -Wpedantic).
__extension__ typedef __int128 Wide;

// One customer's figures for the period.
struct KpiInputs {
  std::int64_t opening_ar = 0;       // as of the day before the period
  std::int64_t closing_ar = 0;       // as of its last day
  std::int64_t closing_not_due = 0;  // of that, not yet due on the last day
  std::int64_t invoiced = 0;         // issued in the period
  std::int64_t collected = 0;        // payments applied in the period
  Wide collected_days_late = 0;  // Σ applied × max(0, day applied − due date)
};

struct KpiRow {
  std::int64_t opening_ar = 0;
  std::int64_t closing_ar = 0;
  std::int64_t invoiced = 0;
  std::int64_t collected = 0;
  // In tenths: 453 is 45.3.
  std::optional<std::int64_t> dso, best_possible_dso, add, cei, wadl;
};

// The KPIs of a group: its members' figures summed, then the ratios over `days` (≥ 1).
KpiRow kpis(const std::vector<KpiInputs>& members, int days);

// num ÷ den in tenths, rounded half away from zero; none when den is 0.
std::optional<std::int64_t> tenths(Wide num, Wide den);

}  // namespace tallyman
