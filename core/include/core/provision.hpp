#pragma once
// Bad-debt provisions (contract §8): each customer's AR as of a date, by the policy's buckets
// (days past due), times each bucket's rate; an invoice in dispute at the disputed rate,
// whatever its bucket. Each bucket's provision is rounded half up to the minor unit per
// customer; a customer's provision and the totals are sums of those.
//
// And a proposed matrix from the book's own history (roll rates): over the month-ends of the
// last twelve months, the share of each bucket's AR still unpaid a month later in a later
// bucket, or for the last bucket written off in that month; a bucket's proposed rate is the
// product of its roll rate and those after it (the share of it that, rolling on at the rates
// seen, ends written off). Shown beside the policy, never applied by itself.

#include "core/aging.hpp"
#include "core/kpis.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

constexpr int provision_rate_bp_max = 10000;

struct ProvisionPolicy {
  std::vector<int> bounds{30, 60, 90};              // the aging buckets by due date
  std::vector<int> rates_bp{100, 300, 1000, 2500, 5000};  // one per bucket, current first
  int disputed_bp = 5000;
  friend bool operator==(const ProvisionPolicy&, const ProvisionPolicy&) = default;
};

// The bucket labels of the policy: "current", "1-30", ..., "91+".
std::vector<std::string> provision_labels(const ProvisionPolicy& policy);
FieldErrors validate(const ProvisionPolicy& policy);

// amount × rate ÷ 10,000, rounded half up to the minor unit; nothing for an amount of 0 or less
// (a bucket can sum below zero as of a date when a write-off is dated before a reversal that
// reopened its invoice).
std::int64_t provision_of(std::int64_t amount, int rate_bp);

struct ProvisionCell {
  std::int64_t ar = 0;
  std::int64_t provision = 0;
  friend bool operator==(const ProvisionCell&, const ProvisionCell&) = default;
};

struct ProvisionRow {
  std::string customer;
  std::vector<ProvisionCell> buckets;  // by the policy's labels, without the disputed invoices
  ProvisionCell disputed;
  std::int64_t ar = 0;
  std::int64_t provision = 0;
  friend bool operator==(const ProvisionRow&, const ProvisionRow&) = default;
};

struct ProvisionTable {
  std::vector<std::string> labels;
  std::vector<ProvisionRow> customers;  // by id; only customers with AR in some bucket
  ProvisionRow totals;
};

// `aging`: the AR as of the date by the policy's buckets (every open invoice); `disputed`: per
// customer, the part of each bucket that is in dispute (as many entries as buckets).
ProvisionTable provision_table(const ProvisionPolicy& policy, const AgingReport& aging,
                               const std::map<std::string, std::vector<std::int64_t>>& disputed);

// One month-end's step of the history, for one bucket: what was in it, and of that, what a
// month later was unpaid in a later bucket, or written off.
struct RollSums {
  std::int64_t at_start = 0;
  std::int64_t rolled = 0;       // still open a month later, in a later bucket
  std::int64_t written_off = 0;  // written off in the month
};

struct ProposedRate {
  std::int64_t ar = 0;                   // Σ over the month-ends of the bucket's AR
  std::optional<std::int64_t> roll_bp;   // rolled (or for the last bucket, written off) ÷ ar
  std::optional<std::int64_t> rate_bp;   // the product of this bucket's roll and the later ones'
};

// The sums per bucket over all the month-ends → the matrix; a bucket with nothing in it has no
// roll rate, and then neither have those before it.
std::vector<ProposedRate> proposed_rates(const std::vector<RollSums>& per_bucket);

}  // namespace tallyman
