// Credit control in the database (contract §3): a batch of checks' positions read in one
// statement, decided in core (core/credit_batch.hpp), and the holds written in one
// transaction under the customers' row locks.
//
// Atomicity: the checks that write go through lock, read, decide, write and commit in one
// transaction (SQLite's BEGIN IMMEDIATE admits one writer; MariaDB's SELECT ... FOR UPDATE
// locks the customers' rows). Every hold moves customers.reserved_amount, so on a Galera
// cluster, where a row lock is its node's alone, two holds of one customer made at once on
// two nodes conflict at commit (certification): the loser's transaction is rolled back
// (TransactionConflict) and the batch runs again, reading afresh. Approved holds never pass
// the limit, however many instances check at once, on however many nodes.
#include "core/check.hpp"
#include "audit.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

namespace tallyman::sql {

namespace {

// The position of every check's customer, and of its order's hold, with the credit policy, in
// two statements, the same on both databases: one row per customer (however many of its checks
// the batch has: a desk's batch is often one customer's), one per order held.
std::vector<std::optional<StoredPosition>> read_positions(Database& db, const std::vector<CreditCheckInput>& checks,
                                                          Date today, CreditPolicy& policy) {
  std::set<std::string> customers, orders;
  for (const CreditCheckInput& c : checks) {
    customers.insert(c.request.customer);
    orders.insert(c.request.order_ref);
  }
  const std::string day = format_date(today);
  Params p;
  // Each sum reads one customer's range of its index (invoices_customer_due, payments_ and
  // credit_notes_customer_unapplied, reservations_customer).
  const std::string sql =
      "SELECT c.id, c.currency, c.credit_limit, c.grade, c.on_hold, c.dunning_hold, c.reserved_amount,"
      " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0),"
      " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0 AND i.due_date < " +
      p.add(day) + "),"
      " (SELECT MIN(i.due_date) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0 AND i.due_date < " +
      p.add(day) + "),"
      " (SELECT SUM(pa.unapplied_amount) FROM payments pa WHERE pa.customer = c.id AND pa.unapplied_amount > 0),"
      " (SELECT SUM(cn.unapplied_amount) FROM credit_notes cn WHERE cn.customer = c.id AND cn.unapplied_amount > 0),"
      // Holds past their last day that the expiry job has not marked yet: in the projection,
      // but they no longer count.
      " (SELECT SUM(r.amount) FROM reservations r WHERE r.customer = c.id AND r.status = 'active' AND r.expires_on < " +
      p.add(day) + "),"
      " pol.decline_on_hold, pol.decline_on_dunning_hold, pol.check_limit, pol.over_limit_review_bp,"
      " pol.review_overdue_days, pol.review_overdue_share_bp, pol.review_grade_c, pol.review_no_limit,"
      " pol.reservation_days"
      " FROM customers c CROSS JOIN credit_policy pol WHERE c.id IN (" + placeholders(p, customers) + ") AND pol.id = 1";
  constexpr std::size_t columns = 22;
  std::map<std::string, StoredPosition> by_customer;
  for (const TextRow& row : text_rows(db, sql, p, columns)) {
    std::size_t c = 0;
    const auto text = [&] { return row[c++]; };
    const auto number = [&]() -> std::optional<long long> {
      const std::optional<std::string>& v = row[c++];
      return v ? std::optional(std::stoll(*v)) : std::nullopt;
    };
    const auto flag = [&] { return number().value_or(0) != 0; };
    StoredPosition& s = by_customer[text().value_or("")];
    CreditPosition& pos = s.position;
    s.currency = db_currency(text().value_or(""));
    pos.limit = number();
    if (auto grade = text(); grade && !grade->empty()) pos.grade = (*grade)[0];
    pos.on_hold = flag();
    pos.dunning_hold = flag();
    s.reserved_projection = number().value_or(0);
    pos.open = number().value_or(0);
    pos.overdue = number().value_or(0);
    if (auto oldest = text()) pos.max_days_overdue = static_cast<int>((today - db_date(*oldest)).count());
    pos.unapplied = number().value_or(0);
    pos.unapplied += number().value_or(0);
    pos.reserved = s.reserved_projection - number().value_or(0);
    policy.decline_on_hold = flag();
    policy.decline_on_dunning_hold = flag();
    policy.check_limit = flag();
    policy.over_limit_review_bp = static_cast<int>(number().value_or(0));
    auto as_int = [](std::optional<long long> v) { return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt; };
    policy.review_overdue_days = as_int(number());
    policy.review_overdue_share_bp = as_int(number());
    policy.review_grade_c = flag();
    policy.review_no_limit = flag();
    policy.reservation_days = static_cast<int>(number().value_or(0));
    TM_ASSERT(c == columns);
  }
  // By the primary key alone: with `status = 'active'` beside it SQLite may choose the status
  // index and read every active hold.
  Params h;
  std::map<std::string, StoredPosition::Hold> holds;  // by order_ref
  for (const TextRow& row : text_rows(db,
                                      "SELECT order_ref, customer, amount, expires_on, status FROM reservations"
                                      " WHERE order_ref IN (" + placeholders(h, orders) + ")",
                                      h, 5))
    if (row[4] == "active")
      holds[row[0].value_or("")] = {row[1].value_or(""), std::stoll(row[2].value_or("0")), db_date(row[3].value_or(""))};
  std::vector<std::optional<StoredPosition>> out;
  for (const CreditCheckInput& c : checks) {
    auto found = by_customer.find(c.request.customer);
    if (found == by_customer.end()) {
      out.emplace_back();
      continue;
    }
    StoredPosition s = found->second;
    if (auto hold = holds.find(c.request.order_ref); hold != holds.end()) s.order_hold = hold->second;
    out.push_back(std::move(s));
  }
  return out;
}

// Writes what a batch decided: each order's hold in place of its stored one (this customer's,
// or an ended one: another customer's active hold stays, and on MySQL, committed meanwhile,
// fails the INSERT on its key: TransactionConflict), the customers' reserved_amount moved by
// as much, the checks kept for an override. Then asserts that the projection is what core
// computed: nothing else may move it while the rows are locked.
void write_batch(Database& db, const CreditBatch& batch, const std::map<std::string, std::int64_t>& projection_before,
                 Date today) {
  const std::string now = utc_timestamp();
  if (!batch.holds.empty()) {
    Params p;
    std::string which;
    for (const HoldWrite& h : batch.holds)
      which += (which.empty() ? "" : " OR ") + std::string("(order_ref = ") + p.add(h.reservation.order_ref) +
               " AND (customer = " + p.add(h.reservation.customer) + " OR status <> 'active'))";
    execute(db, "DELETE FROM reservations WHERE " + which, p);
    std::vector<std::vector<Cell>> rows;
    for (const HoldWrite& h : batch.holds) {
      const Reservation& r = h.reservation;
      rows.push_back({r.order_ref, r.customer, static_cast<long long>(r.amount), static_cast<long long>(r.amount),
                      r.currency.str(), format_date(today), format_date(r.expires),
                      std::string("active"), h.reserved_by, now});
    }
    insert_rows(db.session(),
                "INSERT INTO reservations (order_ref, customer, amount, reserved_amount, currency, reserved_on,"
                " expires_on, status, reserved_by, recorded_at)",
                rows);
    Params u;
    std::string cases, ids;
    for (const auto& [customer, after] : batch.projection_after) {
      cases += " WHEN " + u.add(customer) + " THEN " + u.add(static_cast<long long>(after - projection_before.at(customer)));
      ids += (ids.empty() ? "" : ", ") + u.add(customer);
    }
    execute(db, "UPDATE customers SET reserved_amount = reserved_amount + CASE id" + cases + " END WHERE id IN (" + ids + ")",
            u);
    Params r;
    std::vector<std::string> held;
    for (const auto& [customer, after] : batch.projection_after) held.push_back(customer);
    std::string id;
    long long projection = 0;
    Query q(db.session(), "SELECT id, reserved_amount FROM customers WHERE id IN (" + placeholders(r, held) + ")", r);
    q.into(id).into(projection);
    if (q.run()) do {
        TM_ASSERT(projection == batch.projection_after.at(id));
      } while (q.fetch());
  }
  if (!batch.kept.empty()) {
    Params p;
    std::vector<std::string> orders;
    std::vector<std::vector<Cell>> rows;
    for (const KeptCheck& k : batch.kept) {
      orders.push_back(k.request.order_ref);
      std::string reasons;
      for (CreditReason reason : k.reasons) reasons += (reasons.empty() ? "" : ",") + std::string(to_string(reason));
      rows.push_back({k.request.order_ref, k.request.customer, static_cast<long long>(k.request.amount),
                      k.request.currency.str(), std::string(to_string(k.decision)), reasons, now});
    }
    execute(db, "DELETE FROM credit_checks WHERE order_ref IN (" + placeholders(p, orders) + ")", p);
    insert_rows(db.session(),
                "INSERT INTO credit_checks (order_ref, customer, amount, currency, decision, reasons, checked_at)",
                rows);
  }
}


// The checks of `all` that a write phase decides again: those of the customers whose checks
// wrote, and those of orders they held (whose answers may turn on those holds).
std::vector<std::size_t> writing_checks(const std::vector<CreditCheckInput>& all, const CreditBatch& read) {
  std::set<std::string> customers, orders;
  for (const HoldWrite& h : read.holds) {
    customers.insert(h.reservation.customer);
    orders.insert(h.reservation.order_ref);
  }
  for (const KeptCheck& k : read.kept) customers.insert(k.request.customer);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (customers.contains(all[k].request.customer) || orders.contains(all[k].request.order_ref)) out.push_back(k);
  return out;
}

// The reserved_amount projection of each customer as read, for the customers a batch holds for.
std::map<std::string, std::int64_t> projections(const std::vector<std::optional<StoredPosition>>& positions,
                                                const std::vector<CreditCheckInput>& checks) {
  std::map<std::string, std::int64_t> out;
  for (std::size_t k = 0; k < checks.size(); ++k)
    if (positions[k]) out[checks[k].request.customer] = positions[k]->reserved_projection;
  return out;
}

}  // namespace

// Locks the checks' customers, reads their positions, decides, writes, commits: the write phase
// of a batch, and of an override. Runs again, reading afresh, while another transaction takes
// what it needs (TransactionConflict), up to credit_batch_attempts_max times.
CreditBatch SqlCredit::decide_and_write(const std::vector<CreditCheckInput>& checks, Date today, int& reruns,
                                       const std::function<void(const CreditBatch&)>& also) {
  std::set<std::string> customers;
  for (const CreditCheckInput& c : checks) customers.insert(c.request.customer);
  for (int attempt = 1;; ++attempt) {
    try {
      return guarded([&] {
        WriteTransaction tx(db_);
        LedgerStore(db_).lock_customers(customers);
        CreditPolicy policy;
        const auto positions = read_positions(db_, checks, today, policy);
        CreditBatch batch = decide_credit_batch(policy, checks, positions, today);
        write_batch(db_, batch, projections(positions, checks), today);
        if (also) also(batch);
        tx.commit();
        return batch;
      });
    } catch (const TransactionConflict&) {
      if (attempt == credit_batch_attempts_max) throw;
      ++reruns;
      // A random pause before the next attempt, longer each time, so that instances that keep
      // taking the same rows from one another (a cluster's nodes checking one customer) fall
      // out of step.
      const int most_ms = std::min(1 << attempt, credit_batch_backoff_ms_max);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(0, most_ms)(random_)));
    }
  }
}

