#pragma once
// Internal to sql/: running statements with SOCI. Not included outside this folder.
//
// Every value is bound, never spliced into SQL text: a statement's text holds only
// placeholders, names, keywords and its own constant literals. Params hands out a numbered
// placeholder
// (:p1, :p2, ...) for each value. bind() scans the finished SQL and binds the values in the
// order their placeholders appear there, by position: the order in which the text was
// assembled does not matter (the operands of + are evaluated in no fixed order). On SQLite
// the placeholders become anonymous '?': SQLite's parser looks every named parameter up in a
// list, which made a 5,000-value INSERT quadratic. Dates travel as ISO text, which both
// SQLite (TEXT) and MySQL (DATE) take and give back as "YYYY-MM-DD". Integers are bound as
// long long, the widest type SOCI exchanges.

#include "sql/database.hpp"
#include "mysql_api.hpp"

#include <soci/soci.h>

namespace sqlite_api {  // where SOCI's SQLite backend declares SQLite's C API
struct sqlite3;
struct sqlite3_stmt;
}

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tallyman::sql {

// What a SOCI or driver failure becomes: DatabaseError, or TransactionConflict when MySQL lost
// the transaction to another (a key taken meanwhile, a deadlock, a cluster's certification).
[[noreturn]] void rethrow(const soci::soci_error& e);

// Runs f, turning any SOCI or driver failure into DatabaseError (or TransactionConflict).
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const DatabaseError&) {
    throw;
  } catch (const soci::soci_error& e) {
    rethrow(e);
  }
}

class Params {
 public:
  // Each returns the placeholder to write into the SQL text.
  std::string add(long long value);
  std::string add(std::string value);
  std::string add(std::string_view value) { return add(std::string(value)); }
  std::string add(const char* value) { return add(std::string(value)); }
  std::string add(const std::optional<std::string>& value);
  std::string add(const std::optional<long long>& value);
  bool empty() const { return values_.empty(); }

  // Binds the values to st in the order sql shows them; returns the SQL to prepare.
  std::string bind(soci::session& session, soci::statement& st, const std::string& sql);
  // SQLite, through its C API: sql with each placeholder as '?', and in `order` the index of
  // the value of each; bind_to then binds them so (each text in place: `this` must outlive the step).
  std::string anonymous(const std::string& sql, std::vector<std::size_t>& order) const;
  void bind_to(sqlite_api::sqlite3_stmt* st, const std::vector<std::size_t>& order) const;

 private:
  struct Value {
    bool is_text = false;
    long long integer = 0;
    std::string text;
    soci::indicator indicator = soci::i_ok;
  };
  std::string next(Value v);
  // sql with each placeholder replaced by replace(its value's index, the placeholder's text).
  template <class Replace>
  std::string each_placeholder(const std::string& sql, Replace&& replace) const;
  std::deque<Value> values_;  // a deque: bound addresses stay put as values are added
};

// Runs a statement that returns no rows. On SQLite prepared once per connection and kept by
// its text (the values change, the text does not), run again through SQLite's C API: parsing
// a hold's statements anew each time cost ~12 us of its ~180 (docs/performance.md).
// On MySQL SOCI sends the text with the values each time (it has no server-side prepare).
void execute(Database& db, const std::string& sql, Params& params);

// The rows of a query, each column as text (none: NULL). On SQLite its statement is prepared
// once per connection and kept by its text, as execute()'s are: a credit batch's positions
// statement cost SQLite more to prepare than to run. On MySQL through SOCI, whose text
// protocol gives every column as text.
using TextRow = std::vector<std::optional<std::string>>;
std::vector<TextRow> text_rows(Database& db, const std::string& sql, Params& params, std::size_t columns);

// Through SOCI, whatever the database: prepared, run and dropped.
void execute_text(soci::session& session, const std::string& sql, Params& params);

// SQLite's C API, where SOCI's layers are a measurable share of a hot statement's cost
// (execute(), insert_rows): the connection
// under a session; a statement prepared on it (throws DatabaseError); and the end of a run,
// given what sqlite3_step returned: reset for the next run, its bindings cleared,
// DatabaseError if the step failed.
sqlite_api::sqlite3* sqlite_connection(soci::session& session);
sqlite_api::sqlite3_stmt* sqlite_prepare(sqlite_api::sqlite3* conn, const std::string& sql);
void sqlite_finish(sqlite_api::sqlite3* conn, sqlite_api::sqlite3_stmt* st, int stepped);

// SQLite: execute()'s statements of one connection, by their text. Bounded: a text with a
// list of values (IN (?, ?, ...)) makes one per length, so past the bound all are dropped.
struct Database::SqliteStatements {
  SqliteStatements() = default;
  SqliteStatements(const SqliteStatements&) = delete;
  SqliteStatements& operator=(const SqliteStatements&) = delete;
  ~SqliteStatements() { clear(); }
  void clear();  // finalizes them
  std::unordered_map<std::string, sqlite_api::sqlite3_stmt*> by_text;
};
constexpr std::size_t sqlite_statements_max = 256;

// A statement with its parameters bound; the caller adds intos before run().
class Query {
 public:
  Query(soci::session& session, const std::string& sql, Params& params);
  template <class T>
  Query& into(T& target) {
    st_.exchange(soci::into(target));
    return *this;
  }
  template <class T>
  Query& into(T& target, soci::indicator& ind) {
    st_.exchange(soci::into(target, ind));
    return *this;
  }
  // Executes; true if a first row (or first batch, with vector intos) was fetched.
  bool run();
  bool fetch() {
    return guarded([&] { return st_.fetch(); });
  }

 private:
  soci::statement st_;
  std::string sql_;
};

// The id the connection's last INSERT gave `table`'s auto-increment key.
std::int64_t last_insert_id(Database& db, const char* table);

// Takes `count` numbers in order from the counter `name` (table counters) in the caller's
// transaction, and returns the first. On MariaDB the counter's row stays locked to the
// transaction's end: two writers take their numbers one after the other.
std::int64_t reserve_serials(Database& db, const char* name, std::int64_t count);

// "?, ?, ?" style list of placeholders for values, for IN (...) lists.
template <class Range>
std::string placeholders(Params& params, const Range& values) {
  std::string list;
  for (const auto& v : values) {
    if (!list.empty()) list += ", ";
    list += params.add(v);
  }
  return list;
}

}  // namespace tallyman::sql
