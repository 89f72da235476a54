// Aging in the database: one pass over the postings_aging index, summed per customer.
//
// The bucket of an invoice depends only on its due (or issue) date, so each bucket is a
// SUM(CASE ...) over a range of that date; the thresholds come from core's
// bucket_thresholds(), so the query and the reference fold (core age_postings) cannot
// disagree on a boundary. Grouping by customer follows the index order: no sort, no
// temporary table, memory flat in the size of the book.
#include "core/check.hpp"
#include "sql/ledger_store.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

namespace tallyman::sql {

namespace {
constexpr std::size_t aging_fetch_rows = 1000;
}

AgingReport LedgerStore::aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer) {
  AgingReport report = empty_aging(spec, currency);
  const std::vector<Date> thresholds = bucket_thresholds(spec);
  const std::size_t buckets = report.labels.size();
  TM_ASSERT(thresholds.size() + 1 == buckets);
  const char* key = spec.basis == AgingBasis::due_date ? "due_date" : "issue_date";

  Params p;
  std::string sums;
  for (std::size_t j = 0; j < buckets; ++j) {
    std::string condition;
    if (j < thresholds.size()) condition = std::string(key) + " >= " + p.add(format_date(thresholds[j]));
    if (j > 0) condition += (condition.empty() ? "" : " AND ") + std::string(key) + " < " + p.add(format_date(thresholds[j - 1]));
    sums += ", SUM(CASE WHEN " + condition + " THEN open_delta ELSE 0 END) AS b" + std::to_string(j);
  }
  std::string where = "currency = " + p.add(currency.str()) + " AND posted_on <= " + p.add(format_date(spec.as_of));
  if (customer) where += " AND customer = " + p.add(*customer);
  const std::string sql = "SELECT a.customer, c.name" + [&] {
    std::string cols;
    for (std::size_t j = 0; j < buckets; ++j) cols += ", a.b" + std::to_string(j);
    return cols;
  }() + ", a.unapplied FROM (SELECT customer" + sums + ", SUM(unapplied_delta) AS unapplied FROM postings WHERE " +
                          where + " GROUP BY customer) a JOIN customers c ON c.id = a.customer ORDER BY a.customer";

  std::vector<std::string> ids(aging_fetch_rows), names(aging_fetch_rows);
  std::vector<std::vector<long long>> sums_by_bucket(buckets, std::vector<long long>(aging_fetch_rows));
  std::vector<long long> unapplied(aging_fetch_rows);
  Query q(db_.session(), sql, p);
  q.into(ids).into(names);
  for (auto& column : sums_by_bucket) q.into(column);
  q.into(unapplied);
  if (q.run()) do {
      for (std::size_t r = 0; r < ids.size(); ++r) {
        AgingRow row{ids[r], names[r], std::vector<std::int64_t>(buckets), unapplied[r]};
        for (std::size_t j = 0; j < buckets; ++j) row.buckets[j] = sums_by_bucket[j][r];
        add_aging_row(report, std::move(row));
      }
    } while (q.fetch());
  return report;
}

}  // namespace tallyman::sql
