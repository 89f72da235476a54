#pragma once
// Keys and health over the database (core/access_books.hpp; sql/access_books.cpp).

#include "core/access_books.hpp"
#include "sql/database.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace tallyman::sql {

// How long a key's holder is remembered (a key removed from the table works that much longer).
constexpr auto key_cache_ttl = std::chrono::seconds(60);
constexpr std::size_t key_cache_max = 10'000;

class SqlAccess final : public AccessBooks {
 public:
  explicit SqlAccess(Database& db) : db_(db) {}
  void ping() override;
  std::optional<Actor> key_holder(const std::string& key_hash) override;
  bool add_key(const std::string& name, Role role, const std::string& key_hash) override;
  std::vector<KeyInfo> keys() override;
  bool revoke_key(const std::string& name) override;

 private:
  Database& db_;
  // Key holders found, by key hash, until a time: every request asks, and this instance
  // serves one thread, so no lock. Unknown keys are not remembered.
  struct KnownKey {
    Actor actor;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::string, KnownKey> keys_;
};

}  // namespace tallyman::sql
