#pragma once
// Internal to sql/: the MariaDB C API where SOCI's MySQL backend falls short. It sends one
// statement per query, with the values written into its text, so MariaDB parses and plans
// it every time, and each statement is a round trip of its own. On a small machine round
// trips and parsing, not the SQL, were most of a credit check's time (docs/performance.md).
//  - run_statements: several statements in one round trip (Batch in statement.hpp is how
//    the rest of sql/ uses it);
//  - ServerStatement: one statement prepared on the server once, executed with new values
//    through the binary protocol (the credit check that only reads);
//  - ArrayInsert: many rows inserted per round trip through one prepared INSERT (imports).
//
// Rows come back as text, none meaning SQL NULL.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace tallyman::sql {

using TextRow = std::vector<std::optional<std::string>>;
using ResultSet = std::vector<TextRow>;

// Lets this MySQL connection take several statements in one query. Safe as long as no value
// is ever spliced into SQL unquoted: values are bound, or written as quoted literals
// (statement.cpp).
void allow_statement_batches(soci::session& session);

// Runs `sql`, statements separated by ';', in one round trip on a MySQL connection. Returns
// the result set of each statement that gave one (a SELECT, an EXECUTE of one), in order.
// The first statement that fails stops the rest (the server runs none after it) and throws
// DatabaseError.
std::vector<ResultSet> run_statements(soci::session& session, const std::string& sql);

class ServerStatement {
 public:
  // `sql` with a '?' for each parameter; `columns` the number of result columns.
  ServerStatement(soci::session& session, const std::string& sql, std::size_t columns);
  ~ServerStatement();
  ServerStatement(const ServerStatement&) = delete;
  ServerStatement& operator=(const ServerStatement&) = delete;

  // Executes with these parameters, bound as text; the first row, or none.
  std::optional<TextRow> row(const std::vector<std::string>& params);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One INSERT prepared on the server (`sql` with a '?' per column) and run for many rows per
// round trip through MariaDB's array binding (COM_STMT_BULK_EXECUTE): the server parses it
// once and runs it once per call over all the rows, and the values travel in binary. Parsing
// the text of multi-row INSERTs was a sixth of the server's work in an import (perf).
// Column-wise: a column's values for every row, as integers or as texts; NULL by indicator.
struct ArrayColumn {
  bool integer = false;
  std::vector<long long> integers;
  std::vector<std::string> texts;
  std::vector<char> nulls;  // 1: this row's value is NULL (bound as MariaDB's indicator)
  void clear() {
    integers.clear();
    texts.clear();
    nulls.clear();
  }
};

class ArrayInsert {
 public:
  ArrayInsert(soci::session& session, const std::string& sql);
  ~ArrayInsert();
  ArrayInsert(const ArrayInsert&) = delete;
  ArrayInsert& operator=(const ArrayInsert&) = delete;

  // Inserts `rows` rows; each column holds `rows` values. Throws DatabaseError.
  void run(const std::vector<ArrayColumn>& columns, std::size_t rows);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tallyman::sql
