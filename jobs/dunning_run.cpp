#include "jobs/runs.hpp"

#include "sql/collections_books.hpp"
#include "sql/run_stores.hpp"

#include <chrono>

namespace tallyman::jobs {

namespace {

// The promises pending when last looked at: each kept or broken by now is marked so (the
// broken counted in `run`); those still pending keep their customers out of the run.
std::set<std::string> settle_promises(sql::DunningStore& store, Date as_of, DunningRun& run) {
  std::set<std::string> promised;
  for (const sql::DunningStore::PendingPromise& p : store.pending_promises(as_of)) {
    const PromiseState state = promise_state(p.promise, p.paid, as_of);
    if (state == PromiseState::pending) {
      promised.insert(p.customer);
      continue;
    }
    if (state == PromiseState::broken) ++run.promises_broken;
    store.mark_promise(p.id, state);
  }
  return promised;
}

}  // namespace

DunningRun run_dunning(sql::Database& db, const Actor& actor, Date as_of) {
  const auto started = std::chrono::steady_clock::now();
  sql::DunningStore store(db);
  const DunningPolicy policy = store.policy();
  sql::WriteTransaction tx(db);
  // A date a run covered already: that run's answer, and nothing new.
  if (std::optional<DunningRun> done = sql::SqlCollections(db).dunning_run_covering(as_of)) {
    done->replayed = true;
    return *done;
  }
  DunningRun run;
  run.as_of = as_of;
  const std::set<std::string> disputed = store.disputed_invoices();
  const std::set<std::string> promised = settle_promises(store, as_of, run);
  run.id = store.insert_run(actor, as_of);
  std::optional<std::string> after;
  while (true) {
    std::vector<DunningState> page = store.customer_page(after);
    if (page.empty()) break;
    after = page.back().id;
    const auto overdue = store.overdue_invoices(page, as_of, policy.net_unapplied);
    store.write_page(plan_dunning(policy, page, overdue, disputed, promised, as_of, run.examined), as_of, run);
  }
  run.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  store.finish_run(run, actor);
  tx.commit();
  return run;
}

}  // namespace tallyman::jobs
