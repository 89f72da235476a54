#include "mysql_api.hpp"

#include "sql/database.hpp"

#include <errmsg.h>
#include <mysqld_error.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>

namespace tallyman::sql {

namespace {

// (By name, not dynamic_cast: libsoci_mysql does not export the backend's type information.)
MYSQL* connection_of(soci::session& session) {
  if (session.get_backend_name() != "mysql") throw DatabaseError("the MariaDB C API needs a MySQL connection");
  return static_cast<soci::mysql_session_backend*>(session.get_backend())->conn_;
}

// A statement prepared on the server; throws DatabaseError saying what it was for.
MYSQL_STMT* prepare(soci::session& session, const std::string& sql, const char* what) {
  MYSQL_STMT* stmt = mysql_stmt_init(connection_of(session));
  if (stmt == nullptr) throw DatabaseError("out of memory preparing a statement");
  if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size()) != 0) {
    const std::string why = mysql_stmt_error(stmt);
    mysql_stmt_close(stmt);
    throw DatabaseError(std::string(what) + ": " + why);
  }
  return stmt;
}

// A failed statement's error: TransactionConflict when another transaction took its key or
// InnoDB (or Galera's certification) rolled it back, as for SOCI's errors (statement.cpp).
[[noreturn]] void fail_statement(MYSQL_STMT* stmt, const char* what) {
  const std::string message = std::string(what) + ": " + mysql_stmt_error(stmt);
  throw_mysql_error(mysql_stmt_errno(stmt), message);
}

}  // namespace

struct ArrayInsert::State {
  MYSQL_STMT* stmt = nullptr;
  std::vector<MYSQL_BIND> binds;
  std::vector<std::vector<const char*>> texts;  // per column: each row's text
  std::vector<std::vector<unsigned long>> lengths;

  [[noreturn]] void fail(const char* what) const { fail_statement(stmt, what); }
};

ArrayInsert::ArrayInsert(soci::session& session, const std::string& sql) : state_(std::make_unique<State>()) {
  state_->stmt = prepare(session, sql, "preparing an insert");
}

ArrayInsert::~ArrayInsert() {
  if (state_ && state_->stmt != nullptr) mysql_stmt_close(state_->stmt);
}

void ArrayInsert::run(const std::vector<ArrayColumn>& columns, std::size_t rows) {
  State& s = *state_;
  if (columns.size() != mysql_stmt_param_count(s.stmt)) throw DatabaseError("an insert got the wrong number of columns");
  const std::size_t width = columns.size();
  s.binds.assign(width, MYSQL_BIND{});
  s.texts.resize(width);
  s.lengths.resize(width);
  static_assert(STMT_INDICATOR_NONE == 0 && STMT_INDICATOR_NULL == 1);  // ArrayColumn::nulls as they are
  for (std::size_t c = 0; c < width; ++c) {
    const ArrayColumn& column = columns[c];
    MYSQL_BIND& b = s.binds[c];
    b.u.indicator = const_cast<char*>(column.nulls.data());
    if (column.integer) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = const_cast<long long*>(column.integers.data());
      continue;
    }
    s.texts[c].resize(rows);
    s.lengths[c].resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      s.texts[c][r] = column.texts[r].data();
      s.lengths[c][r] = column.texts[r].size();
    }
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = s.texts[c].data();
    b.length = s.lengths[c].data();
  }
  unsigned int size = static_cast<unsigned int>(rows);
  if (mysql_stmt_attr_set(s.stmt, STMT_ATTR_ARRAY_SIZE, &size) != 0) s.fail("setting the rows of an insert");
  if (mysql_stmt_bind_param(s.stmt, s.binds.data()) != 0) s.fail("binding an insert's values");
  if (mysql_stmt_execute(s.stmt) != 0) s.fail("inserting");
}

[[noreturn]] void throw_mysql_error(unsigned code, const std::string& message) {
  switch (code) {
    case ER_DUP_ENTRY:
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT: throw TransactionConflict(message);
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case ER_UNKNOWN_COM_ERROR: throw ConnectionLost(message);
    default: throw DatabaseError(message);
  }
}

}  // namespace tallyman::sql
