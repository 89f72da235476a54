#include "core/aging.hpp"

#include "core/check.hpp"

#include <charconv>
#include <map>

namespace tallyman {

std::optional<AgingBasis> parse_aging_basis(std::string_view text) {
  if (text == "due_date") return AgingBasis::due_date;
  if (text == "issue_date") return AgingBasis::issue_date;
  return std::nullopt;
}

std::string_view to_string(AgingBasis basis) {
  switch (basis) {
    case AgingBasis::due_date: return "due_date";
    case AgingBasis::issue_date: return "issue_date";
  }
  TM_ASSERT(false);
}

std::optional<std::vector<int>> parse_aging_bounds(std::string_view text) {
  std::vector<int> bounds;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    int value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
    bounds.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  AgingSpec probe{Date{}, AgingBasis::due_date, bounds};
  if (!validate(probe).empty()) return std::nullopt;
  return bounds;
}

FieldErrors validate(const AgingSpec& spec) {
  FieldErrors errors;
  bool ok = !spec.bounds.empty() && spec.bounds.size() <= aging_bounds_max;
  for (std::size_t k = 0; ok && k < spec.bounds.size(); ++k) {
    ok = spec.bounds[k] >= 1 && spec.bounds[k] <= aging_bound_days_max &&
         (k == 0 || spec.bounds[k] > spec.bounds[k - 1]);
  }
  if (!ok) errors.push_back({"buckets", "must be 1 to 12 ascending whole numbers of days from 1 to 36500"});
  return errors;
}

std::vector<std::string> bucket_labels(const AgingSpec& spec) {
  std::vector<std::string> labels;
  int lower = 0;
  if (spec.basis == AgingBasis::due_date) {
    labels.push_back("current");
    lower = 1;
  }
  for (int bound : spec.bounds) {
    labels.push_back(std::to_string(lower) + "-" + std::to_string(bound));
    lower = bound + 1;
  }
  labels.push_back(std::to_string(lower) + "+");
  return labels;
}

std::vector<Date> bucket_thresholds(const AgingSpec& spec) {
  std::vector<Date> thresholds;
  if (spec.basis == AgingBasis::due_date) thresholds.push_back(spec.as_of);  // current: due >= D
  for (int bound : spec.bounds) thresholds.push_back(spec.as_of - date::days{bound});
  return thresholds;
}

std::size_t bucket_of(const AgingSpec& spec, Date due_date, Date issue_date) {
  const Date key = spec.basis == AgingBasis::due_date ? due_date : issue_date;
  const std::vector<Date> thresholds = bucket_thresholds(spec);
  for (std::size_t j = 0; j < thresholds.size(); ++j)
    if (key >= thresholds[j]) return j;
  return thresholds.size();
}

std::int64_t AgingRow::total() const {
  std::int64_t sum = -unapplied;
  for (std::int64_t b : buckets) sum += b;
  return sum;
}

bool AgingRow::is_zero() const {
  if (unapplied != 0) return false;
  for (std::int64_t b : buckets)
    if (b != 0) return false;
  return true;
}

AgingReport empty_aging(const AgingSpec& spec, Currency currency) {
  AgingReport report{spec, currency, bucket_labels(spec), {}, {}};
  report.totals.buckets.assign(report.labels.size(), 0);
  return report;
}

void add_aging_row(AgingReport& report, AgingRow row) {
  TM_ASSERT(row.buckets.size() == report.labels.size());
  if (row.is_zero()) return;
  TM_ASSERT(report.customers.empty() || report.customers.back().id < row.id);
  for (std::size_t j = 0; j < row.buckets.size(); ++j) report.totals.buckets[j] += row.buckets[j];
  report.totals.unapplied += row.unapplied;
  report.customers.push_back(std::move(row));
}

AgingReport age_postings(const AgingSpec& spec, Currency currency, std::span<const Posting> postings) {
  AgingReport report = empty_aging(spec, currency);
  std::map<std::string, AgingRow> rows;
  for (const Posting& p : postings) {
    if (p.currency != currency || p.posted_on > spec.as_of) continue;
    AgingRow& row = rows[p.customer];
    if (row.buckets.empty()) {
      row.id = p.customer;
      row.buckets.assign(report.labels.size(), 0);
    }
    if (p.open_delta != 0) {
      TM_ASSERT(p.due_date && p.issue_date);
      row.buckets[bucket_of(spec, *p.due_date, *p.issue_date)] += p.open_delta;
    }
    row.unapplied += p.unapplied_delta;
  }
  for (auto& [id, row] : rows) add_aging_row(report, std::move(row));
  return report;
}

}  // namespace tallyman
