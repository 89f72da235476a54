// Credit control in the database (contract §3): a batch of checks' positions read in two
// statements, decided in core (core/credit_batch.hpp), and the holds written in one
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
#include "sql/credit_books.hpp"
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
    Params i;
    std::string rows;
    for (const HoldWrite& h : batch.holds) {
      const Reservation& r = h.reservation;
      const auto amount = static_cast<long long>(r.amount);
      rows += (rows.empty() ? "(" : ", (") + i.add(r.order_ref) + ", " + i.add(r.customer) + ", " + i.add(amount) + ", " +
              i.add(amount) + ", " + i.add(r.currency.str()) + ", " + i.add(format_date(today)) + ", " +
              i.add(format_date(r.expires)) + ", 'active', " + i.add(h.reserved_by) + ", " + i.add(now) + ")";
    }
    execute(db,
            "INSERT INTO reservations (order_ref, customer, amount, reserved_amount, currency, reserved_on, expires_on,"
            " status, reserved_by, recorded_at) VALUES " + rows,
            i);
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
    Params i;
    std::vector<std::string> orders;
    std::string rows;
    for (const KeptCheck& k : batch.kept) {
      orders.push_back(k.request.order_ref);
      std::string reasons;
      for (CreditReason reason : k.reasons) {
        if (!reasons.empty()) reasons += ',';
        reasons += to_string(reason);
      }
      rows += rows.empty() ? "(" : ", (";
      rows += i.add(k.request.order_ref) + ", " + i.add(k.request.customer) + ", " +
              i.add(static_cast<long long>(k.request.amount)) + ", " + i.add(k.request.currency.str()) + ", " +
              i.add(std::string(to_string(k.decision))) + ", " + i.add(reasons) + ", " + i.add(now) + ")";
    }
    execute(db, "DELETE FROM credit_checks WHERE order_ref IN (" + placeholders(p, orders) + ")", p);
    execute(db,
            "INSERT INTO credit_checks (order_ref, customer, amount, currency, decision, reasons, checked_at) VALUES " +
                rows,
            i);
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

namespace {

std::vector<Reservation> read_reservations(Database& db, const std::string& where, Params& p) {
  std::string order_ref, customer, currency, expires, status;
  long long amount = 0;
  Query q(db.session(),
          "SELECT order_ref, customer, amount, currency, expires_on, status FROM reservations " + where, p);
  q.into(order_ref).into(customer).into(amount).into(currency).into(expires).into(status);
  std::vector<Reservation> out;
  if (q.run()) do {
      Reservation r{order_ref, customer, amount, db_currency(currency), db_date(expires), ReservationStatus::active};
      for (ReservationStatus s : {ReservationStatus::active, ReservationStatus::consumed, ReservationStatus::released,
                                  ReservationStatus::expired})
        if (to_string(s) == status) r.status = s;
      out.push_back(std::move(r));
    } while (q.fetch());
  return out;
}

}  // namespace

std::optional<Reservation> SqlCredit::reservation(const std::string& order_ref) {
  return guarded([&]() -> std::optional<Reservation> {
    Params p;
    std::vector<Reservation> found = read_reservations(db_, "WHERE order_ref = " + p.add(order_ref), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

std::vector<Reservation> SqlCredit::reservations(const std::string& customer,
                                                 const std::optional<ReservationStatus>& status) {
  return guarded([&] {
    Params p;
    std::string where = "WHERE customer = " + p.add(customer);
    if (status) where += " AND status = " + p.add(std::string(to_string(*status)));
    return read_reservations(db_, where + " ORDER BY expires_on DESC, order_ref LIMIT 1000", p);
  });
}

Page<RefusedCheck> SqlCredit::refused_checks(bool waiting_only, const PageRequest& page) {
  return guarded([&] {
    // Newest first by the time checked, then by order; the page continues after a number of rows.
    Params p;
    const std::string where = waiting_only ? " WHERE overridden_by IS NULL" : "";
    const long long offset = page.after.empty() ? 0 : std::stoll(page.after);
    std::string order_ref, customer, currency, decision, reasons, checked_at, by, why;
    long long amount = 0;
    soci::indicator by_ind = soci::i_ok, why_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT order_ref, customer, amount, currency, decision, reasons, checked_at, overridden_by, override_reason"
            " FROM credit_checks" + where + " ORDER BY checked_at DESC, order_ref" + limit_clause(p, page) +
                " OFFSET " + p.add(offset),
            p);
    q.into(order_ref).into(customer).into(amount).into(currency).into(decision).into(reasons).into(checked_at)
        .into(by, by_ind).into(why, why_ind);
    std::vector<RefusedCheck> out;
    if (q.run()) do {
        RefusedCheck c{order_ref, customer, amount, db_currency(currency), decision, {}, checked_at,
                       by_ind == soci::i_ok ? std::optional(by) : std::nullopt,
                       why_ind == soci::i_ok ? std::optional(why) : std::nullopt};
        for (std::size_t at = 0; at < reasons.size();) {
          std::size_t end = reasons.find(',', at);
          if (end == std::string::npos) end = reasons.size();
          c.reasons.push_back(reasons.substr(at, end - at));
          at = end + 1;
        }
        out.push_back(std::move(c));
      } while (q.fetch());
    return finish_page(std::move(out), page,
                       [&](const RefusedCheck&) { return std::to_string(offset + static_cast<long long>(page.limit)); });
  });
}

}  // namespace tallyman::sql
