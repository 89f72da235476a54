#pragma once
// Aging (contract §4): how much each customer owes, sorted into buckets by age, as of a date D.
//
// As of D an invoice counts with its amount less everything applied to it on or before D;
// invoices issued after D do not count. That is exactly the sum of the invoice's postings
// dated on or before D, so aging is a fold of the journal (age_postings below, the reference
// the database query must agree with).
//
// basis due_date: an invoice is "current" while D <= due date, else in the bucket of its days
// past due (D - due): 1-30, 31-60, ... up to the given bounds, then "N+".
// basis issue_date: by days since issue (D - issue): 0-30, 31-60, ..., "N+".
// total = sum of the buckets - unapplied credit.

#include "core/calendar.hpp"
#include "core/ledger.hpp"
#include "core/money.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

enum class AgingBasis { due_date, issue_date };

std::optional<AgingBasis> parse_aging_basis(std::string_view text);
std::string_view to_string(AgingBasis basis);

constexpr std::size_t aging_bounds_max = 12;
constexpr int aging_bound_days_max = 36500;

struct AgingSpec {
  Date as_of;
  AgingBasis basis = AgingBasis::due_date;
  std::vector<int> bounds{30, 60, 90};  // ascending upper bounds of the aged buckets, in days
};

// "30,60,90" -> {30, 60, 90}; none if not ascending whole numbers within 1..36500.
std::optional<std::vector<int>> parse_aging_bounds(std::string_view text);
FieldErrors validate(const AgingSpec& spec);

std::vector<std::string> bucket_labels(const AgingSpec& spec);

// The date each bucket starts at, for queries: bucket j (but the last) holds the invoices
// whose key date (due or issue, by basis) is >= thresholds[j] and < thresholds[j-1]; the
// last bucket holds those before thresholds.back(). One fewer than the labels.
std::vector<Date> bucket_thresholds(const AgingSpec& spec);
std::size_t bucket_of(const AgingSpec& spec, Date due_date, Date issue_date);

struct AgingRow {
  std::string id;
  std::string name;
  std::vector<std::int64_t> buckets;
  std::int64_t unapplied = 0;

  std::int64_t total() const;
  bool is_zero() const;
};

struct AgingReport {
  AgingSpec spec;
  Currency currency;
  std::vector<std::string> labels;
  AgingRow totals;
  std::vector<AgingRow> customers;  // by id; only rows that are not all zero
};

AgingReport empty_aging(const AgingSpec& spec, Currency currency);
// Adds a customer's row unless it is all zero; rows must come in ascending id order.
void add_aging_row(AgingReport& report, AgingRow row);

// The reference fold: aging straight from postings (any order, any customers; those in
// other currencies are left out). Rows carry no names.
AgingReport age_postings(const AgingSpec& spec, Currency currency, std::span<const Posting> postings);

}  // namespace tallyman
