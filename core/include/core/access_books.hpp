#pragma once
// The books' door (core/books.hpp): who holds an API key, and whether the database answers.

#include "core/books_common.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tallyman {

class AccessBooks {
 public:
  virtual ~AccessBooks() = default;
  // Health: a cheap round trip to the database; throws StorageError when it is unreachable.
  virtual void ping() = 0;
  // API keys: the holder of the key whose SHA-256 is `key_hash` (hex), if any. An
  // implementation may remember the answer for a minute: every request asks.
  virtual std::optional<Actor> key_holder(const std::string& key_hash) = 0;
  // A key's name is its holder's, and one key in use per name: false when the name has one.
  virtual bool add_key(const std::string& name, Role role, const std::string& key_hash) = 0;
  struct KeyInfo {
    std::string name;
    Role role = Role::sales;
    std::string created_at;
    std::optional<std::string> revoked_at;
  };
  // Every key ever made, by name, then by creation (never the key or its hash).
  virtual std::vector<KeyInfo> keys() = 0;
  // Revokes the name's key in use; false when it has none. An instance that remembers the key
  // refuses it within a minute.
  virtual bool revoke_key(const std::string& name) = 0;
};

}  // namespace tallyman
