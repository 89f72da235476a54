#pragma once
// Internal to sql/: the audit trail. Every change to the books and to customers writes one
// entry, in the transaction that makes the change: who (the API key's name, or the command
// line's user), what (an action such as "invoice.post"), on which entity, by which request,
// and the request itself as a JSON document.

#include "core/books.hpp"
#include "sql/database.hpp"

namespace tallyman::sql {

void record_audit(Database& db, const Actor& actor, const char* action, const char* entity,
                  const std::string& entity_id);

}  // namespace tallyman::sql
