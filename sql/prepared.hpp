#pragma once
// Internal to sql/: the statements SqlBooks prepares once per connection and runs again with
// new values, for the service's most frequent requests (the account read, the credit check).

#include "core/calendar.hpp"
#include "core/credit.hpp"
#include "sql/books.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tallyman::sql {

struct SqlBooks::AccountStatement {
  explicit AccountStatement(soci::session& session) : st(session) {
    st.exchange(soci::use(today));
    st.exchange(soci::use(today2));
    st.exchange(soci::use(id));
    st.exchange(soci::into(cid));
    st.exchange(soci::into(name));
    st.exchange(soci::into(currency));
    st.exchange(soci::into(limit, limit_ind));
    st.exchange(soci::into(terms));
    st.exchange(soci::into(collector, collector_ind));
    st.exchange(soci::into(grade, grade_ind));
    st.exchange(soci::into(on_hold));
    st.exchange(soci::into(dunning_hold));
    st.exchange(soci::into(open, open_ind));
    st.exchange(soci::into(overdue, overdue_ind));
    st.exchange(soci::into(paid, paid_ind));
    st.exchange(soci::into(credited, credited_ind));
    st.exchange(soci::into(reserved, reserved_ind));
    st.alloc();
    // Each sum reads one customer's range of an index (invoices_customer_due and the
    // *_customer_unapplied ones).
    st.prepare(
        "SELECT c.id, c.name, c.currency, c.credit_limit, c.terms, c.collector, c.grade, c.on_hold, c.dunning_hold,"
        " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0),"
        " (SELECT SUM(CASE WHEN i.due_date < :today THEN i.open_amount ELSE 0 END) FROM invoices i"
        "  WHERE i.customer = c.id AND i.open_amount > 0),"
        " (SELECT SUM(p.unapplied_amount) FROM payments p WHERE p.customer = c.id AND p.unapplied_amount > 0),"
        " (SELECT SUM(n.unapplied_amount) FROM credit_notes n WHERE n.customer = c.id AND n.unapplied_amount > 0),"
        " c.reserved_amount - (SELECT COALESCE(SUM(r.amount), 0) FROM reservations r WHERE r.customer = c.id"
        "  AND r.status = 'active' AND r.expires_on < :today2)"
        " FROM customers c WHERE c.id = :id");
    st.define_and_bind();
  }

  soci::statement st;
  std::string today, today2, id;
  std::string cid, name, currency, terms, collector, grade;
  long long limit = 0, on_hold = 0, dunning_hold = 0, open = 0, overdue = 0, paid = 0, credited = 0, reserved = 0;
  soci::indicator limit_ind = soci::i_ok, collector_ind = soci::i_ok, grade_ind = soci::i_ok, open_ind = soci::i_ok,
                  overdue_ind = soci::i_ok, paid_ind = soci::i_ok, credited_ind = soci::i_ok, reserved_ind = soci::i_ok;
};

// Few subqueries: on MySQL, where SOCI sends the text with the values each time, the server
// parses and plans it per check (ten subqueries cost twice the time of this).
inline const char* const position_sql =
    "SELECT c.currency, c.credit_limit, c.grade, c.on_hold, c.dunning_hold,"
    " inv.open_sum, inv.overdue_sum, inv.oldest,"
    " (SELECT SUM(pa.unapplied_amount) FROM payments pa WHERE pa.customer = c.id AND pa.unapplied_amount > 0),"
    " (SELECT SUM(n.unapplied_amount) FROM credit_notes n WHERE n.customer = c.id AND n.unapplied_amount > 0),"
    // The projection less what expired and the job has not marked yet (a short range of an index).
    " c.reserved_amount - (SELECT COALESCE(SUM(r.amount), 0) FROM reservations r WHERE r.customer = c.id"
    "  AND r.status = 'active' AND r.expires_on < :t3),"
    " own.customer, own.amount, own.expires_on,"
    " p.decline_on_hold, p.decline_on_dunning_hold, p.check_limit, p.over_limit_review_bp, p.review_overdue_days,"
    " p.review_overdue_share_bp, p.review_grade_c, p.review_no_limit, p.reservation_days"
    // The sums first: SQLite then runs them as a co-routine rather than writing them to a
    // temporary table, which costs it a pager opened and closed per check.
    " FROM (SELECT SUM(i.open_amount) AS open_sum,"
    "  SUM(CASE WHEN i.due_date < :t1 THEN i.open_amount ELSE 0 END) AS overdue_sum,"
    "  MIN(CASE WHEN i.due_date < :t2 THEN i.due_date END) AS oldest"
    "  FROM invoices i WHERE i.customer = :id1 AND i.open_amount > 0) inv"
    " CROSS JOIN customers c CROSS JOIN credit_policy p"
    " LEFT JOIN reservations own ON own.order_ref = :r1 AND own.status = 'active'"
    " WHERE c.id = :id2 AND p.id = 1";

