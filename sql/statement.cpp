#include "statement.hpp"

#include "core/check.hpp"
#include "mysql_api.hpp"

#include <mysqld_error.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

namespace tallyman::sql {

std::string Params::next(Value v) {
  values_.push_back(std::move(v));
  return ":p" + std::to_string(values_.size());
}

std::string Params::add(long long value) { return next(Value{false, value, {}, soci::i_ok}); }

std::string Params::add(std::string value) { return next(Value{true, 0, std::move(value), soci::i_ok}); }

std::string Params::add(const std::optional<std::string>& value) {
  return value ? add(*value) : next(Value{true, 0, {}, soci::i_null});
}

std::string Params::add(const std::optional<long long>& value) {
  return value ? add(*value) : next(Value{false, 0, {}, soci::i_null});
}

namespace {

// Where the next ":p" placeholder at or after `from` starts, outside quoted literals. The text
// holds only placeholders, names, keywords and the statement's own constant literals ('active'),
// never a value; skipping literals keeps even a constant with ":p" in it from being taken for one.
std::size_t next_placeholder(const std::string& sql, std::size_t from) {
  for (std::size_t at = from; at + 1 < sql.size(); ++at) {
    if (sql[at] == '\'') {
      at = sql.find('\'', at + 1);
      if (at == std::string::npos) return std::string::npos;
    } else if (sql[at] == ':' && sql[at + 1] == 'p') {
      return at;
    }
  }
  return std::string::npos;
}

}  // namespace

template <class Replace>
std::string Params::each_placeholder(const std::string& sql, Replace&& replace) const {
  std::string out;
  out.reserve(sql.size());
  std::size_t copied = 0;
  for (std::size_t at = next_placeholder(sql, 0); at != std::string::npos; at = next_placeholder(sql, at + 2)) {
    std::size_t end = at + 2, number = 0;
    while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') number = number * 10 + static_cast<std::size_t>(sql[end++] - '0');
    TM_ASSERT(number >= 1 && number <= values_.size());
    out.append(sql, copied, at - copied);
    out += replace(number - 1, std::string_view(sql).substr(at, end - at));
    copied = end;
  }
  out.append(sql, copied, std::string::npos);
  return out;
}

std::string Params::bind(soci::session& session, soci::statement& st, const std::string& sql) {
  const bool anonymous = session.get_backend_name() == "sqlite3";
  std::size_t bound = 0;
  std::string out = each_placeholder(sql, [&](std::size_t index, std::string_view placeholder) {
    Value& value = values_[index];  // SOCI keeps its address: a deque's elements stay put
    if (value.is_text)
      st.exchange(soci::use(value.text, value.indicator));
    else
      st.exchange(soci::use(value.integer, value.indicator));
    ++bound;
    return anonymous ? std::string("?") : std::string(placeholder);
  });
  TM_ASSERT(bound == values_.size());  // every value appears exactly once
  return out;
}

void execute_text(soci::session& session, const std::string& sql, Params& params) {
  guarded([&] {
    soci::statement st(session);
    const std::string text = params.bind(session, st, sql);
    st.alloc();
    st.prepare(text);
    st.define_and_bind();
    st.execute(true);
  });
}

std::string Params::anonymous(const std::string& sql, std::vector<std::size_t>& order) const {
  order.clear();
  std::string text = each_placeholder(sql, [&](std::size_t index, std::string_view) {
    order.push_back(index);
    return std::string("?");
  });
  TM_ASSERT(order.size() == values_.size());  // every value appears exactly once
  return text;
}

void Params::bind_to(sqlite_api::sqlite3_stmt* st, const std::vector<std::size_t>& order) const {
  using namespace sqlite_api;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Value& v = values_[order[k]];
    const int slot = static_cast<int>(k) + 1;
    if (v.indicator == soci::i_null)
      sqlite3_bind_null(st, slot);
    else if (v.is_text)
      sqlite3_bind_text(st, slot, v.text.data(), static_cast<int>(v.text.size()), SQLITE_STATIC);
    else
      sqlite3_bind_int64(st, slot, v.integer);
  }
}

