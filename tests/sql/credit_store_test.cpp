// Reservations in the books (sql/books_credit.cpp) where dates matter: they hold until their
// last day, then count no more, and the expiry job marks them.
#include "sql/books.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>
#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

// One check, as a batch of one.
CreditCheck check_one(sql::SqlBooks& books, const Actor& actor, const CreditCheckRequest& request, Date today) {
  return books.credit().check_credits({{request, actor.name, false}}, today).checks.front();
}

}  // namespace

TEST_CASE("reservations: a hold lasts the policy's days, then expires and counts no more", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::SqlBooks books(t.connect());
  const Actor sales{"s", Role::sales, "r1", "{}"};
  Customer c{"C-1", "One", *parse_currency("EUR"), 10000, "NET30", std::nullopt, std::nullopt, false, {}};
  REQUIRE(books.ledger().post_customer(sales, c).outcome == LedgerOutcome::created);
  CreditPolicy policy = books.credit().credit_policy();
  policy.reservation_days = 10;
  REQUIRE(books.credit().put_credit_policy(sales, policy) == PolicyChange::changed);

  const CreditCheckRequest order{"C-1", "SO-1", 6000, *parse_currency("EUR"), true};
  CreditCheck first = check_one(books, sales, order, d("2026-03-01"));
  REQUIRE(first.answer.decision == CreditDecision::approved);
  REQUIRE(first.reservation);
  CHECK(first.reservation->expires == d("2026-03-11"));
  const CreditCheckRequest second{"C-1", "SO-2", 6000, *parse_currency("EUR"), true};
  // On its last day the hold still counts: the second order does not fit.
  CHECK(check_one(books, sales, second, d("2026-03-11")).answer.decision == CreditDecision::declined);
  // The day after, it counts no more, though the job has not run yet.
  CHECK(books.ledger().account("C-1", d("2026-03-12"))->balance.reserved == 0);
  CHECK(books.credit().expire_reservations(d("2026-03-11")) == 0);
  CHECK(books.credit().expire_reservations(d("2026-03-12")) == 1);
  CHECK(books.credit().reservation("SO-1")->status == ReservationStatus::expired);
  CHECK(check_one(books, sales, second, d("2026-03-12")).answer.decision == CreditDecision::approved);
  CHECK(books.ledger().account("C-1", d("2026-03-12"))->balance.reserved == 6000);
  // An expired order may be held again.
  const CreditCheckRequest renewed{"C-1", "SO-1", 4000, *parse_currency("EUR"), true};
  CHECK(check_one(books, sales, renewed, d("2026-03-12")).reservation->amount == 4000);
  CHECK(books.ledger().account("C-1", d("2026-03-12"))->balance.reserved == 10000);
}

TEST_CASE("reservations: another customer's order_ref is refused until its hold ends, then may be held anew",
          "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::SqlBooks books(t.connect());
  const Actor sales{"s", Role::sales, "r1", "{}"};
  const Currency eur = *parse_currency("EUR");
  for (const char* id : {"C-1", "C-2"})
    REQUIRE(books.ledger().post_customer(sales, Customer{id, id, eur, 10000, "NET30", std::nullopt, std::nullopt, false, {}})
                .outcome == LedgerOutcome::created);
  REQUIRE(check_one(books, sales, {"C-1", "SO-1", 6000, eur, true}, d("2026-03-01")).reservation);
  const CreditCheckRequest theirs{"C-2", "SO-1", 1000, eur, true};
  CHECK(check_one(books, sales, theirs, d("2026-03-31")).outcome == CreditOutcome::held_elsewhere);
  // Past its last day the hold counts no more for C-1, but until the job marks it expired it
  // is still in C-1's reserved credit: C-2 may not take the order_ref over yet.
  CHECK(check_one(books, sales, theirs, d("2026-04-01")).outcome == CreditOutcome::held_elsewhere);
  CHECK(books.credit().expire_reservations(d("2026-04-01")) == 1);
  const CreditCheck taken = check_one(books, sales, theirs, d("2026-04-01"));
  CHECK(taken.outcome == CreditOutcome::decided);
  REQUIRE(taken.reservation);
  CHECK(books.credit().reservation("SO-1")->customer == "C-2");
  CHECK(books.ledger().account("C-1", d("2026-04-01"))->balance.reserved == 0);
  CHECK(books.ledger().account("C-2", d("2026-04-01"))->balance.reserved == 1000);
}