CreditAnswers SqlCredit::check_credits(const std::vector<CreditCheckInput>& checks, Date today) {
  CreditAnswers answers;
  if (checks.empty()) return answers;
  // Most checks only read: decided from one read, they are answered with no transaction.
  CreditBatch read = guarded([&] {
    CreditPolicy policy;
    const auto positions = read_positions(db_, checks, today, policy);
    return decide_credit_batch(policy, checks, positions, today);
  });
  answers.checks = std::move(read.checks);
  if (!read.writes()) return answers;
  // Those that write are decided again under their customers' locks, and their answers are
  // those of that decision.
  const std::vector<std::size_t> again = writing_checks(checks, read);
  std::vector<CreditCheckInput> subset;
  for (std::size_t k : again) subset.push_back(checks[k]);
  CreditBatch written = decide_and_write(subset, today, answers.reruns, nullptr);
  for (std::size_t j = 0; j < again.size(); ++j) answers.checks[again[j]] = std::move(written.checks[j]);
  return answers;
}

CreditCheck SqlCredit::override_check(const Actor& actor, const std::string& order_ref, const std::string& reason,
                                     bool reserve, Date today) {
  CreditCheckInput input{{"", order_ref, 0, Currency{}, reserve}, actor.name, true};
  {
    // The order's last check, kept because it ended in review or declined.
    const std::optional<CreditCheck> refused = guarded([&]() -> std::optional<CreditCheck> {
      Params p;
      std::string customer, currency, decision;
      long long amount = 0;
      std::string by;
      soci::indicator by_ind = soci::i_ok;
      Query q(db_.session(),
              "SELECT customer, amount, currency, decision, overridden_by FROM credit_checks WHERE order_ref = " +
                  p.add(order_ref),
              p);
      q.into(customer).into(amount).into(currency).into(decision).into(by, by_ind);
      if (!q.run()) return CreditCheck{CreditOutcome::no_check, input.request, {}, {}, std::nullopt};
      input.request = CreditCheckRequest{customer, order_ref, amount, db_currency(currency), reserve};
      if (by_ind == soci::i_ok) return CreditCheck{CreditOutcome::overridden_already, input.request, {}, {}, std::nullopt};
      return std::nullopt;
    });
    if (refused) return *refused;
  }
  int reruns = 0;
  const CreditBatch batch = decide_and_write({input}, today, reruns, [&](const CreditBatch& b) {
    if (b.checks.front().outcome != CreditOutcome::decided) return;
    Params p;
    execute(db_,
            "UPDATE credit_checks SET overridden_by = " + p.add(actor.name) + ", override_reason = " + p.add(reason) +
                " WHERE order_ref = " + p.add(order_ref),
            p);
    record_audit(db_, actor, "credit_check.override", "credit_check", order_ref);
    if (!b.holds.empty()) record_audit(db_, actor, "reservation.override", "reservation", order_ref);
  });
  return batch.checks.front();
}