sqlite_api::sqlite3* sqlite_connection(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

sqlite_api::sqlite3_stmt* sqlite_prepare(sqlite_api::sqlite3* conn, const std::string& sql) {
  using namespace sqlite_api;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(conn, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    throw DatabaseError(sqlite3_errmsg(conn));
  }
  return st;
}

[[noreturn]] void rethrow(const soci::soci_error& e) {
  const auto* my = dynamic_cast<const soci::mysql_soci_error*>(&e);
  if (my != nullptr) throw_mysql_error(static_cast<unsigned>(my->err_num_), e.get_error_message());
  throw DatabaseError(e.get_error_message());
}

void sqlite_finish(sqlite_api::sqlite3* conn, sqlite_api::sqlite3_stmt* st, int stepped) {
  using namespace sqlite_api;
  // The message before the reset, which ends the run (an unfinished read keeps its snapshot);
  // the bound texts are the caller's and end with it.
  const std::string error = stepped == SQLITE_DONE || stepped == SQLITE_ROW ? std::string() : sqlite3_errmsg(conn);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (!error.empty()) throw DatabaseError(error);
}

void Database::SqliteStatements::clear() {
  for (auto& [text, st] : by_text) sqlite_api::sqlite3_finalize(st);
  by_text.clear();
}

namespace {

// SQLite: the connection's statement of this text, prepared the first time.
sqlite_api::sqlite3_stmt* kept_statement(Database& db, std::string text) {
  Database::SqliteStatements& kept = db.sqlite_statements();
  auto found = kept.by_text.find(text);
  if (found == kept.by_text.end()) {
    if (kept.by_text.size() >= sqlite_statements_max) kept.clear();
    sqlite_api::sqlite3_stmt* st = sqlite_prepare(sqlite_connection(db.session()), text);
    found = kept.by_text.emplace(std::move(text), st).first;
  }
  return found->second;
}

}  // namespace

void execute(Database& db, const std::string& sql, Params& params) {
  if (db.dialect() == Dialect::mysql) return execute_text(db.session(), sql, params);
  std::vector<std::size_t> order;
  sqlite_api::sqlite3_stmt* st = kept_statement(db, params.anonymous(sql, order));
  params.bind_to(st, order);
  sqlite_finish(sqlite_connection(db.session()), st, sqlite_api::sqlite3_step(st));
}

std::vector<TextRow> text_rows(Database& db, const std::string& sql, Params& params, std::size_t columns) {
  std::vector<TextRow> rows;
  if (db.dialect() == Dialect::mysql) {
    // MySQL's text protocol gives every column as text: SOCI reads any into a string.
    TextRow row(columns);
    std::vector<std::string> texts(columns);
    std::vector<soci::indicator> nulls(columns);
    Query q(db.session(), sql, params);
    for (std::size_t c = 0; c < columns; ++c) q.into(texts[c], nulls[c]);
    if (q.run()) do {
        for (std::size_t c = 0; c < columns; ++c)
          row[c] = nulls[c] == soci::i_null ? std::nullopt : std::optional<std::string>(texts[c]);
        rows.push_back(row);
      } while (q.fetch());
    return rows;
  }
  using namespace sqlite_api;
  std::vector<std::size_t> order;
  sqlite3_stmt* st = kept_statement(db, params.anonymous(sql, order));
  params.bind_to(st, order);
  int stepped;
  while ((stepped = sqlite3_step(st)) == SQLITE_ROW) {
    if (static_cast<std::size_t>(sqlite3_column_count(st)) != columns) break;
    TextRow& row = rows.emplace_back(columns);
    for (std::size_t c = 0; c < columns; ++c) {
      const int k = static_cast<int>(c);
      if (sqlite3_column_type(st, k) == SQLITE_NULL) continue;
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, k));
      row[c].emplace(text, static_cast<std::size_t>(sqlite3_column_bytes(st, k)));
    }
  }
  sqlite_finish(sqlite_connection(db.session()), st, stepped);
  if (stepped == SQLITE_ROW) throw DatabaseError("a statement gave an unexpected number of columns");
  return rows;
}

std::int64_t last_insert_id(Database& db, const char* table) {
  long long id = 0;
  const bool given = guarded([&] { return db.session().get_last_insert_id(table, id); });
  if (!given) throw DatabaseError(std::string("no id for the new row of ") + table);
  return id;
}

Query::Query(soci::session& session, const std::string& sql, Params& params)
    : st_(session), sql_(params.bind(session, st_, sql)) {
}

bool Query::run() {
  return guarded([&] {
    st_.alloc();
    st_.prepare(sql_);
    st_.define_and_bind();
    return st_.execute(true);
  });
}

std::int64_t reserve_serials(Database& db, const char* name, std::int64_t count) {
  Params p;
  execute(db, "UPDATE counters SET next_value = next_value + " + p.add(static_cast<long long>(count)) +
                  " WHERE name = " + p.add(name),
          p);
  Params q;
  long long next = 0;
  Query read(db.session(), "SELECT next_value FROM counters WHERE name = " + q.add(name), q);
  read.into(next);
  if (!read.run()) throw DatabaseError(std::string("the counter ") + name + " is missing: run tallyman migrate");
  return next - count;
}

}  // namespace tallyman::sql