namespace {

// MySQL: C-1 and C-2 with a limit of 1,000 each, and C-1's check of SO-1 for 5,000 declined,
// kept for an override; the override then runs on a connection and thread of its own while
// the test's other connections hold locks in its way.
struct OverrideRace {
  OverrideRace() {
    for (const char* id : {"C-1", "C-2"})
      REQUIRE(books.ledger().post_customer(finance, Customer{id, id, eur, 1000, "NET30", std::nullopt, std::nullopt, false, {}})
                  .outcome == LedgerOutcome::created);
    REQUIRE(check_one(books, finance, {"C-1", "SO-1", 5000, eur, true}, today).answer.decision ==
            CreditDecision::declined);
  }
  ~OverrideRace() {
    if (overrider.joinable()) overrider.join();
  }
  // Starts the override; returns once InnoDB shows it waiting for a lock.
  void start(bool reserve) {
    overrider = std::thread([this, reserve] {
      try {
        sql::SqlBooks mine(t.connect());
        overridden = mine.credit().override_check(finance, "SO-1", "known customer", reserve, today);
      } catch (const std::exception& e) {
        failed = e.what();
      }
    });
    long long waiting = 0;
    for (int k = 0; k < 200 && waiting == 0; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      waiting = count("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'");
    }
    REQUIRE(waiting == 1);
  }
  long long count(const std::string& sql) {
    long long n = 0;
    watcher->session() << sql, soci::into(n);
    return n;
  }

  test::TestDb t{"mysql"};
  sql::SqlBooks books{t.connect()};
  std::unique_ptr<sql::Database> watcher = t.connect();
  const Actor finance{"f", Role::finance, "r1", "{}"};
  const Currency eur = *parse_currency("EUR");
  const Date today = d("2026-03-01");
  CreditCheck overridden;
  std::string failed;  // what the override threw
  std::thread overrider;
};

}  // namespace

TEST_CASE("reservations: on MySQL an override that loses its order_ref to another customer meanwhile is refused",
          "[mysql]") {
  // The override reads no hold of the order_ref, then another customer's is committed before
  // its own: its INSERT fails, and it must run again and answer conflict (409), not fail (503).
  OverrideRace race;
  // C-2's hold of SO-1, as a check writes it, left uncommitted: the override's DELETE of any
  // row of SO-1 waits for it.
  auto other = race.t.connect();
  other->session() << "START TRANSACTION";
  other->session() << "INSERT INTO reservations (order_ref, customer, amount, reserved_amount, currency, reserved_on,"
                      " expires_on, status, reserved_by, recorded_at) VALUES ('SO-1', 'C-2', 700, 700, 'EUR',"
                      " '2026-03-01', '2026-03-31', 'active', 's', '2026-03-01T00:00:00Z')";
  other->session() << "UPDATE customers SET reserved_amount = reserved_amount + 700 WHERE id = 'C-2'";
  race.start(true);  // it waits on C-2's row
  other->session() << "COMMIT";
  race.overrider.join();
  CHECK(race.failed == "");
  CHECK(race.overridden.outcome == CreditOutcome::held_elsewhere);
  CHECK(race.books.credit().reservation("SO-1")->customer == "C-2");
  CHECK(race.books.ledger().account("C-1", race.today)->balance.reserved == 0);
  CHECK(race.books.ledger().account("C-2", race.today)->balance.reserved == 700);
}

