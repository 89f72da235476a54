#include "audit.hpp"

#include "clock.hpp"
#include "statement.hpp"

namespace tallyman::sql {

void record_audit(Database& db, const Actor& actor, const char* action, const char* entity,
                  const std::string& entity_id) {
  Params p;
  const std::string sql = "INSERT INTO audit (at, actor, role, action, entity, entity_id, request_id, detail) VALUES (" +
                          p.add(utc_timestamp()) + ", " + p.add(actor.name) + ", " +
                          p.add(std::string(to_string(actor.role))) + ", " + p.add(action) + ", " + p.add(entity) +
                          ", " + p.add(entity_id) + ", " + p.add(actor.request_id) + ", " + p.add(actor.request) + ")";
  execute(db, sql, p);
}

}  // namespace tallyman::sql