inline long long value_or_zero(long long v, soci::indicator ind) { return ind == soci::i_ok ? v : 0; }

// The position of one customer for one order, with the credit policy, in one statement
// prepared once per connection (the check without reservation is a hot path).
struct SqlBooks::PositionStatement {
  explicit PositionStatement(soci::session& session) : mysql(session.get_backend_name() == "mysql") {
    // position_sql with anonymous placeholders, as both C APIs take them.
    std::string sql;
    for (const char* c = position_sql; *c != '\0'; ++c) {
      if (*c != ':') {
        sql += *c;
        continue;
      }
      sql += '?';
      while (std::isalnum(static_cast<unsigned char>(c[1]))) ++c;
    }
    if (mysql) {
      // On MariaDB prepared on the server once, through the C API (SOCI's MySQL backend
      // sends the text each time, and MariaDB's parsing it per check was most of a check's
      // cost there): one binary-protocol round trip per check.
      server = std::make_unique<ServerStatement>(session, sql, columns);
      return;
    }
    // On SQLite through its C API, as execute() does: SOCI's exchange of 6 values and 23
    // columns (its into and use types per column) cost ~0.3 of the check's ~14 us in process.
    conn = sqlite_connection(session);
    lite = sqlite_prepare(conn, sql);
  }
  ~PositionStatement() { sqlite_api::sqlite3_finalize(lite); }  // none on MySQL: a no-op
  PositionStatement(const PositionStatement&) = delete;
  PositionStatement& operator=(const PositionStatement&) = delete;

  // Runs it; false when the customer does not exist.
  bool run(const std::string& customer, const std::string& order, Date day) {
    // In the order of position_sql's placeholders: t3, t1, t2, id1, r1, id2.
    const std::string d = format_date(day);
    if (mysql) {
      const std::optional<TextRow> row = server->row({d, d, d, customer, order, customer});
      return take(row ? &*row : nullptr, day);
    }
    using namespace sqlite_api;
    int slot = 0;
    for (const std::string* value : {&d, &d, &d, &customer, &order, &customer})
      sqlite3_bind_text(lite, ++slot, value->data(), static_cast<int>(value->size()), SQLITE_STATIC);
    const int rc = sqlite3_step(lite);
    if (rc == SQLITE_ROW) {
      int c = 0;
      auto text = [&](std::string& to, soci::indicator* ind = nullptr) {
        const bool null = sqlite3_column_type(lite, c) == SQLITE_NULL;
        if (ind) *ind = null ? soci::i_null : soci::i_ok;
        if (!null) to.assign(reinterpret_cast<const char*>(sqlite3_column_text(lite, c)),
                             static_cast<std::size_t>(sqlite3_column_bytes(lite, c)));
        ++c;
      };
      auto number = [&](long long& to, soci::indicator* ind = nullptr) {
        const bool null = sqlite3_column_type(lite, c) == SQLITE_NULL;
        if (ind) *ind = null ? soci::i_null : soci::i_ok;
        to = null ? 0 : sqlite3_column_int64(lite, c);
        ++c;
      };
      read_columns(text, number);
    }
    sqlite_finish(conn, lite, rc);  // ends the read: an unfinished one would keep its snapshot
    if (rc == SQLITE_DONE) return false;
    settle(day);
    return true;
  }

  // MySQL: reads the server statement's row into the fields, in the order of position_sql's
  // columns; false when there is none: the customer does not exist.
  bool take(const TextRow* found, Date day) {
    if (found == nullptr) return false;
    const TextRow& row = *found;
    if (row.size() != columns) throw DatabaseError("the credit position statement gave an unexpected number of columns");
    std::size_t c = 0;
    auto text = [&](std::string& to, soci::indicator* ind = nullptr) {
      const std::optional<std::string>& v = row[c++];
      if (ind) *ind = v ? soci::i_ok : soci::i_null;
      if (v) to = *v;
    };
    auto number = [&](long long& to, soci::indicator* ind = nullptr) {
      const std::optional<std::string>& v = row[c++];
      if (ind) *ind = v ? soci::i_ok : soci::i_null;
      to = v ? std::stoll(*v) : 0;
    };
    read_columns(text, number);
    settle(day);
    return true;
  }

