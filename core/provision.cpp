#include "core/provision.hpp"

#include "core/check.hpp"

#include <algorithm>

namespace tallyman {

std::vector<std::string> provision_labels(const ProvisionPolicy& policy) {
  return bucket_labels(AgingSpec{Date{}, AgingBasis::due_date, policy.bounds});
}

FieldErrors validate(const ProvisionPolicy& policy) {
  FieldErrors errors = validate(AgingSpec{Date{}, AgingBasis::due_date, policy.bounds});
  if (errors.empty() && policy.rates_bp.size() != policy.bounds.size() + 2)
    errors.push_back({"rates_bp", "must give a rate for every bucket"});
  for (int rate : policy.rates_bp)
    if (rate < 0 || rate > provision_rate_bp_max) {
      errors.push_back({"rates_bp", "must be whole basis points from 0 to 10000"});
      break;
    }
  if (policy.disputed_bp < 0 || policy.disputed_bp > provision_rate_bp_max)
    errors.push_back({"disputed_bp", "must be whole basis points from 0 to 10000"});
  return errors;
}

std::int64_t provision_of(std::int64_t amount, int rate_bp) {
  TM_ASSERT(rate_bp >= 0);
  if (amount <= 0) return 0;
  return static_cast<std::int64_t>((static_cast<Wide>(amount) * rate_bp + 5000) / 10000);
}

namespace {

void add(ProvisionCell& to, const ProvisionCell& cell) {
  to.ar += cell.ar;
  to.provision += cell.provision;
}

}  // namespace

ProvisionTable provision_table(const ProvisionPolicy& policy, const AgingReport& aging,
                               const std::map<std::string, std::vector<std::int64_t>>& disputed) {
  ProvisionTable table{provision_labels(policy), {}, {}};
  TM_ASSERT(aging.labels == table.labels);
  const std::size_t n = table.labels.size();
  table.totals.customer = "total";
  table.totals.buckets.assign(n, {});
  for (const AgingRow& a : aging.customers) {
    ProvisionRow row{a.id, std::vector<ProvisionCell>(n), {}, 0, 0};
    const auto d = disputed.find(a.id);
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t in_dispute = d == disputed.end() ? 0 : d->second.at(j);
      row.buckets[j].ar = a.buckets[j] - in_dispute;
      row.buckets[j].provision = provision_of(row.buckets[j].ar, policy.rates_bp[j]);
      row.disputed.ar += in_dispute;
    }
    row.disputed.provision = provision_of(row.disputed.ar, policy.disputed_bp);
    row.ar = row.disputed.ar;
    row.provision = row.disputed.provision;
    for (const ProvisionCell& cell : row.buckets) {
      row.ar += cell.ar;
      row.provision += cell.provision;
    }
    if (row.disputed.ar == 0 && std::all_of(row.buckets.begin(), row.buckets.end(), [](auto& c) { return c.ar == 0; }))
      continue;
    for (std::size_t j = 0; j < n; ++j) add(table.totals.buckets[j], row.buckets[j]);
    add(table.totals.disputed, row.disputed);
    table.totals.ar += row.ar;
    table.totals.provision += row.provision;
    table.customers.push_back(std::move(row));
  }
  return table;
}

std::vector<ProposedRate> proposed_rates(const std::vector<RollSums>& per_bucket) {
  std::vector<ProposedRate> out(per_bucket.size());
  auto bp = [](Wide num, std::int64_t den) { return static_cast<std::int64_t>((num * 2 + den) / (2 * static_cast<Wide>(den))); };
  // From the last bucket back: the last's rate is its share written off; an earlier bucket's is
  // its share written off plus its share rolled on times the next bucket's rate.
  for (std::size_t k = per_bucket.size(); k-- > 0;) {
    const RollSums& s = per_bucket[k];
    TM_ASSERT(s.rolled >= 0 && s.written_off >= 0 && s.rolled + s.written_off <= s.at_start);
    out[k].ar = s.at_start;
    if (s.at_start == 0) continue;
    const bool last = k + 1 == per_bucket.size();
    out[k].roll_bp = bp(static_cast<Wide>(last ? s.written_off : s.rolled + s.written_off) * 10000, s.at_start);
    if (last) out[k].rate_bp = out[k].roll_bp;
    else if (out[k + 1].rate_bp)
      out[k].rate_bp = bp(static_cast<Wide>(s.written_off) * 10000 + static_cast<Wide>(s.rolled) * *out[k + 1].rate_bp, s.at_start);
  }
  return out;
}

}  // namespace tallyman
