// Credit control in the database (contract §3): the customer's position read in one
// statement, the decision (core/credit.hpp), and reservations made atomically with it.
//
// Atomicity: a reserving check runs in a WriteTransaction that first locks the customer's
// row (SELECT ... FOR UPDATE on MySQL; SQLite's BEGIN IMMEDIATE admits one writer at a time),
// then reads the position, decides and inserts the reservation. Two checks for one customer,
// on any number of instances, therefore see each other's reservations: their sum never goes
// past the limit.
#include "core/check.hpp"
#include "core/wait.hpp"
#include "sql/audit.hpp"
#include "sql/books.hpp"
#include "sql/books_write.hpp"
#include "sql/prepared.hpp"
#include "sql/clock.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>

namespace tallyman::sql {

namespace {

// Runs f up to `attempts` times while its transaction is rolled back by a TransactionConflict
// (MySQL: a unique key taken meanwhile, or a deadlock); each run reads afresh.
template <class F>
auto rerun_on_conflict(std::size_t attempts, F&& f) -> decltype(f()) {
  for (std::size_t attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const TransactionConflict&) {
      if (attempt == attempts) throw;
    }
  }
}

}  // namespace

SqlBooks::PositionStatement& SqlBooks::position_statement() {
  if (!position_) position_ = std::make_unique<PositionStatement>(db_->session());
  return *position_;
}

CreditCheck SqlBooks::evaluate(const CreditCheckRequest& request, Date today) {
  CreditCheck check;
  check.request = request;
  try {
    PositionStatement& q = position_statement();
    if (!q.run(request.customer, request.order_ref, today)) {
      check.outcome = PostOutcome::unknown_customer;
      check.field = "customer";
      return check;
    }
    if (db_currency(q.currency) != request.currency) {
      check.outcome = PostOutcome::currency_mismatch;
      check.field = "currency";
      return check;
    }
    // The order_ref holds credit of another customer: until its hold ends, even past its last
    // day (the expiry job has yet to take it out of that customer's reserved credit).
    if (q.held_by_ind == soci::i_ok && q.held_by != request.customer) {
      check.outcome = PostOutcome::conflict;
      check.field = "order_ref";
      return check;
    }
    check.position = q.position(today);
    check.answer = decide_credit(q.policy(), check.position, request.amount);
    if (q.own_amount_ind == soci::i_ok)
      check.reservation = Reservation{request.order_ref, request.customer, q.own_amount, request.currency,
                                      db_date(q.own_expires), ReservationStatus::active};
    reservation_days_ = q.policy().reservation_days;
    own_held_ = value_or_zero(q.own_held, q.own_held_ind);
    return check;
  } catch (...) {
    position_.reset();
    throw;
  }
}

void SqlBooks::hold(const Actor& actor, CreditCheck& check, Date today, bool overridden, Batch& writes) {
  const CreditCheckRequest& r = check.request;
  const Date expires = today + date::days(reservation_days_);
  // What stood under this order_ref before makes way: this customer's hold of the same order
  // (replaced, never added to) or an ended one (released, consumed, expired). What the old row
  // still held leaves the projection, the new amount joins it. Another customer's active hold
  // stays: the check read none (evaluate), but on MySQL one may have been committed since by
  // a turn of that customer; then the INSERT fails (TransactionConflict) and the turn runs
  // again (run_turn), now finding it.
  Params del;
  std::string sql = "DELETE FROM reservations WHERE order_ref = " + del.add(r.order_ref) + " AND (customer = " +
                    del.add(r.customer) + " OR status <> 'active')";
  writes.add(std::move(sql), std::move(del));
  Params p;
  sql =
      "INSERT INTO reservations (order_ref, customer, amount, reserved_amount, currency, reserved_on, expires_on,"
      " status, reserved_by, recorded_at) VALUES (" + p.add(r.order_ref) + ", " + p.add(r.customer) + ", " +
      p.add(static_cast<long long>(r.amount)) + ", " + p.add(static_cast<long long>(r.amount)) + ", " +
      p.add(r.currency.str()) + ", " + p.add(format_date(today)) + ", " + p.add(format_date(expires)) +
      ", 'active', " + p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")";
  writes.add(std::move(sql), std::move(p));
  add_reserved(writes, r.customer, r.amount - own_held_);
  check.reservation = Reservation{r.order_ref, r.customer, r.amount, r.currency, expires, ReservationStatus::active};
  // Who made a hold is on its row (reserved_by); one a person forced is also in the audit trail.
  if (overridden) record_audit(*db_, actor, "reservation.override", "reservation", r.order_ref);
}

