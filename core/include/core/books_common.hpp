#pragma once
// What every area of the books shares (core/books.hpp): who acts, and pages of lists.

#include "core/roles.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

struct Actor {
  std::string name;  // the API key's name: who did it, in the audit trail
  Role role = Role::admin;
  std::string request_id;  // the request that made the change, kept with its audit entry
  std::string request;     // what the request said (its JSON body), kept with its audit entry
};

// A page of a list ordered by its key: `after` is the last key of the previous page.
struct PageRequest {
  std::string after;
  std::size_t limit = 100;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;  // the key to continue after, if there is more
};

// What a PUT of a policy (credit, dunning) did.
enum class PolicyChange { changed, unchanged };

}  // namespace tallyman
