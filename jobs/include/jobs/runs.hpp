#pragma once
// The runs (core/run_books.hpp): load through the stores (sql/run_stores.hpp), decide in core
// (core/dunning.hpp, core/grading.hpp), store the outcome, each run in one transaction.

#include "core/run_books.hpp"
#include "sql/database.hpp"

namespace tallyman::jobs {

// A dunning run as of a date (contract §5): every customer with overdue money or an open
// episode, a page at a time; a customer whose writes the database refuses is counted and left
// out, the run goes on (DunningRun::failures).
DunningRun run_dunning(sql::Database& db, const Actor& actor, Date as_of);

// A grading run as of a date (contract §3): every customer with history scored and graded.
GradingRun run_grading(sql::Database& db, const Actor& actor, Date as_of);

// The daily early-warning look (contract §8): the watch-list as of the date; an event goes to
// the outbox for each customer showing a signal it did not show at the last look. Returns how
// many customers had new signals.
std::size_t run_watch(sql::Database& db, Date as_of);

class Runs final : public RunBooks {
 public:
  explicit Runs(sql::Database& db) : db_(db) {}
  GradingRun run_grading(const Actor& actor, Date as_of) override { return jobs::run_grading(db_, actor, as_of); }
  DunningRun run_dunning(const Actor& actor, Date as_of) override { return jobs::run_dunning(db_, actor, as_of); }

 private:
  sql::Database& db_;
};

}  // namespace tallyman::jobs
