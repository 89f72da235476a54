#pragma once
// Internal to sql/: SqlBooks::write, the frame of every change a request makes (one
// transaction, committed only when the outcome is accepted, with its audit entry).

#include "sql/audit.hpp"
#include "sql/books.hpp"
#include "sql/ledger_store.hpp"
#include "sql/statement.hpp"

namespace tallyman::sql {

template <class Change>
PostResult SqlBooks::write(const Actor& actor, const char* action, const char* entity, const std::string& entity_id,
                           Change&& change) {
  return guarded([&] {
    WriteTransaction tx(*db_);
    LedgerStore store(*db_);
    const PostResult result = change(store);
    if (!result.accepted()) return result;  // rolled back: a refused request changes nothing
    if (result.outcome != PostOutcome::replayed) record_audit(*db_, actor, action, entity, entity_id);
    tx.commit();
    return result;
  });
}

}  // namespace tallyman::sql
