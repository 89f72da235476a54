#include "core/kpis.hpp"

#include "core/check.hpp"

namespace tallyman {

std::optional<std::int64_t> tenths(Wide num, Wide den) {
  if (den == 0) return std::nullopt;
  if (den < 0) num = -num, den = -den;
  const bool negative = num < 0;
  const Wide magnitude = negative ? -num : num;
  const Wide rounded = (magnitude * 10 * 2 + den) / (2 * den);  // half up on the magnitude
  return static_cast<std::int64_t>(negative ? -rounded : rounded);
}

KpiRow kpis(const std::vector<KpiInputs>& members, int days) {
  TM_ASSERT(days >= 1);
  KpiRow r;
  std::int64_t not_due = 0;
  Wide days_late = 0;
  for (const KpiInputs& m : members) {
    r.opening_ar += m.opening_ar;
    r.closing_ar += m.closing_ar;
    not_due += m.closing_not_due;
    r.invoiced += m.invoiced;
    r.collected += m.collected;
    days_late += m.collected_days_late;
  }
  r.dso = tenths(static_cast<Wide>(r.closing_ar) * days, r.invoiced);
  r.best_possible_dso = tenths(static_cast<Wide>(not_due) * days, r.invoiced);
  if (r.dso && r.best_possible_dso) r.add = *r.dso - *r.best_possible_dso;
  const Wide resolved = static_cast<Wide>(r.opening_ar) + r.invoiced - r.closing_ar;
  const Wide collectible = static_cast<Wide>(r.opening_ar) + r.invoiced - not_due;
  if (auto cei = tenths(resolved * 100, collectible)) r.cei = cei;
  r.wadl = tenths(days_late, r.collected);
  return r;
}

}  // namespace tallyman
