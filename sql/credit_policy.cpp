// Credit control's settings and records beside the checks (core/credit_books.hpp): the credit
// policy, each customer's latest score, and the hourly expiry of reservations.
#include "books_shared.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "sql/books.hpp"
#include "statement.hpp"

namespace tallyman::sql {

std::size_t SqlCredit::expire_reservations(Date today) {
  return guarded([&] {
    WriteTransaction tx(db_);
    const std::string day = format_date(today);
    // What they held leaves the customers' projections first.
    Params p;
    const std::string d1 = p.add(day), d2 = p.add(day);
    execute(db_,
            "UPDATE customers SET reserved_amount = reserved_amount - (SELECT COALESCE(SUM(r.amount), 0)"
            " FROM reservations r WHERE r.customer = customers.id AND r.status = 'active' AND r.expires_on < " + d1 +
                ") WHERE id IN (SELECT customer FROM reservations WHERE status = 'active' AND expires_on < " + d2 + ")",
            p);
    soci::statement st = (db_.session().prepare << "UPDATE reservations SET status = 'expired', amount = 0"
                                                    " WHERE status = 'active' AND expires_on < :today",
                          soci::use(day));
    st.execute(true);
    const long long n = st.get_affected_rows();
    tx.commit();
    return static_cast<std::size_t>(n);
  });
}

CreditPolicy SqlCredit::credit_policy() {
  return guarded([&] {
    Params p;
    long long hold = 0, dunning = 0, limit = 0, band = 0, days = 0, share = 0, grade = 0, no_limit = 0, reserve = 0;
    long long w_on_time = 0, w_late = 0, w_overdue = 0, w_volume = 0, penalty = 0, late_zero = 0, a_min = 0, b_min = 0;
    soci::indicator days_ind = soci::i_ok, share_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT decline_on_hold, decline_on_dunning_hold, check_limit, over_limit_review_bp, review_overdue_days,"
            " review_overdue_share_bp, review_grade_c, review_no_limit, reservation_days, weight_on_time,"
            " weight_days_late, weight_overdue, weight_volume, write_off_penalty, days_late_zero, grade_a_min,"
            " grade_b_min FROM credit_policy WHERE id = 1",
            p);
    q.into(hold).into(dunning).into(limit).into(band).into(days, days_ind).into(share, share_ind).into(grade)
        .into(no_limit).into(reserve).into(w_on_time).into(w_late).into(w_overdue).into(w_volume).into(penalty)
        .into(late_zero).into(a_min).into(b_min);
    if (!q.run()) throw DatabaseError("the credit policy is missing: run tallyman migrate");
    CreditPolicy c;
    c.decline_on_hold = hold != 0;
    c.decline_on_dunning_hold = dunning != 0;
    c.check_limit = limit != 0;
    c.over_limit_review_bp = static_cast<int>(band);
    c.review_overdue_days = days_ind == soci::i_ok ? std::optional<int>(static_cast<int>(days)) : std::nullopt;
    c.review_overdue_share_bp = share_ind == soci::i_ok ? std::optional<int>(static_cast<int>(share)) : std::nullopt;
    c.review_grade_c = grade != 0;
    c.review_no_limit = no_limit != 0;
    c.reservation_days = static_cast<int>(reserve);
    c.grading = GradingPolicy{static_cast<int>(w_on_time), static_cast<int>(w_late),   static_cast<int>(w_overdue),
                              static_cast<int>(w_volume),  static_cast<int>(penalty),  static_cast<int>(late_zero),
                              static_cast<int>(a_min),     static_cast<int>(b_min)};
    return c;
  });
}

