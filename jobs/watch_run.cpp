#include "jobs/runs.hpp"
#include "sql/run_stores.hpp"

namespace tallyman::jobs {

std::size_t run_watch(sql::Database& db, Date as_of) {
  // The look reads the whole book; only what it records holds the write lock.
  const std::vector<WatchRow> rows = sql::SqlReports(db).watchlist(as_of, std::nullopt);
  sql::WriteTransaction tx(db);
  const std::size_t fresh = sql::WatchStore(db).record(as_of, rows);
  tx.commit();
  return fresh;
}

}  // namespace tallyman::jobs
