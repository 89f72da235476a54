// Aging in the database: one pass over the postings_aging index, summed per customer.
//
// The bucket of an invoice depends only on its due (or issue) date, so the buckets are sums
// over ranges of that date; the thresholds come from core's bucket_thresholds(), so the
// query and the reference fold (core age_postings) cannot disagree on a boundary. Grouping by customer follows the index order: no sort, no
// temporary table, memory flat in the size of the book.
#include "core/check.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "customer_ranges.hpp"
#include "statement.hpp"

namespace tallyman::sql {

namespace {

constexpr std::size_t aging_fetch_rows = 1000;

// The rows of one range, in id order, all-zero rows included (add_aging_row drops them).
std::vector<AgingRow> aging_rows(Database& db, const AgingSpec& spec, Currency currency, const CustomerRange& range) {
  std::vector<AgingRow> rows;
  const std::vector<Date> thresholds = bucket_thresholds(spec);
  const std::size_t buckets = thresholds.size() + 1;
  const char* key = spec.basis == AgingBasis::due_date ? "due_date" : "issue_date";

  // Cumulative sums: column j sums the postings whose key date is >= thresholds[j], the last
  // column sums them all; bucket j is then column j minus column j-1. One comparison per
  // threshold and row, where a range per bucket took two.
  Params p;
  std::string sums;
  for (std::size_t j = 0; j < thresholds.size(); ++j)
    sums += ", SUM(CASE WHEN " + std::string(key) + " >= " + p.add(format_date(thresholds[j])) + " THEN open_delta ELSE 0 END)";
  sums += ", SUM(open_delta)";
  const std::string where = "currency = " + p.add(currency.str()) + " AND posted_on <= " +
                            p.add(format_date(spec.as_of)) + range.where(p);
  Params np;
  const std::string name_where = " WHERE 1 = 1" + range.where(np, "id");
  const std::string sql = "SELECT customer" + sums + ", SUM(unapplied_delta) FROM postings WHERE " + where +
                          " GROUP BY customer ORDER BY customer";

  // Names come from a second query in the same (id) order, merged as the rows arrive: a join
  // in SQL made MariaDB materialise and sort the whole aggregate first.
  std::string name_id, name;
  Query names(db.session(), "SELECT id, name FROM customers" + name_where + " ORDER BY id", np);
  names.into(name_id).into(name);
  bool more_names = names.run();
  auto name_of = [&](const std::string& id) {
    while (more_names && name_id < id) more_names = names.fetch();
    return more_names && name_id == id ? name : std::string();
  };

  std::vector<std::string> ids(aging_fetch_rows);
  std::vector<std::vector<long long>> cumulative(buckets, std::vector<long long>(aging_fetch_rows));
  std::vector<long long> unapplied(aging_fetch_rows);
  Query q(db.session(), sql, p);
  q.into(ids);
  for (auto& column : cumulative) q.into(column);
  q.into(unapplied);
  if (q.run()) do {
      for (std::size_t r = 0; r < ids.size(); ++r) {
        AgingRow row{ids[r], {}, std::vector<std::int64_t>(buckets), unapplied[r]};
        for (std::size_t j = 0; j < buckets; ++j)
          row.buckets[j] = cumulative[j][r] - (j == 0 ? 0 : cumulative[j - 1][r]);
        if (!row.is_zero()) row.name = name_of(row.id);
        rows.push_back(std::move(row));
      }
    } while (q.fetch());
  return rows;
}

}  // namespace

AgingReport LedgerStore::aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer,
                               std::size_t parts) {
  AgingReport report = empty_aging(spec, currency);
  auto parts_rows = read_ranges(db_, customer_ranges(db_, parts, customer), [&](Database& db, const CustomerRange& range) {
    return aging_rows(db, spec, currency, range);
  });
  for (auto& rows : parts_rows)
    for (AgingRow& row : rows) add_aging_row(report, std::move(row));
  return report;
}

}  // namespace tallyman::sql