TEST_CASE("reservations: on MySQL an override that a deadlock rolls back runs again and goes through", "[mysql]") {
  // Another transaction holds the check's row, then asks for the customer's row, which the
  // override holds while it waits for the check's row: a deadlock. InnoDB rolls back the
  // lighter of the two, the override (the other has written 40 rows). It must run again,
  // wait for the other to end, and approve (200), not fail (503).
  OverrideRace race;
  const auto deadlocks = [&] {
    std::string name;
    long long n = 0;
    race.watcher->session() << "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'", soci::into(name), soci::into(n);
    return n;
  };
  const long long deadlocks_before = deadlocks();
  auto other = race.t.connect();
  other->session() << "START TRANSACTION";
  for (int k = 1; k <= 40; ++k)
    other->session() << "INSERT INTO reservations (order_ref, customer, amount, reserved_amount, currency,"
                        " reserved_on, expires_on, status, reserved_by, recorded_at) VALUES ('W-" +
                            std::to_string(k) +
                            "', 'C-2', 1, 1, 'EUR', '2026-03-01', '2026-03-31', 'active', 's',"
                            " '2026-03-01T00:00:00Z')";
  std::string held;
  other->session() << "SELECT order_ref FROM credit_checks WHERE order_ref = 'SO-1' FOR UPDATE", soci::into(held);
  race.start(false);  // holding C-1's row, it waits for SO-1's
  std::string locked;
  // Closes the cycle; returns once InnoDB has rolled the override back (it throws if this
  // transaction were the one rolled back instead).
  other->session() << "SELECT id FROM customers WHERE id = 'C-1' FOR UPDATE", soci::into(locked);
  CHECK(deadlocks() > deadlocks_before);  // (a count of the whole server: tests run side by side)
  other->session() << "ROLLBACK";
  race.overrider.join();
  CHECK(race.failed == "");
  CHECK(race.overridden.outcome == CreditOutcome::decided);
  CHECK(race.overridden.answer.decision == CreditDecision::approved);
  CHECK(race.count("SELECT COUNT(*) FROM credit_checks WHERE order_ref = 'SO-1' AND overridden_by = 'f'") == 1);
  CHECK(race.count("SELECT COUNT(*) FROM audit WHERE action = 'credit_check.override'") == 1);
  CHECK(race.count("SELECT COUNT(*) FROM reservations") == 0);
}

namespace {

// Everything a check answers, as one line to compare.
// The books of a test of checks, on one backend, with who posts to them, in what, and when.
struct Desk {
  explicit Desk(const std::string& backend) : t(backend), books(t.connect()) {}
  test::TestDb t;
  sql::SqlBooks books;
  const Actor finance{"f", Role::finance, "r1", "{}"};
  const Currency eur = *parse_currency("EUR");
  const Date today = d("2026-06-15");
};

std::string outcome_of(CreditOutcome o) {
  switch (o) {
    case CreditOutcome::decided: return "decided";
    case CreditOutcome::unknown_customer: return "unknown_customer";
    case CreditOutcome::currency_mismatch: return "currency_mismatch";
    case CreditOutcome::held_elsewhere: return "held_elsewhere";
    case CreditOutcome::no_check: return "no_check";
    case CreditOutcome::overridden_already: return "overridden_already";
  }
  return "?";
}

std::string answer_of(const CreditCheck& c) {
  std::string out = outcome_of(c.outcome);
  if (c.outcome != CreditOutcome::decided) return out;
  const CreditPosition& p = c.position;
  out += " " + std::string(to_string(c.answer.decision)) + " [";
  for (CreditReason r : c.answer.reasons) out += std::string(to_string(r)) + " ";
  out += "] limit=" + (p.limit ? std::to_string(*p.limit) : "none") + " open=" + std::to_string(p.open) +
         " unapplied=" + std::to_string(p.unapplied) + " reserved=" + std::to_string(p.reserved) +
         " overdue=" + std::to_string(p.overdue) + " days=" + std::to_string(p.max_days_overdue) +
         " grade=" + (p.grade ? std::string(1, *p.grade) : "none") + " hold=" + std::to_string(p.on_hold) +
         " exposure=" + std::to_string(c.answer.exposure) + " after=" + std::to_string(c.answer.after_order);
  if (c.reservation)
    out += " holds=" + c.reservation->customer + ":" + std::to_string(c.reservation->amount) + ":" +
           format_date(c.reservation->expires);
  return out;
}

}  // namespace

