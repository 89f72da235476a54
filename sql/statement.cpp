#include "sql/statement.hpp"

namespace tallyman::sql {

std::string Params::next(Value v) {
  v.name = "p" + std::to_string(values_.size() + 1);
  values_.push_back(std::move(v));
  return ":" + values_.back().name;
}

std::string Params::add(long long value) { return next(Value{false, value, {}, soci::i_ok, {}}); }

std::string Params::add(std::string value) { return next(Value{true, 0, std::move(value), soci::i_ok, {}}); }

std::string Params::add(const std::optional<std::string>& value) {
  return value ? add(*value) : next(Value{true, 0, {}, soci::i_null, {}});
}

std::string Params::add(const std::optional<long long>& value) {
  return value ? add(*value) : next(Value{false, 0, {}, soci::i_null, {}});
}

void Params::bind(soci::statement& st) {
  for (Value& v : values_) {
    if (v.is_text)
      st.exchange(soci::use(v.text, v.indicator, v.name));
    else
      st.exchange(soci::use(v.integer, v.indicator, v.name));
  }
}

void execute(soci::session& session, const std::string& sql, Params& params) {
  guarded([&] {
    soci::statement st(session);
    params.bind(st);
    st.alloc();
    st.prepare(sql);
    st.define_and_bind();
    st.execute(true);
  });
}

Query::Query(soci::session& session, std::string sql, Params& params) : st_(session), sql_(std::move(sql)) {
  params.bind(st_);
}

bool Query::run() {
  return guarded([&] {
    st_.alloc();
    st_.prepare(sql_);
    st_.define_and_bind();
    return st_.execute(true);
  });
}

}  // namespace tallyman::sql

namespace tallyman::sql {

void insert_rows(soci::session& session, const std::string& head, std::span<const std::vector<Cell>> rows) {
  for (std::size_t start = 0; start < rows.size(); start += insert_rows_max) {
    const std::size_t end = std::min(rows.size(), start + insert_rows_max);
    Params p;
    std::string sql = head + " VALUES ";
    for (std::size_t r = start; r < end; ++r) {
      sql += r == start ? "(" : ", (";
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        if (c > 0) sql += ", ";
        const Cell& cell = rows[r][c];
        if (std::holds_alternative<long long>(cell))
          sql += p.add(std::get<long long>(cell));
        else if (std::holds_alternative<std::string>(cell))
          sql += p.add(std::get<std::string>(cell));
        else
          sql += "NULL";
      }
      sql += ')';
    }
    execute(session, sql, p);
  }
}

}  // namespace tallyman::sql
