#pragma once
// Internal to sql/: many rows at once, bound (imports, a dunning run's pages, a grading run's
// scores, the ledger's postings): one prepared INSERT stepped per row on SQLite; on MySQL one
// multi-row INSERT for a few rows, MariaDB's array binding for many.

#include "statement.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <variant>
#include <vector>

namespace tallyman::sql {

// One value of a row to insert.
using Cell = std::variant<std::nullptr_t, long long, std::string>;

// Inserts rows, `head` being "INSERT INTO t (a, b, c)". On SQLite one prepared statement
// stepped per row through SQLite's C API. On MySQL many rows go through one server-prepared
// statement run for thousands of rows at a time (MariaDB's array binding), a few rows as one
// multi-row INSERT with a placeholder per value (SOCI's MySQL backend runs a vector bind as
// one statement per row, far too slow for imports).
void insert_rows(soci::session& session, const std::string& head, std::span<const std::vector<Cell>> rows);
// The same, each row's cells given when it is written: cells(k, scratch) returns row k's, made
// into `scratch` (given empty) or held elsewhere. A large load then holds no second copy of
// its rows as cells.
using RowCells = std::function<const std::vector<Cell>&(std::size_t k, std::vector<Cell>& scratch)>;
void insert_rows(soci::session& session, const std::string& head, std::size_t count, const RowCells& cells);

// How many rows one statement with a placeholder per value takes (update_rows; IN lists).
constexpr std::size_t rows_per_statement = 500;

// Calls each(part) for the consecutive parts of `all`, each of at most `size` elements: the
// values of one IN list (rows_per_statement), a batch.
template <class T, class Each>
void for_each_part(const std::vector<T>& all, std::size_t size, Each each) {
  for (std::size_t at = 0; at < all.size(); at += size)
    each(std::span<const T>(all.data() + at, std::min(size, all.size() - at)));
}

// Sets `column` to a value per key: UPDATE table SET column = value WHERE key_column = key.
// On SQLite one prepared statement stepped per row; on MySQL one UPDATE ... CASE per
// rows_per_statement rows (a round trip per row would dominate).
void update_rows(soci::session& session, const std::string& table, const std::string& key_column,
                 const std::string& column, std::span<const std::pair<std::string, long long>> rows);

}  // namespace tallyman::sql
