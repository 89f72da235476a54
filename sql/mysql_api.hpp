#pragma once
// Internal to sql/: the MariaDB C API where SOCI's MySQL backend falls short. It sends one
// statement per query (the values escaped into its text on the client), so MariaDB parses
// and plans it every time. On a small machine parsing, not the SQL, was much of a credit
// check's time (docs/performance.md). Both take their values bound, through the binary
// protocol:
//  - ServerStatement: one statement prepared on the server once, executed with new values
//    (the credit check's position);
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
