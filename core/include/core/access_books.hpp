#pragma once
// The books' door (core/books.hpp): who holds an API key, and whether the database answers.

#include "core/books_common.hpp"

#include <optional>
#include <string>

namespace tallyman {

class AccessBooks {
 public:
  virtual ~AccessBooks() = default;
  // Health: a cheap round trip to the database; throws StorageError when it is unreachable.
  virtual void ping() = 0;
  // API keys: the holder of the key whose SHA-256 is `key_hash` (hex), if any. An
  // implementation may remember the answer for a minute: every request asks.
  virtual std::optional<Actor> key_holder(const std::string& key_hash) = 0;
  virtual void add_key(const std::string& name, Role role, const std::string& key_hash) = 0;
};

}  // namespace tallyman