ReleaseOutcome SqlCredit::release_reservation(const Actor& actor, const std::string& order_ref) {
  return write(db_, actor, "reservation.release", "reservation", order_ref, [&](LedgerStore& store) {
    auto found = reservation(order_ref);
    if (!found) return ReleaseOutcome::no_reservation;
    if (found->status == ReservationStatus::released) return ReleaseOutcome::released_already;
    if (found->status != ReservationStatus::active) return ReleaseOutcome::ended;
    store.lock_customers({found->customer});  // then read again: what it holds now
    found = reservation(order_ref);
    if (found->status != ReservationStatus::active) return ReleaseOutcome::ended;
    Params p;
    execute(db_, "UPDATE reservations SET status = 'released', amount = 0 WHERE order_ref = " + p.add(order_ref), p);
    Params u;
    execute(db_,
            "UPDATE customers SET reserved_amount = reserved_amount - " + u.add(static_cast<long long>(found->amount)) +
                " WHERE id = " + u.add(found->customer),
            u);
    return ReleaseOutcome::released;
  });
}

std::optional<Reservation> SqlCredit::reservation(const std::string& order_ref) {
  return guarded([&]() -> std::optional<Reservation> {
    Params p;
    std::string customer, currency, expires, status;
    long long amount = 0;
    Query q(db_.session(),
            "SELECT customer, amount, currency, expires_on, status FROM reservations WHERE order_ref = " +
                p.add(order_ref),
            p);
    q.into(customer).into(amount).into(currency).into(expires).into(status);
    if (!q.run()) return std::nullopt;
    Reservation r{order_ref, customer, amount, db_currency(currency), db_date(expires), ReservationStatus::active};
    for (ReservationStatus s : {ReservationStatus::active, ReservationStatus::consumed, ReservationStatus::released,
                                ReservationStatus::expired})
      if (to_string(s) == status) r.status = s;
    return r;
  });
}

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

}  // namespace tallyman::sql
