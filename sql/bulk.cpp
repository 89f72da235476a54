#include "bulk.hpp"

#include "core/check.hpp"
#include "mysql_api.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

namespace tallyman::sql {

namespace {

// SQLite: one prepared single-row INSERT, stepped once per row (parsing is SQLite's cost, so
// it is paid once; a multi-row statement is parsed again for every batch), through SQLite's
// C API: SOCI's layers around each step (its use-type conversions, a copy of every text) were
// a tenth of a million-invoice import (callgrind; docs/performance.md). Texts are bound in
// place; rows made as they are written are made one at a time, into the same vector.
void insert_rows_prepared(soci::session& session, const std::string& head, std::size_t count, const RowCells& cells) {
  using namespace sqlite_api;
  sqlite3* db = sqlite_connection(session);
  std::vector<Cell> scratch;
  const std::size_t width = cells(0, scratch).size();
  std::string sql = head + " VALUES (";
  for (std::size_t c = 0; c < width; ++c) sql += c == 0 ? "?" : ", ?";
  sql += ")";
  sqlite3_stmt* raw = sqlite_prepare(db, sql);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  for (std::size_t k = 0; k < count; ++k) {
    scratch.clear();
    const std::vector<Cell>& row = cells(k, scratch);
    TM_ASSERT(row.size() == width);
    for (std::size_t c = 0; c < width; ++c) {
      const int slot = static_cast<int>(c) + 1;
      if (const auto* i = std::get_if<long long>(&row[c])) sqlite3_bind_int64(raw, slot, *i);
      else if (const auto* t = std::get_if<std::string>(&row[c]))
        sqlite3_bind_text(raw, slot, t->data(), static_cast<int>(t->size()), SQLITE_STATIC);
      else sqlite3_bind_null(raw, slot);
    }
    if (sqlite3_step(raw) != SQLITE_DONE) throw DatabaseError(sqlite3_errmsg(db));
    sqlite3_reset(raw);
  }
}

// MySQL, a few rows: one INSERT with a placeholder per value, one round trip.
void insert_rows_bound(soci::session& session, const std::string& head, std::size_t count, const RowCells& cells) {
  std::vector<Cell> scratch;
  Params p;
  std::string sql = head + " VALUES ";
  for (std::size_t r = 0; r < count; ++r) {
    scratch.clear();
    const std::vector<Cell>& row = cells(r, scratch);
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) sql += ", ";
      if (const auto* i = std::get_if<long long>(&row[c])) sql += p.add(*i);
      else if (const auto* t = std::get_if<std::string>(&row[c])) sql += p.add(*t);
      else sql += p.add(std::optional<std::string>());
    }
    sql += ')';
  }
  execute_text(session, sql, p);
}

// MySQL, many rows: one INSERT prepared on the server, run for up to insert_array_rows rows at
// a time through MariaDB's array binding (ArrayInsert, mysql_api.hpp), so the server parses it
// once. 1M invoices: 29-31 s as multi-row INSERTs, 22-27 s so. But the prepare is a round trip
// of its own: for one row (an HTTP post) it cost 10-20% of the request's rate, so below
// insert_array_min rows one multi-row INSERT goes through SOCI (docs/performance.md).
constexpr std::size_t insert_array_min = 64;
constexpr std::size_t insert_array_rows = 2000;

void insert_rows_array(soci::session& session, const std::string& head, std::size_t count, const RowCells& cells) {
  std::vector<Cell> scratch;
  const std::size_t width = cells(0, scratch).size();
  std::string sql = head + " VALUES (";
  for (std::size_t c = 0; c < width; ++c) sql += c == 0 ? "?" : ", ?";
  sql += ")";
  ArrayInsert insert(session, sql);
  std::vector<ArrayColumn> columns(width);
  for (std::size_t start = 0; start < count; start += insert_array_rows) {
    const std::size_t end = std::min(count, start + insert_array_rows);
    for (ArrayColumn& column : columns) column.clear();
    for (std::size_t r = start; r < end; ++r) {
      scratch.clear();
      const std::vector<Cell>& row = cells(r, scratch);
      TM_ASSERT(row.size() == width);
      for (std::size_t c = 0; c < width; ++c) {
        ArrayColumn& column = columns[c];
        const auto* integer = std::get_if<long long>(&row[c]);
        const auto* text = std::get_if<std::string>(&row[c]);
        if (integer != nullptr) column.integer = true;
        TM_ASSERT(!(column.integer && text != nullptr));  // a column holds integers or texts
        column.integers.push_back(integer != nullptr ? *integer : 0);
        column.texts.push_back(text != nullptr ? *text : std::string());
        column.nulls.push_back(integer == nullptr && text == nullptr ? 1 : 0);
      }
    }
    insert.run(columns, end - start);
  }
}

}  // namespace

void update_rows(soci::session& session, const std::string& table, const std::string& key_column,
                 const std::string& column, std::span<const std::pair<std::string, long long>> rows) {
  if (rows.empty()) return;
  if (session.get_backend_name() == "sqlite3") {
    guarded([&] {
      std::string key;
      long long value = 0;
      soci::statement st = (session.prepare << "UPDATE " + table + " SET " + column + " = :v WHERE " + key_column + " = :k",
                            soci::use(value), soci::use(key));
      for (const auto& [k, v] : rows) {
        key = k;
        value = v;
        st.execute(true);
      }
    });
    return;
  }
  for (std::size_t start = 0; start < rows.size(); start += rows_per_statement) {
    const std::size_t end = std::min(rows.size(), start + rows_per_statement);
    Params p;
    std::string cases, keys;
    for (std::size_t k = start; k < end; ++k) {
      cases += " WHEN " + p.add(rows[k].first) + " THEN " + p.add(static_cast<long long>(rows[k].second));
      keys += (k == start ? "" : ", ") + p.add(rows[k].first);
    }
    execute_text(session,
                 "UPDATE " + table + " SET " + column + " = CASE " + key_column + cases + " END WHERE " + key_column +
                     " IN (" + keys + ")",
                 p);
  }
}

void insert_rows(soci::session& session, const std::string& head, std::size_t count, const RowCells& cells) {
  if (count == 0) return;
  if (session.get_backend_name() == "sqlite3")
    insert_rows_prepared(session, head, count, cells);
  else if (count < insert_array_min)
    insert_rows_bound(session, head, count, cells);
  else
    insert_rows_array(session, head, count, cells);
}

void insert_rows(soci::session& session, const std::string& head, std::span<const std::vector<Cell>> rows) {
  insert_rows(session, head, rows.size(),
              [&](std::size_t k, std::vector<Cell>&) -> const std::vector<Cell>& { return rows[k]; });
}

}  // namespace tallyman::sql
