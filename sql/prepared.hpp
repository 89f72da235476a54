#pragma once
// Internal to sql/: the statements SqlBooks prepares once per connection and runs again with
// new values, for the service's most frequent requests (the account read, the credit check).

#include "core/calendar.hpp"
#include "core/credit.hpp"
#include "sql/books.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

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
    st.exchange(soci::into(open, open_ind));
    st.exchange(soci::into(overdue, overdue_ind));
    st.exchange(soci::into(paid, paid_ind));
    st.exchange(soci::into(credited, credited_ind));
    st.exchange(soci::into(reserved, reserved_ind));
    st.alloc();
    // Each sum reads one customer's range of an index (invoices_customer_open and the
    // *_customer_unapplied ones).
    st.prepare(
        "SELECT c.id, c.name, c.currency, c.credit_limit, c.terms, c.collector, c.grade, c.on_hold,"
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
  long long limit = 0, on_hold = 0, open = 0, overdue = 0, paid = 0, credited = 0, reserved = 0;
  soci::indicator limit_ind = soci::i_ok, collector_ind = soci::i_ok, grade_ind = soci::i_ok, open_ind = soci::i_ok,
                  overdue_ind = soci::i_ok, paid_ind = soci::i_ok, credited_ind = soci::i_ok, reserved_ind = soci::i_ok;
};

inline const char* const position_sql =
    "SELECT c.currency, c.credit_limit, c.grade, c.on_hold, c.dunning_hold,"
    " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0),"
    " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0 AND i.due_date < :t1),"
    " (SELECT MIN(i.due_date) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0 AND i.due_date < :t2),"
    " (SELECT SUM(p.unapplied_amount) FROM payments p WHERE p.customer = c.id AND p.unapplied_amount > 0),"
    " (SELECT SUM(n.unapplied_amount) FROM credit_notes n WHERE n.customer = c.id AND n.unapplied_amount > 0),"
    // The projection less what expired and the job has not marked yet (a short range of an index).
    " c.reserved_amount - (SELECT COALESCE(SUM(r.amount), 0) FROM reservations r WHERE r.customer = c.id"
    "  AND r.status = 'active' AND r.expires_on < :t3),"
    " (SELECT r.customer FROM reservations r WHERE r.order_ref = :r2 AND r.status = 'active' AND r.expires_on >= :t4),"
    " (SELECT r.amount FROM reservations r WHERE r.order_ref = :r3 AND r.status = 'active' AND r.expires_on >= :t5),"
    " (SELECT r.expires_on FROM reservations r WHERE r.order_ref = :r4 AND r.status = 'active' AND r.expires_on >= :t6),"
    " (SELECT r.amount FROM reservations r WHERE r.order_ref = :r5 AND r.status = 'active'),"
    " p.decline_on_hold, p.decline_on_dunning_hold, p.check_limit, p.over_limit_review_bp, p.review_overdue_days,"
    " p.review_overdue_share_bp, p.review_grade_c, p.review_no_limit, p.reservation_days"
    " FROM customers c CROSS JOIN credit_policy p WHERE c.id = :id AND p.id = 1";

inline long long value_or_zero(long long v, soci::indicator ind) { return ind == soci::i_ok ? v : 0; }

// The position of one customer for one order, with the credit policy, in one statement
// prepared once per connection (the check without reservation is a hot path).
struct SqlBooks::PositionStatement {
  explicit PositionStatement(soci::session& session) : st(session) {
    // Bound in the order the placeholders appear in position_sql.
    st.exchange(soci::use(today));       // t1
    st.exchange(soci::use(today2));      // t2
    st.exchange(soci::use(today3));      // t3
    st.exchange(soci::use(order_ref2));  // r2
    st.exchange(soci::use(today4));      // t4
    st.exchange(soci::use(order_ref3));  // r3
    st.exchange(soci::use(today5));      // t5
    st.exchange(soci::use(order_ref4));  // r4
    st.exchange(soci::use(today6));      // t6
    st.exchange(soci::use(order_ref5));  // r5
    st.exchange(soci::use(id));
    st.exchange(soci::into(currency));
    st.exchange(soci::into(limit, limit_ind));
    st.exchange(soci::into(grade, grade_ind));
    st.exchange(soci::into(on_hold));
    st.exchange(soci::into(dunning_hold));
    st.exchange(soci::into(open, open_ind));
    st.exchange(soci::into(overdue, overdue_ind));
    st.exchange(soci::into(oldest_due, oldest_ind));
    st.exchange(soci::into(paid, paid_ind));
    st.exchange(soci::into(credited, credited_ind));
    st.exchange(soci::into(reserved, reserved_ind));
    st.exchange(soci::into(own_customer, own_customer_ind));
    st.exchange(soci::into(own_amount, own_amount_ind));
    st.exchange(soci::into(own_expires, own_expires_ind));
    st.exchange(soci::into(own_held, own_held_ind));
    for (long long* field : {&p_hold, &p_dunning, &p_limit, &p_band}) st.exchange(soci::into(*field));
    st.exchange(soci::into(p_days, p_days_ind));
    st.exchange(soci::into(p_share, p_share_ind));
    st.exchange(soci::into(p_grade));
    st.exchange(soci::into(p_no_limit));
    st.exchange(soci::into(p_reservation_days));
    st.alloc();
    st.prepare(position_sql);
    st.define_and_bind();
  }

  // Runs it; false when the customer does not exist.
  bool run(const std::string& customer, const std::string& order, Date day) {
    id = customer;
    order_ref2 = order_ref3 = order_ref4 = order_ref5 = order;
    today = today2 = today3 = today4 = today5 = today6 = format_date(day);
    const bool found = st.execute(true);
    if (found) st.fetch();  // to its end: on SQLite an unfinished statement keeps its snapshot
    return found;
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

  soci::statement st;
  std::string id, order_ref2, order_ref3, order_ref4, order_ref5;
  std::string today, today2, today3, today4, today5, today6;
  std::string currency, grade, oldest_due, own_customer, own_expires;
  long long limit = 0, on_hold = 0, dunning_hold = 0, open = 0, overdue = 0, paid = 0, credited = 0, reserved = 0,
            own_amount = 0, own_held = 0;  // own_held: this order's active hold, even past its day
  long long p_hold = 0, p_dunning = 0, p_limit = 0, p_band = 0, p_days = 0, p_share = 0, p_grade = 0, p_no_limit = 0,
            p_reservation_days = 0;
  soci::indicator limit_ind = soci::i_ok, grade_ind = soci::i_ok, open_ind = soci::i_ok, overdue_ind = soci::i_ok,
                  oldest_ind = soci::i_ok, paid_ind = soci::i_ok, credited_ind = soci::i_ok, reserved_ind = soci::i_ok,
                  own_customer_ind = soci::i_ok, own_amount_ind = soci::i_ok, own_expires_ind = soci::i_ok,
                  own_held_ind = soci::i_ok,
                  p_days_ind = soci::i_ok, p_share_ind = soci::i_ok;
};

}  // namespace tallyman::sql