TEST_CASE("credit: checks decided in one batch answer as each alone does, from many connections at once",
          "[sql][mysql]") {
  // A batch's positions are read together (two statements): every kind of position, and a customer
  // that does not exist, must come out of it as they do read alone.
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Desk desk(backend);
  auto& [t, books, finance, eur, today] = desk;
  auto customer = [&](const char* id, std::optional<std::int64_t> limit, bool hold = false,
                      const char* currency = "EUR") {
    REQUIRE(books.ledger().post_customer(finance, Customer{id, id, *parse_currency(currency), limit, "NET30", std::nullopt,
                                                  std::nullopt, hold, {}})
                .outcome == LedgerOutcome::created);
  };
  customer("C-PLAIN", 100000);
  customer("C-OVERDUE", 100000);  // an invoice 45 days past due, another not yet due
  REQUIRE(books.ledger().post_invoice(finance, Invoice{"I-1", "C-OVERDUE", d("2026-04-01"), d("2026-05-01"), 30000, eur, {}})
              .accepted());
  REQUIRE(books.ledger().post_invoice(finance, Invoice{"I-2", "C-OVERDUE", d("2026-06-01"), d("2026-07-01"), 20000, eur, {}})
              .accepted());
  customer("C-CREDIT", 50000);  // an invoice, part paid, and money and a credit note on account
  REQUIRE(books.ledger().post_invoice(finance, Invoice{"I-3", "C-CREDIT", d("2026-06-01"), d("2026-07-01"), 40000, eur, {}})
              .accepted());
  REQUIRE(books.ledger().post_payment(finance, Payment{"P-1", "C-CREDIT", d("2026-06-10"), 45000, eur, {}}).accepted());
  REQUIRE(books.ledger().post_credit_note(finance, CreditNote{"N-1", "C-CREDIT", d("2026-06-11"), 2500, eur, {}}).accepted());
  customer("C-HELD", 60000);  // holds an order of its own
  REQUIRE(check_one(books, finance, {"C-HELD", "SO-HELD", 25000, eur, true}, today).reservation);
  customer("C-EXPIRED", 60000);  // its hold ran out ten days ago; the job has not marked it
  REQUIRE(check_one(books, finance, {"C-EXPIRED", "SO-OLD", 25000, eur, true}, d("2026-04-06")).reservation);
  customer("C-ONHOLD", 100000, true);
  customer("C-NOLIMIT", std::nullopt);
  customer("C-USD", 100000, false, "USD");

  const std::vector<CreditCheckRequest> requests = {
      {"C-PLAIN", "SO-A", 1000, eur, false},       {"C-PLAIN", "SO-B", 100000, eur, false},
      {"C-PLAIN", "SO-C", 100001, eur, false},     {"C-OVERDUE", "SO-D", 1000, eur, false},
      {"C-CREDIT", "SO-E", 50000, eur, false},     {"C-CREDIT", "SO-F", 57500, eur, false},
      {"C-HELD", "SO-HELD", 30000, eur, false},    {"C-HELD", "SO-G", 30000, eur, false},
      {"C-PLAIN", "SO-HELD", 1000, eur, false},    {"C-ONHOLD", "SO-H", 1, eur, false},
      {"C-NOLIMIT", "SO-I", 1, eur, false},        {"C-USD", "SO-J", 1, eur, false},
      {"C-NOBODY", "SO-K", 1, eur, false},         {"C-PLAIN", "SO-A", 2000, eur, false},
      {"C-EXPIRED", "SO-L", 60000, eur, false},
  };
  std::vector<std::string> alone;
  for (const CreditCheckRequest& r : requests) alone.push_back(answer_of(check_one(books, finance, r, today)));
  // The answers differ from one another: the mix covers what a position can hold.
  CHECK(std::set<std::string>(alone.begin(), alone.end()).size() == requests.size());
  CHECK(alone[0].starts_with("decided approved"));
  CHECK(alone[3].find("overdue=30000 days=45") != std::string::npos);
  CHECK(alone[5].find("unapplied=7500") != std::string::npos);
  CHECK(alone[6].find("reserved=0") != std::string::npos);      // its own hold left out
  CHECK(alone[7].find("reserved=25000") != std::string::npos);
  CHECK(alone[8] == "held_elsewhere");  // held by another customer
  CHECK(alone[11] == "currency_mismatch");
  CHECK(alone[12] == "unknown_customer");
  CHECK(alone[14].find("approved [] limit=60000 open=0 unapplied=0 reserved=0") != std::string::npos);

  std::vector<CreditCheckInput> inputs;
  for (const CreditCheckRequest& r : requests) inputs.push_back({r, finance.name, false});
  const CreditAnswers together = books.credit().check_credits(inputs, today);
  for (std::size_t k = 0; k < requests.size(); ++k) CHECK(answer_of(together.checks[k]) == alone[k]);
  // Batches of every size from many connections at once, each in its own order.
  constexpr int threads = 16, rounds = 25;
  std::vector<std::vector<std::string>> seen(threads);
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([&, k] {
      sql::SqlBooks mine(t.connect());
      for (int round = 0; round < rounds; ++round) {
        const std::size_t size = 1 + static_cast<std::size_t>(k + round) % requests.size();
        std::vector<CreditCheckInput> batch;
        std::vector<std::size_t> asked;
        for (std::size_t i = 0; i < size; ++i) {
          asked.push_back((i + static_cast<std::size_t>(k * 5 + round)) % requests.size());
          batch.push_back(inputs[asked.back()]);
        }
        const CreditAnswers answers = mine.credit().check_credits(batch, today);
        for (std::size_t i = 0; i < size; ++i) {
          const std::string got = answer_of(answers.checks[i]), want = alone[asked[i]];
          if (got != want) seen[k].push_back(requests[asked[i]].order_ref + ": " + got + " | alone: " + want);
        }
      }
    });
  for (std::thread& th : pool) th.join();
  for (const auto& differences : seen)
    for (const std::string& difference : differences) FAIL(difference);
}