void SqlBooks::add_reserved(Batch& writes, const std::string& customer, std::int64_t delta) {
  if (delta == 0) return;
  Params p;
  std::string sql = "UPDATE customers SET reserved_amount = reserved_amount + " +
                    p.add(static_cast<long long>(delta)) + " WHERE id = " + p.add(customer);
  writes.add(std::move(sql), std::move(p));
}

void SqlBooks::keep_for_override(const CreditCheck& check, Batch& writes) {
  const CreditCheckRequest& r = check.request;
  std::string reasons;
  for (CreditReason reason : check.answer.reasons) {
    if (!reasons.empty()) reasons += ',';
    reasons += to_string(reason);
  }
  Params del;
  std::string sql = "DELETE FROM credit_checks WHERE order_ref = " + del.add(r.order_ref);
  writes.add(std::move(sql), std::move(del));
  Params p;
  sql = "INSERT INTO credit_checks (order_ref, customer, amount, currency, decision, reasons, checked_at) VALUES (" +
        p.add(r.order_ref) + ", " + p.add(r.customer) + ", " + p.add(static_cast<long long>(r.amount)) + ", " +
        p.add(r.currency.str()) + ", " + p.add(std::string(to_string(check.answer.decision))) + ", " +
        p.add(reasons) + ", " + p.add(utc_timestamp()) + ")";
  writes.add(std::move(sql), std::move(p));
}

namespace {

// Credit checks that arrive while others like them are at the database wait, and go
// together in the next turn, which one of them runs for all on its own connection.
//  - Checks that write (a reservation, or a check kept for override) take turns per customer:
//    a turn is one transaction under one lock of the customer's row. Each is still decided
//    alone, in arrival order, on its position as the holds of those before it left it
//    (run_turn); what a turn saves is a transaction per check (on MariaDB the START
//    TRANSACTION with the lock, and the COMMIT) and, on MariaDB, a round trip and a read of
//    the position per check. Across processes the row lock (or SQLite's write lock) still
//    orders the turns. One customer's reserving checks from 32 connections ran at ~1,100/s on
//    MariaDB one transaction each.
//  - On MySQL, checks that only read take turns all together, whatever their customers (keyed
//    by the day they are checked as), each read through the binary protocol. Over HTTP most
//    such checks come read ahead with their round of I/O instead (read_ahead); the turns
//    take those that were not (one handed back to a worker, or a caller outside a round).
// (docs/performance.md has the figures.)
class Turns {
 public:
  struct Waiting : TurnCheck {
    std::exception_ptr error;
    bool done = false;  // result or error is set
    bool lead = false;  // runs the next turn
    std::condition_variable woken;  // each its own: a turn ending wakes only whom it concerns
  };
  using Run = std::function<void(const std::vector<TurnCheck*>&)>;

  // Queues the check under `key`: runs the turn it leads (`run` for all of it; what that
  // throws is every check's error), or waits for the thread that runs the one it is in.
  CreditCheck take(const std::string& key, const Actor& actor, const CreditCheckRequest& request, const Run& run) {
    refuse_to_wait();  // before queueing: a WouldWait inside a turn would fail the others in it
    Waiting me;
    me.actor = &actor;
    me.request = &request;
    const std::vector<Waiting*> turn = enter(key, me);
    if (!turn.empty()) {
      try {
        run(std::vector<TurnCheck*>(turn.begin(), turn.end()));
      } catch (...) {
        for (Waiting* w : turn) w->error = std::current_exception();
      }
      leave(key, turn);
    }
    if (me.error) std::rethrow_exception(me.error);
    return std::move(me.result);
  }

