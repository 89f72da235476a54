#pragma once
// Internal to sql/: what the areas of the books share (sql/books.hpp). write(), the frame of
// every change a request makes: one transaction, committed only when the outcome keeps the
// change, with its audit entry; pages of lists.

#include "core/books.hpp"
#include "audit.hpp"
#include "sql/ledger_store.hpp"
#include "statement.hpp"

namespace tallyman::sql {

// Whether an outcome keeps what its transaction wrote (else it is rolled back: a refused
// request changes nothing), and whether it is audited.
inline bool keeps(const LedgerResult& r) { return r.accepted(); }
inline bool audits(const LedgerResult& r) { return r.accepted() && r.outcome != LedgerOutcome::replayed; }
inline bool keeps(ReleaseOutcome o) { return o == ReleaseOutcome::released; }
inline bool keeps(PolicyChange c) { return c == PolicyChange::changed; }
inline bool keeps(TaskUpdate u) { return u == TaskUpdate::updated; }
inline bool keeps(PromiseOutcome o) { return o == PromiseOutcome::made; }
inline bool keeps(const StatementImport& i) { return i.added; }
template <class Outcome>
bool audits(const Outcome& o) {
  return keeps(o);
}

// Runs change(store) in one write transaction and commits it when its outcome keeps it,
// with the audit entry of `action` on `entity` `entity_id`. A transaction lost to another
// (TransactionConflict: a key taken meanwhile, a deadlock, a Galera certification conflict)
// runs again from the start, reading afresh, up to transaction_attempts_max times in all.
template <class Change>
auto write(Database& db, const Actor& actor, const char* action, const char* entity, const std::string& entity_id,
           Change&& change) {
  for (int attempt = 1;; ++attempt) {
    try {
      return guarded([&] {
        WriteTransaction tx(db);
        LedgerStore store(db);
        const auto result = change(store);
        if (!keeps(result)) return result;
        if (audits(result)) record_audit(db, actor, action, entity, entity_id);
        tx.commit();
        return result;
      });
    } catch (const TransactionConflict&) {
      if (attempt >= transaction_attempts_max) throw;
      count_transaction_rerun();
      pause_before_rerun(attempt);
    }
  }
}

// Lists: up to page.limit + 1 keys' worth of items are fetched; the extra one only says there
// is more.
template <class T, class Key>
Page<T> finish_page(std::vector<T> items, const PageRequest& page, Key key_of) {
  Page<T> out;
  if (items.size() > page.limit) {
    items.resize(page.limit);
    out.next_after = key_of(items.back());
  }
  out.items = std::move(items);
  return out;
}

inline std::string limit_clause(Params& p, const PageRequest& page) {
  return " LIMIT " + p.add(static_cast<long long>(page.limit + 1));
}

// After money came in: if nothing undisputed is overdue any more as of `day`, the customer's
// dunning episode ends at once (its open tasks resolve, the hold lifts), without waiting for a
// run (collections_books.cpp).
void end_episode_if_clear(Database& db, const std::string& customer, Date day);
// What the customer's payments received from the promise's making to its date (or as_of, if
// sooner) add up to; reversed payments do not count (collections_books.cpp).
std::int64_t paid_towards(Database& db, const std::string& customer, const Promise& promise, Date as_of);

}  // namespace tallyman::sql