PolicyChange SqlCredit::put_credit_policy(const Actor& actor, const CreditPolicy& policy) {
  if (credit_policy() == policy) return PolicyChange::unchanged;
  return write(db_, actor, "credit_policy.put", "credit_policy", "1", [&](LedgerStore&) {
    Params p;
    auto flag = [&](bool b) { return p.add(static_cast<long long>(b)); };
    auto opt = [&](const std::optional<int>& v) { return p.add(v ? std::optional<long long>(*v) : std::nullopt); };
    const GradingPolicy& g = policy.grading;
    const std::string sql = "UPDATE credit_policy SET decline_on_hold = " + flag(policy.decline_on_hold) +
                            ", decline_on_dunning_hold = " + flag(policy.decline_on_dunning_hold) +
                            ", check_limit = " + flag(policy.check_limit) +
                            ", over_limit_review_bp = " + p.add(static_cast<long long>(policy.over_limit_review_bp)) +
                            ", review_overdue_days = " + opt(policy.review_overdue_days) +
                            ", review_overdue_share_bp = " + opt(policy.review_overdue_share_bp) +
                            ", review_grade_c = " + flag(policy.review_grade_c) +
                            ", review_no_limit = " + flag(policy.review_no_limit) +
                            ", reservation_days = " + p.add(static_cast<long long>(policy.reservation_days)) +
                            ", weight_on_time = " + p.add(static_cast<long long>(g.weight_on_time)) +
                            ", weight_days_late = " + p.add(static_cast<long long>(g.weight_days_late)) +
                            ", weight_overdue = " + p.add(static_cast<long long>(g.weight_overdue)) +
                            ", weight_volume = " + p.add(static_cast<long long>(g.weight_volume)) +
                            ", write_off_penalty = " + p.add(static_cast<long long>(g.write_off_penalty)) +
                            ", days_late_zero = " + p.add(static_cast<long long>(g.days_late_zero)) +
                            ", grade_a_min = " + p.add(static_cast<long long>(g.grade_a_min)) +
                            ", grade_b_min = " + p.add(static_cast<long long>(g.grade_b_min)) + " WHERE id = 1";
    execute(db_, sql, p);
    return PolicyChange::changed;
  });
}

std::optional<StoredScore> SqlCredit::score(const std::string& customer) {
  return guarded([&]() -> std::optional<StoredScore> {
    Params p;
    std::string as_of, grade;
    long long v[12] = {};
    Query q(db_.session(),
            "SELECT as_of, score, grade, on_time_bp, on_time_points, average_days_late, days_late_points, overdue_bp,"
            " overdue_points, invoices, invoiced, volume_points, written_off, write_off_points FROM scores"
            " WHERE customer = " + p.add(customer),
            p);
    q.into(as_of).into(v[0]).into(grade);
    for (int k = 1; k < 12; ++k) q.into(v[k]);
    if (!q.run()) return std::nullopt;
    Score s;
    s.score = static_cast<int>(v[0]);
    s.grade = grade.empty() ? 'C' : grade[0];
    s.on_time_bp = static_cast<int>(v[1]);
    s.on_time_points = static_cast<int>(v[2]);
    s.average_days_late = static_cast<int>(v[3]);
    s.days_late_points = static_cast<int>(v[4]);
    s.overdue_bp = static_cast<int>(v[5]);
    s.overdue_points = static_cast<int>(v[6]);
    s.invoices = static_cast<int>(v[7]);
    s.invoiced = v[8];
    s.volume_points = static_cast<int>(v[9]);
    s.written_off = v[10] != 0;
    s.write_off_points = static_cast<int>(v[11]);
    return StoredScore{s, db_date(as_of)};
  });
}

Page<GradingRun> SqlCredit::grading_runs(const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string sql = "SELECT id, as_of, examined, graded, changed FROM grading_runs";
    if (!page.after.empty()) sql += " WHERE id < " + p.add(std::stoll(page.after));
    sql += " ORDER BY id DESC" + limit_clause(p, page);
    long long id = 0, examined = 0, graded = 0, changed = 0;
    std::string as_of;
    Query q(db_.session(), sql, p);
    q.into(id).into(as_of).into(examined).into(graded).into(changed);
    std::vector<GradingRun> out;
    if (q.run()) do {
        out.push_back({id, db_date(as_of), static_cast<int>(examined), static_cast<int>(graded), static_cast<int>(changed)});
      } while (q.fetch());
    return finish_page(std::move(out), page, [](const GradingRun& r) { return std::to_string(r.id); });
  });
}

}  // namespace tallyman::sql