 private:
  // Returns the turn to run (me first), or none when another thread ran it.
  std::vector<Waiting*> enter(const std::string& key, Waiting& me) {
    std::unique_lock lock(mutex_);
    queued_[key].push_back(&me);
    if (running_.contains(key)) {
      const WaitScope waiting;  // the pool may run another request meanwhile
      me.woken.wait(lock, [&] { return me.done || me.lead; });
    }
    if (me.done) return {};
    running_.insert(key);
    std::vector<Waiting*> turn;
    std::deque<Waiting*>& queue = queued_[key];
    while (!queue.empty() && turn.size() < turn_max) {
      turn.push_back(queue.front());
      queue.pop_front();
    }
    return turn;
  }

  // The turn ran (each result or error set): its checks return, the next turn may start.
  void leave(const std::string& key, const std::vector<Waiting*>& turn) {
    std::lock_guard lock(mutex_);
    for (Waiting* w : turn) {
      w->done = true;
      w->woken.notify_one();
    }
    auto queue = queued_.find(key);
    if (queue->second.empty()) {
      queued_.erase(queue);
      running_.erase(key);
    } else {
      queue->second.front()->lead = true;
      queue->second.front()->woken.notify_one();
    }
  }

  static constexpr std::size_t turn_max = 64;
  std::mutex mutex_;
  std::map<std::string, std::deque<Waiting*>> queued_;  // by key, in arrival order
  std::set<std::string> running_;                       // keys with a turn under way
};

// The turns of one database, shared by the service's workers.
struct DatabaseTurns {
  Turns writes;  // by customer
  Turns reads;   // by the day checked as: a turn reads as of one day

  static DatabaseTurns& of(const std::string& database) {  // by its URL
    static std::mutex guard;
    static std::map<std::string, std::unique_ptr<DatabaseTurns>> by_database;
    std::lock_guard lock(guard);
    auto& turns = by_database[database];
    if (!turns) turns = std::make_unique<DatabaseTurns>();
    return *turns;
  }
};

}  // namespace

CreditCheck SqlBooks::check_credit(const Actor& actor, const CreditCheckRequest& request, Date today) {
  DatabaseTurns& turns = DatabaseTurns::of(db_->display());
  // A turn's failure may leave the connection without its prepared statement: prepared
  // afresh next time.
  auto run = [&](auto member) -> Turns::Run {
    return [this, member, today](const std::vector<TurnCheck*>& turn) {
      try {
        guarded([&] { (this->*member)(turn, today); });
      } catch (...) {
        position_.reset();
        throw;
      }
    };
  };
  // The common case reads only: a check without reservation that is approved.
  if (!request.reserve) {
    auto ahead = std::find_if(ahead_.begin(), ahead_.end(),
                              [&](const Ahead& a) { return a.today == today && a.request == request; });
    CreditCheck check;
    if (ahead != ahead_.end()) {
      check = std::move(ahead->check);
      ahead_.erase(ahead);
    } else {
      check = db_->dialect() == Dialect::mysql
                  ? turns.reads.take(format_date(today), actor, request, run(&SqlBooks::run_reads))
                  : guarded([&] { return evaluate(request, today); });
    }
    if (check.outcome != PostOutcome::created || check.answer.decision == CreditDecision::approved) return check;
  }
  return turns.writes.take(request.customer, actor, request, run(&SqlBooks::run_turn));
}

namespace {
std::atomic<std::uint64_t> checks_read_together_count{0};
std::atomic<std::uint64_t> write_turns_run{0};
std::atomic<std::uint64_t> write_turn_checks{0};
}  // namespace

std::uint64_t SqlBooks::checks_read_together() { return checks_read_together_count.load(); }

