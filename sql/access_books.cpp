// Who holds an API key, and whether the database answers (core/access_books.hpp).
#include "core/check.hpp"
#include "sql/books.hpp"
#include "clock.hpp"
#include "statement.hpp"

namespace tallyman::sql {

void SqlAccess::ping() {
  guarded([&] {
    Params p;
    long long one = 0;
    Query(db_.session(), "SELECT 1", p).into(one).run();
  });
}

std::optional<Actor> SqlAccess::key_holder(const std::string& key_hash) {
  const auto now = std::chrono::steady_clock::now();
  if (auto it = keys_.find(key_hash); it != keys_.end() && it->second.until > now) return it->second.actor;
  auto holder = guarded([&]() -> std::optional<Actor> {
    Params p;
    std::string name, role;
    Query q(db_.session(), "SELECT name, role FROM api_keys WHERE key_hash = " + p.add(key_hash), p);
    q.into(name).into(role);
    if (!q.run()) return std::nullopt;
    auto r = parse_role(role);
    if (!r) throw DatabaseError("the database holds an unknown role: " + role);
    return Actor{name, *r, "", ""};
  });
  if (holder) {
    if (keys_.size() >= key_cache_max) keys_.clear();  // bounded: a cache, not a store
    keys_[key_hash] = {*holder, now + key_cache_ttl};
  }
  return holder;
}

void SqlAccess::add_key(const std::string& name, Role role, const std::string& key_hash) {
  guarded([&] {
    WriteTransaction tx(db_);
    Params p;
    execute(db_,
            "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES (" + p.add(name) + ", " +
                p.add(std::string(to_string(role))) + ", " + p.add(key_hash) + ", " + p.add(utc_timestamp()) + ")",
            p);
    tx.commit();
  });
}

}  // namespace tallyman::sql
