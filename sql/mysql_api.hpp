#pragma once
// Internal to sql/: the MariaDB C API where SOCI's MySQL backend falls short. It runs a
// vector bind as one statement per row, far too slow for imports: ArrayInsert inserts many
// rows per round trip through one INSERT prepared on the server, its values bound through the
// binary protocol.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace tallyman::sql {

// A MariaDB error as tallyman's: TransactionConflict (a lost transaction, run it again),
// ConnectionLost (reconnect, run it again) or DatabaseError (sql/database.hpp).
[[noreturn]] void throw_mysql_error(unsigned code, const std::string& message);

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