SqlBooks::TurnCount SqlBooks::write_turns() { return {write_turns_run.load(), write_turn_checks.load()}; }

// Checks that only read, on MySQL: each through the binary protocol, one after the other.
void SqlBooks::run_reads(const std::vector<TurnCheck*>& turn, Date today) {
  for (TurnCheck* check : turn) check->result = evaluate(*check->request, today);
  checks_read_together_count += turn.size();
}

void SqlBooks::read_ahead(const std::vector<CreditCheckRequest>& checks, Date today) {
  std::vector<TurnCheck> turn(checks.size());
  std::vector<TurnCheck*> all;
  for (std::size_t k = 0; k < checks.size(); ++k) {
    turn[k].request = &checks[k];
    all.push_back(&turn[k]);
  }
  try {
    guarded([&] { run_reads(all, today); });
  } catch (...) {
    position_.reset();  // as after a failed turn: prepared afresh next time
    throw;
  }
  for (std::size_t k = 0; k < checks.size(); ++k) ahead_.push_back({checks[k], today, std::move(turn[k].result)});
}

// One transaction for the turn's checks (all of one customer), each decided in arrival order
// on its position read afresh after the writes of the one before.
void SqlBooks::run_turn(const std::vector<TurnCheck*>& turn, Date today) {
  // MySQL: a hold that lost the race for its order_ref to another customer's turn (hold()),
  // or a deadlock between two such turns, rolls the turn back. Run again, it reads the other's
  // hold and answers that check 409 with no write; so each time it fails one more of its
  // checks stops writing, and it cannot fail more times than it has checks, but for deadlocks.
  rerun_on_conflict(turn.size() + 2, [&] { run_turn_once(turn, today); });
}

void SqlBooks::run_turn_once(const std::vector<TurnCheck*>& turn, Date today) {
  WriteTransaction tx(*db_);
  LedgerStore(*db_).lock_customers({turn.front()->request->customer});
  Batch writes;
  for (TurnCheck* waiting : turn) {
    const CreditCheckRequest& request = *waiting->request;
    CreditCheck check = evaluate(request, today);
    if (check.outcome == PostOutcome::created) {
      if (check.answer.decision != CreditDecision::approved) keep_for_override(check, writes);
      else if (request.reserve) hold(*waiting->actor, check, today, false, writes);
    }
    waiting->result = std::move(check);
    writes.run(*db_);  // the next one reads what these wrote
  }
  tx.commit();
  ++write_turns_run;
  write_turn_checks += turn.size();
}

CreditCheck SqlBooks::override_check(const Actor& actor, const std::string& order_ref, const std::string& reason,
                                     bool reserve, Date today) {
  // MySQL: as in run_turn (and as often as a turn of one check), a hold that lost its
  // order_ref to another customer meanwhile rolls back; run again, the override finds that
  // hold and answers 409.
  return rerun_on_conflict(3, [&] { return override_once(actor, order_ref, reason, reserve, today); });
}

CreditCheck SqlBooks::override_once(const Actor& actor, const std::string& order_ref, const std::string& reason,
                                    bool reserve, Date today) {
  return guarded([&] {
    WriteTransaction tx(*db_);
    CreditCheckRequest request;
    std::string decision, overridden_by;
    {
      Params p;
      std::string customer, currency;
      long long amount = 0;
      soci::indicator by_ind = soci::i_ok;
      Query q(db_->session(),
              "SELECT customer, amount, currency, decision, overridden_by FROM credit_checks WHERE order_ref = " +
                  p.add(order_ref),
              p);
      q.into(customer).into(amount).into(currency).into(decision).into(overridden_by, by_ind);
      if (!q.run()) return CreditCheck{PostOutcome::not_found, "order_ref", {}, {}, {}, {}};
      request = CreditCheckRequest{customer, order_ref, amount, db_currency(currency), reserve};
      if (by_ind == soci::i_ok) return CreditCheck{PostOutcome::already_decided, "order_ref", request, {}, {}, {}};
    }
    LedgerStore(*db_).lock_customers({request.customer});
    CreditCheck check = evaluate(request, today);
    if (check.outcome != PostOutcome::created) return check;
    check.answer.decision = CreditDecision::approved;  // a person decided; the reasons stay, for the record
    Batch writes;
    if (reserve) hold(actor, check, today, true, writes);
    Params p;
    std::string sql = "UPDATE credit_checks SET overridden_by = " + p.add(actor.name) +
                      ", override_reason = " + p.add(reason) + " WHERE order_ref = " + p.add(order_ref);
    writes.add(std::move(sql), std::move(p));
    record_audit(*db_, actor, "credit_check.override", "credit_check", order_ref);
    tx.commit(writes);
    return check;
  });
}