  // The row's columns into the fields, in the order of position_sql's columns: `text` and
  // `number` each read the next one (its indicator null when it is NULL).
  template <class Text, class Number>
  void read_columns(Text& text, Number& number) {
    text(currency);
    number(limit, &limit_ind);
    text(grade, &grade_ind);
    number(on_hold);
    number(dunning_hold);
    number(open, &open_ind);
    number(overdue, &overdue_ind);
    text(oldest_due, &oldest_ind);
    number(paid, &paid_ind);
    number(credited, &credited_ind);
    number(reserved, &reserved_ind);
    text(held_by, &held_by_ind);
    number(held, &held_ind);
    text(held_until, &held_until_ind);
    for (long long* field : {&p_hold, &p_dunning, &p_limit, &p_band}) number(*field);
    number(p_days, &p_days_ind);
    number(p_share, &p_share_ind);
    number(p_grade);
    number(p_no_limit);
    number(p_reservation_days);
  }

  // The order's active hold: own_held even past its last day (it is still in the
  // projection); own_* only while it holds.
  void settle(Date day) {
    own_held_ind = held_ind;
    own_held = held;
    const bool holds = held_ind == soci::i_ok && held_until_ind == soci::i_ok && db_date(held_until) >= day;
    own_amount_ind = own_expires_ind = holds ? soci::i_ok : soci::i_null;
    own_amount = held;
    own_expires = held_until;
  }

  CreditPolicy policy() const {
    CreditPolicy p;
    p.decline_on_hold = p_hold != 0;
    p.decline_on_dunning_hold = p_dunning != 0;
    p.check_limit = p_limit != 0;
    p.over_limit_review_bp = static_cast<int>(p_band);
    p.review_overdue_days = p_days_ind == soci::i_ok ? std::optional<int>(static_cast<int>(p_days)) : std::nullopt;
    p.review_overdue_share_bp =
        p_share_ind == soci::i_ok ? std::optional<int>(static_cast<int>(p_share)) : std::nullopt;
    p.review_grade_c = p_grade != 0;
    p.review_no_limit = p_no_limit != 0;
    p.reservation_days = static_cast<int>(p_reservation_days);
    return p;
  }

  CreditPosition position(Date day) const {
    CreditPosition pos;
    if (limit_ind == soci::i_ok) pos.limit = limit;
    pos.open = value_or_zero(open, open_ind);
    pos.overdue = value_or_zero(overdue, overdue_ind);
    if (oldest_ind == soci::i_ok) pos.max_days_overdue = static_cast<int>((day - db_date(oldest_due)).count());
    pos.unapplied = value_or_zero(paid, paid_ind) + value_or_zero(credited, credited_ind);
    // This order's own hold is not counted against it.
    pos.reserved = value_or_zero(reserved, reserved_ind) - value_or_zero(own_amount, own_amount_ind);
    if (grade_ind == soci::i_ok && !grade.empty()) pos.grade = grade[0];
    pos.on_hold = on_hold != 0;
    pos.dunning_hold = dunning_hold != 0;
    return pos;
  }

  static constexpr std::size_t columns = 23;  // of position_sql
  bool mysql = false;
  sqlite_api::sqlite3* conn = nullptr;         // SQLite only
  sqlite_api::sqlite3_stmt* lite = nullptr;    // SQLite only
  std::unique_ptr<ServerStatement> server;     // MySQL only
  std::string currency, grade, oldest_due, own_expires, held_by, held_until;
  long long limit = 0, on_hold = 0, dunning_hold = 0, open = 0, overdue = 0, paid = 0, credited = 0, reserved = 0,
            own_amount = 0, own_held = 0, held = 0;
  long long p_hold = 0, p_dunning = 0, p_limit = 0, p_band = 0, p_days = 0, p_share = 0, p_grade = 0, p_no_limit = 0,
            p_reservation_days = 0;
  soci::indicator limit_ind = soci::i_ok, grade_ind = soci::i_ok, open_ind = soci::i_ok, overdue_ind = soci::i_ok,
                  oldest_ind = soci::i_ok, paid_ind = soci::i_ok, credited_ind = soci::i_ok, reserved_ind = soci::i_ok,
                  own_amount_ind = soci::i_ok, own_expires_ind = soci::i_ok,
                  own_held_ind = soci::i_ok, held_by_ind = soci::i_ok, held_ind = soci::i_ok,
                  held_until_ind = soci::i_ok,
                  p_days_ind = soci::i_ok, p_share_ind = soci::i_ok;
};

}  // namespace tallyman::sql