TEST_CASE("credit: reserving checks in one batch each see the holds of those before it, as one by one",
          "[sql][mysql]") {
  // The batch reads every position once; each check must still be decided on the holds of
  // those before it (core/credit_batch.cpp), and the holds written as one by one would.
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Desk desk(backend);
  auto& [t, books, finance, eur, today] = desk;
  for (const char* id : {"C-1", "C-2"})
    REQUIRE(books.ledger().post_customer(finance, Customer{id, id, eur, 5000, "NET30", std::nullopt, std::nullopt, false, {}})
                .outcome == LedgerOutcome::created);
  // C-1: nine orders of 1,000 against a limit of 5,000. C-2: one order of 2,000, and one of
  // 3,000 checked six times, which must replace its hold each time, never add to it.
  std::vector<CreditCheckRequest> requests;
  for (int k = 0; k < 9; ++k) requests.push_back({"C-1", "SO-" + std::to_string(k), 1000, eur, true});
  requests.push_back({"C-2", "SO-OTHER", 2000, eur, true});
  for (int k = 0; k < 6; ++k) requests.push_back({"C-2", "SO-SAME", 3000, eur, true});

  std::vector<CreditCheckInput> inputs;
  for (const CreditCheckRequest& r : requests) inputs.push_back({r, finance.name, false});
  const std::vector<CreditCheck> answers = books.credit().check_credits(inputs, today).checks;
  // The same checks one by one, on books of their own.
  Desk one_by_one(backend);
  for (const char* id : {"C-1", "C-2"})
    REQUIRE(one_by_one.books.ledger().post_customer(finance, Customer{id, id, eur, 5000, "NET30", std::nullopt, std::nullopt, false, {}})
                .outcome == LedgerOutcome::created);
  for (std::size_t k = 0; k < requests.size(); ++k)
    CHECK(answer_of(check_one(one_by_one.books, finance, requests[k], today)) == answer_of(answers[k]));

  std::multiset<std::int64_t> seen_reserved;  // by C-1's approved checks
  int c1_approved = 0, c1_declined = 0;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    INFO(requests[k].order_ref << ": " << answer_of(answers[k]));
    REQUIRE(answers[k].outcome == CreditOutcome::decided);
    if (requests[k].customer == "C-2") {
      CHECK(answers[k].answer.decision == CreditDecision::approved);
      continue;
    }
    if (answers[k].answer.decision == CreditDecision::approved) {
      ++c1_approved;
      seen_reserved.insert(answers[k].position.reserved);
    } else {
      ++c1_declined;
      CHECK(answers[k].position.reserved == 5000);
    }
  }
  CHECK(c1_approved == 5);
  CHECK(c1_declined == 4);
  CHECK(seen_reserved == std::multiset<std::int64_t>{0, 1000, 2000, 3000, 4000});
  CHECK(answers.back().position.reserved == 2000);  // SO-SAME's own hold left out, SO-OTHER's in
  CHECK(books.ledger().account("C-1", today)->balance.reserved == 5000);
  CHECK(books.ledger().account("C-2", today)->balance.reserved == 5000);
  CHECK(books.credit().reservation("SO-SAME")->amount == 3000);
}