PostResult SqlBooks::release_reservation(const Actor& actor, const std::string& order_ref) {
  return write(actor, "reservation.release", "reservation", order_ref, [&](LedgerStore&) -> PostResult {
    auto found = reservation(order_ref);
    if (!found) return {PostOutcome::not_found, "order_ref"};
    if (found->status == ReservationStatus::released) return {PostOutcome::replayed, ""};
    if (found->status != ReservationStatus::active) return {PostOutcome::already_decided, "order_ref"};
    Batch writes;
    Params p;
    std::string sql = "UPDATE reservations SET status = 'released', amount = 0 WHERE order_ref = " + p.add(order_ref);
    writes.add(std::move(sql), std::move(p));
    add_reserved(writes, found->customer, -found->amount);
    writes.run(*db_);
    return {PostOutcome::updated, ""};
  });
}

std::optional<Reservation> SqlBooks::reservation(const std::string& order_ref) {
  return guarded([&]() -> std::optional<Reservation> {
    Params p;
    std::string customer, currency, expires, status;
    long long amount = 0;
    Query q(db_->session(),
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

std::size_t SqlBooks::expire_reservations(Date today) {
  return guarded([&] {
    WriteTransaction tx(*db_);
    const std::string day = format_date(today);
    // What they held leaves the customers' projections first.
    Params p;
    const std::string d1 = p.add(day), d2 = p.add(day);
    execute(*db_,
            "UPDATE customers SET reserved_amount = reserved_amount - (SELECT COALESCE(SUM(r.amount), 0)"
            " FROM reservations r WHERE r.customer = customers.id AND r.status = 'active' AND r.expires_on < " + d1 +
                ") WHERE id IN (SELECT customer FROM reservations WHERE status = 'active' AND expires_on < " + d2 + ")",
            p);
    soci::statement st = (db_->session().prepare << "UPDATE reservations SET status = 'expired', amount = 0"
                                                    " WHERE status = 'active' AND expires_on < :today",
                          soci::use(day));
    st.execute(true);
    const long long n = st.get_affected_rows();
    tx.commit();
    return static_cast<std::size_t>(n);
  });
}

CreditPolicy SqlBooks::credit_policy() {
  return guarded([&] {
    Params p;
    long long hold = 0, dunning = 0, limit = 0, band = 0, days = 0, share = 0, grade = 0, no_limit = 0, reserve = 0;
    long long w_on_time = 0, w_late = 0, w_overdue = 0, w_volume = 0, penalty = 0, late_zero = 0, a_min = 0, b_min = 0;
    soci::indicator days_ind = soci::i_ok, share_ind = soci::i_ok;
    Query q(db_->session(),
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

PostResult SqlBooks::put_credit_policy(const Actor& actor, const CreditPolicy& policy) {
  const CreditPolicy before = credit_policy();
  if (before == policy) return {PostOutcome::replayed, ""};
  return write(actor, "credit_policy.put", "credit_policy", "1", [&](LedgerStore&) -> PostResult {
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
    execute(*db_, sql, p);
    return {PostOutcome::updated, ""};
  });
}

}  // namespace tallyman::sql
