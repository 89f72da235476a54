#pragma once
// Internal to sql/: a report over every customer read in ranges of customer ids at once, a
// range per connection and thread (aging, the balance table, the KPIs' inputs, the provision).
// Each range is one consistent read of its customers.

#include "sql/database.hpp"
#include "statement.hpp"

#include <future>
#include <optional>
#include <string>
#include <vector>

namespace tallyman::sql {

// How many ranges the service's reports read at once: the cores of the machines it is sized
// for (docs/operations.md).
constexpr std::size_t report_parts = 2;

// The customers whose ids lie in [from, to) (either end open when absent), or just one.
struct CustomerRange {
  std::optional<std::string> from, to, only;
  // " AND column >= ? AND column < ?" (or " = ?"), bound in p.
  std::string where(Params& p, const char* column = "customer") const;
};

// The customers cut into `parts` ranges of about equal size (fewer when there are few), or
// the one customer.
std::vector<CustomerRange> customer_ranges(Database& db, std::size_t parts,
                                           const std::optional<std::string>& only = std::nullopt);

// read(db, range) for each range: the first on `db`, the others each on a connection and
// thread of its own. The results in the ranges' order.
template <class Read>
auto read_ranges(Database& db, const std::vector<CustomerRange>& ranges, Read read) {
  using Result = decltype(read(db, ranges.front()));
  std::vector<std::future<Result>> others;
  for (std::size_t k = 1; k < ranges.size(); ++k)
    others.push_back(std::async(std::launch::async, [&read, &range = ranges[k], other = db.connect_again()] {
      return read(*other, range);
    }));
  std::vector<Result> out;
  out.push_back(read(db, ranges.front()));
  for (auto& f : others) out.push_back(f.get());
  return out;
}

}  // namespace tallyman::sql
