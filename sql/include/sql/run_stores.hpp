#pragma once
// What the runs (jobs/: the dunning run, the grading run) read and write. Each call is a part
// of the run's one transaction, which the run opens (WriteTransaction): a run that fails
// leaves nothing behind.

#include "core/books.hpp"
#include "core/dunning.hpp"
#include "core/grading.hpp"
#include "sql/books.hpp"
#include "sql/database.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tallyman::sql {

// A dunning run reads and writes the book a page of customers at a time (in id order), so that
// what it holds in memory is one page's, however large the book.
constexpr long long dunning_page_customers = 2000;

class DunningStore {
 public:
  explicit DunningStore(Database& db) : db_(db) {}
  DunningPolicy policy();
  // The numbers of the disputed invoices, read whole: they are few, whatever the size of the book.
  std::set<std::string> disputed_invoices();
  // The promises pending when last looked at, made by `as_of`, with what was paid towards each.
  struct PendingPromise {
    std::int64_t id = 0;
    std::string customer;
    Promise promise;
    std::int64_t paid = 0;
  };
  std::vector<PendingPromise> pending_promises(Date as_of);
  void mark_promise(std::int64_t id, PromiseState state);
  // The run's row, its counts zero until finish_run: its id goes on every task it creates.
  std::int64_t insert_run(const Actor& actor, Date as_of);
  // The next page of customers after `after` (from the first when none), each with what its
  // open episode sent.
  std::vector<DunningState> customer_page(const std::optional<std::string>& after);
  // Each invoice of the page's customers past due as of the date, with its open amount then;
  // with `credit`, each customer's unapplied credit as of the date goes into the page.
  std::map<std::string, std::vector<OpenInvoice>> overdue_invoices(std::vector<DunningState>& page, Date as_of,
                                                                   bool credit);
  // A page's steps: tasks, their notices, the customers' dunning state, the episodes that end;
  // counted in `run`. When the database refuses the page, each customer's alone, so that one it
  // refuses is counted and kept for the log (DunningRun::failures) and the rest are written.
  void write_page(const std::vector<DunningStep>& steps, Date as_of, DunningRun& run);
  // The run's counts, and its audit entry.
  void finish_run(const DunningRun& run, const Actor& actor);

 private:
  Database& db_;
};

class GradingStore {
 public:
  explicit GradingStore(Database& db) : db_(db) {}
  GradingPolicy policy();
  // Each customer's invoices of the window as of the date and what was applied to them, and
  // whether anything was written off recently.
  std::map<std::string, History> histories(Date as_of);
  // Every customer's grade now.
  std::map<std::string, std::optional<char>> grades();
  // The new scores (each customer's latest replaces the last), the grades that changed, the
  // run's row and its audit entry; sets the run's id.
  void write(GradingRun& run, const std::vector<std::pair<std::string, Score>>& scores,
             const std::vector<std::pair<std::string, char>>& changes, const Actor& actor);

 private:
  Database& db_;
};

// The daily early-warning look (jobs/watch_run.cpp): which signals each customer showed last time.
class WatchStore {
 public:
  explicit WatchStore(Database& db) : db_(db) {}
  // Keeps `rows` as the signals shown now: a (customer, code) not kept before is new, and each
  // customer with new ones gets an event in the outbox; signals no longer shown are dropped, so
  // that one coming back is new again. Returns the customers with new signals.
  std::size_t record(Date as_of, const std::vector<WatchRow>& rows);

 private:
  Database& db_;
};

}  // namespace tallyman::sql
