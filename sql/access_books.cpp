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
    Query q(db_.session(), "SELECT name, role FROM api_keys WHERE key_hash = " + p.add(key_hash) + " AND revoked_at IS NULL", p);
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

bool SqlAccess::add_key(const std::string& name, Role role, const std::string& key_hash) {
  return guarded([&] {
    WriteTransaction tx(db_);
    Params q;
    long long in_use = 0;
    Query(db_.session(),
          "SELECT COUNT(*) FROM api_keys WHERE name = " + q.add(name) + " AND revoked_at IS NULL" + db_.for_update(), q)
        .into(in_use)
        .run();
    if (in_use > 0) return false;
    Params p;
    execute(db_,
            "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES (" + p.add(name) + ", " +
                p.add(std::string(to_string(role))) + ", " + p.add(key_hash) + ", " + p.add(utc_timestamp()) + ")",
            p);
    tx.commit();
    return true;
  });
}

std::vector<AccessBooks::KeyInfo> SqlAccess::keys() {
  return guarded([&] {
    Params p;
    std::string name, role, created, revoked;
    soci::indicator revoked_ind = soci::i_ok;
    Query q(db_.session(), "SELECT name, role, created_at, revoked_at FROM api_keys ORDER BY name, id", p);
    q.into(name).into(role).into(created).into(revoked, revoked_ind);
    std::vector<KeyInfo> out;
    if (q.run()) do {
        auto r = parse_role(role);
        if (!r) throw DatabaseError("the database holds an unknown role: " + role);
        out.push_back({name, *r, created, revoked_ind == soci::i_ok ? std::optional(revoked) : std::nullopt});
      } while (q.fetch());
    return out;
  });
}

bool SqlAccess::revoke_key(const std::string& name) {
  return guarded([&] {
    WriteTransaction tx(db_);
    const std::string at = utc_timestamp();
    soci::statement st = (db_.session().prepare << "UPDATE api_keys SET revoked_at = :at WHERE name = :name"
                                                   " AND revoked_at IS NULL",
                          soci::use(at), soci::use(name));
    st.execute(true);
    const bool revoked = st.get_affected_rows() > 0;
    tx.commit();
    keys_.clear();
    return revoked;
  });
}

}  // namespace tallyman::sql
