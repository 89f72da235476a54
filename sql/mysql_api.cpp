#include "sql/mysql_api.hpp"

#include "sql/database.hpp"

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

constexpr unsigned long column_bytes = 96;  // ids (64), dates, amounts: all fit

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
  const unsigned code = mysql_stmt_errno(stmt);
  if (code == ER_DUP_ENTRY || code == ER_LOCK_DEADLOCK) throw TransactionConflict(message);
  throw DatabaseError(message);
}

}  // namespace

struct ServerStatement::State {
  MYSQL_STMT* stmt = nullptr;
  std::size_t columns = 0;
  std::vector<std::string> params;
  std::vector<unsigned long> param_lengths;
  std::vector<MYSQL_BIND> param_binds;
  std::vector<char> buffers;
  std::vector<unsigned long> lengths;
  std::vector<my_bool> nulls, errors;
  std::vector<MYSQL_BIND> result_binds;

  [[noreturn]] void fail(const char* what) const { fail_statement(stmt, what); }
};

ServerStatement::ServerStatement(soci::session& session, const std::string& sql, std::size_t columns)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.stmt = prepare(session, sql, "preparing a statement");
  s.columns = columns;
  s.buffers.assign(columns * column_bytes, 0);
  s.lengths.assign(columns, 0);
  s.nulls.assign(columns, 0);
  s.errors.assign(columns, 0);
  s.result_binds.assign(columns, MYSQL_BIND{});
  for (std::size_t c = 0; c < columns; ++c) {
    MYSQL_BIND& b = s.result_binds[c];
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = s.buffers.data() + c * column_bytes;
    b.buffer_length = column_bytes;
    b.length = &s.lengths[c];
    b.is_null = &s.nulls[c];
    b.error = &s.errors[c];
  }
}

ServerStatement::~ServerStatement() {
  if (state_ && state_->stmt != nullptr) mysql_stmt_close(state_->stmt);
}

std::optional<TextRow> ServerStatement::row(const std::vector<std::string>& params) {
  State& s = *state_;
  if (params.size() != mysql_stmt_param_count(s.stmt)) throw DatabaseError("a statement got the wrong number of values");
  s.params = params;
  s.param_lengths.assign(params.size(), 0);
  s.param_binds.assign(params.size(), MYSQL_BIND{});
  for (std::size_t k = 0; k < params.size(); ++k) {
    s.param_lengths[k] = s.params[k].size();
    MYSQL_BIND& b = s.param_binds[k];
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = s.params[k].data();
    b.buffer_length = s.param_lengths[k];
    b.length = &s.param_lengths[k];
  }
  if (mysql_stmt_bind_param(s.stmt, s.param_binds.data()) != 0) s.fail("binding values");
  if (mysql_stmt_execute(s.stmt) != 0) s.fail("running a statement");
  if (mysql_stmt_field_count(s.stmt) != s.columns) throw DatabaseError("a statement gave an unexpected number of columns");
  if (mysql_stmt_bind_result(s.stmt, s.result_binds.data()) != 0) s.fail("binding columns");
  const int fetched = mysql_stmt_fetch(s.stmt);
  std::optional<TextRow> out;
  if (fetched == 0) {
    out.emplace();
    for (std::size_t c = 0; c < s.columns; ++c) {
      if (s.nulls[c]) out->push_back(std::nullopt);
      else out->push_back(std::string(s.buffers.data() + c * column_bytes, s.lengths[c]));
    }
  } else if (fetched == MYSQL_DATA_TRUNCATED) {
    mysql_stmt_free_result(s.stmt);
    throw DatabaseError("a column was longer than a server-prepared statement reads");
  } else if (fetched != MYSQL_NO_DATA) {
    s.fail("fetching a row");
  }
  while (fetched == 0 && mysql_stmt_fetch(s.stmt) == 0) {
  }  // to the end: the connection takes no other statement before
  mysql_stmt_free_result(s.stmt);
  return out;
}

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

}  // namespace tallyman::sql
