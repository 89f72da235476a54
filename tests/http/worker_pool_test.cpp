// The database workers (http/worker_pool.cpp) in this process, wired as `tallyman serve` wires
// them: the router, and each thread's own SqlBooks on a real database. Requests are submitted
// as the server's I/O thread submits them.
#include "http/keys.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "sql/books.hpp"
#include "sql/database.hpp"
#include "sql/importer.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace tallyman;

namespace {

// Customer C-1 with a limit of 5000 EUR, and a new API key of `role`, which it returns.
std::string seed(const test::TestDb& t, Role role) {
  sql::SqlBooks books(t.connect());
  const Actor admin{"t", Role::admin, "r1", "{}"};
  REQUIRE(books.post_customer(admin, Customer{"C-1", "One", *parse_currency("EUR"), 5000, "NET30", std::nullopt,
                                              std::nullopt, false})
              .outcome == PostOutcome::created);
  const std::string key = http::new_api_key();
  books.add_key("pool-test", role, http::key_hash(key));
  return key;
}

// A database seeded so, and the router over it, as `tallyman serve` wires them.
struct Wired {
  Wired(const std::string& backend, Role role) : t(backend), key(seed(t, role)) {}
  test::TestDb t;
  const std::string key;
  http::Metrics metrics;
  http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  http::WorkerPool::Connect connect = [this] { return std::make_unique<sql::SqlBooks>(t.connect()); };
};

// The answer of `pool` to `request`, submitted as the server's I/O thread submits it.
http::Response answer_in(http::WorkerPool& pool, http::Request request) {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<http::Response> out;
  REQUIRE(pool.submit(std::move(request), [&](http::Response response) {
    std::lock_guard lock(mutex);
    out = std::move(response);
    answered.notify_all();
  }));
  std::unique_lock lock(mutex);
  answered.wait_for(lock, std::chrono::seconds(10), [&] { return out.has_value(); });
  REQUIRE(out.has_value());
  return *out;
}

}  // namespace

TEST_CASE("workers: while checks wait in a turn, further threads take the requests behind them", "[http][mysql]") {
  // Two workers, eight threads, eight reserving checks of one customer, whose limit holds 5
  // of them. Another connection holds the customer's lock at first, so the first check's turn
  // waits for it. The other checks wait for the next turn, and each lets another thread take
  // a request meanwhile: that turn holds all 7, where two threads alone would bring 1 at a
  // time (5 turns or more). The holds still add up to the limit exactly.
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Wired w(backend, Role::sales);
  test::TestDb& t = w.t;
  const std::string& key = w.key;
  http::Router& router = w.router;
  auto blocker = t.connect();
  if (backend == "sqlite") {
    blocker->session() << "BEGIN IMMEDIATE";
  } else {
    blocker->session() << "START TRANSACTION";
    blocker->session() << "SELECT id FROM customers WHERE id = 'C-1' FOR UPDATE";
  }

  constexpr std::size_t workers = 2, threads = 8, checks = 8;
  const sql::SqlBooks::TurnCount before = sql::SqlBooks::write_turns();
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t answered = 0, approved = 0, declined = 0;
  std::vector<std::string> unexpected;
  {
    http::WorkerPool pool(workers, threads, w.connect, router);
    for (std::size_t k = 0; k < checks; ++k) {
      http::Request r{"POST", "/v1/credit-checks", "Bearer " + key, "application/json", "", "req-" + std::to_string(k),
                      R"({"customer":"C-1","order_ref":"SO-)" + std::to_string(k) +
                          R"(","amount":1000,"currency":"EUR","reserve":true})"};
      REQUIRE(pool.submit(std::move(r), [&](http::Response response) {
        std::lock_guard lock(mutex);
        const auto body = nlohmann::json::parse(response.body, nullptr, false);
        if (response.status == 200 && body.value("decision", "") == "approved") ++approved;
        else if (response.status == 200 && body.value("decision", "") == "declined") ++declined;
        else unexpected.push_back(std::to_string(response.status) + " " + response.body);
        if (++answered == checks) all_done.notify_one();
      }));
    }
    // Time for the threads to take their requests (each a thread wake-up, well under 1 ms
    // here), but not so long that the pool's 500 ms limit on a wait in its queue answers one.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    blocker->session() << "COMMIT";
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return answered == checks; });
  }
  for (const std::string& u : unexpected) FAIL(u);
  CHECK(approved == 5);
  CHECK(declined == checks - 5);
  const sql::SqlBooks::TurnCount after = sql::SqlBooks::write_turns();
  INFO("write turns: " << after.turns - before.turns << " for " << after.checks - before.checks << " checks");
  CHECK(after.checks - before.checks == checks);
  CHECK(after.turns - before.turns == 2);

  sql::SqlBooks books(t.connect());
  const http::Response credit =
      router.handle({"GET", "/v1/customers/C-1/credit", "Bearer " + key, "", "", "req-end", ""}, &books);
  REQUIRE(credit.status == 200);
  INFO(credit.body);
  CHECK(credit.body.find("\"reserved\":5000") != std::string::npos);
}

TEST_CASE("workers: a read passes writes that wait for this process's SQLite write lock", "[http]") {
  // Two workers, eight threads. This process holds the SQLite file's write lock; two writes
  // arrive and wait for it, then a read. Each waiting write lets another thread take a
  // request, so the read is answered while the lock is still held. (Two threads alone would
  // both be waiting, and the read would wait in the queue until the pool answered it 503.)
  Wired w("sqlite", Role::admin);
  test::TestDb& t = w.t;
  const std::string& key = w.key;
  std::mutex mutex;
  std::condition_variable answered;
  std::vector<int> writes;
  std::optional<int> read;
  auto blocker = t.connect();
  auto holding = std::make_unique<sql::WriteTransaction>(*blocker);
  http::WorkerPool pool(2, 8, w.connect, w.router);
  for (const char* id : {"C-2", "C-3"}) {
    http::Request r{"POST", "/v1/customers", "Bearer " + key, "application/json", "", std::string("req-") + id,
                    R"({"id":")" + std::string(id) + R"(","name":"N","currency":"EUR","credit_limit":1})"};
    REQUIRE(pool.submit(std::move(r), [&](http::Response response) {
      std::lock_guard lock(mutex);
      writes.push_back(response.status);
      answered.notify_all();
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the writes are waiting now
  REQUIRE(pool.submit({"GET", "/v1/customers/C-1", "Bearer " + key, "", "", "req-read", ""},
                      [&](http::Response response) {
                        std::lock_guard lock(mutex);
                        read = response.status;
                        answered.notify_all();
                      }));
  {
    std::unique_lock lock(mutex);
    answered.wait_for(lock, std::chrono::seconds(5), [&] { return read.has_value(); });
    CHECK(writes.empty());  // still waiting for the lock
    REQUIRE(read.has_value());
    CHECK(*read == 200);
  }
  holding.reset();  // rolled back: the writes go on
  std::unique_lock lock(mutex);
  answered.wait_for(lock, std::chrono::seconds(10), [&] { return writes.size() == 2; });
  CHECK(writes == std::vector<int>{201, 201});
}

TEST_CASE("workers: a check that only reads is answered on the caller's thread, one that would wait handed back",
          "[http]") {
  // What an I/O thread does on SQLite (WorkerPool::answer_here): it answers a check without
  // reservation itself, even while this process holds the write lock, and hands back, with
  // nothing written, a check that would write (a hold; a declined check kept for override).
  Wired w("sqlite", Role::admin);
  test::TestDb& t = w.t;
  const std::string& key = w.key;
  http::WorkerPool pool(1, 1, w.connect, w.router);
  std::unique_ptr<Books> mine;
  auto here = [&](const http::Request& request) { return pool.answer_here({&request}, mine).front(); };
  auto check = [&](const std::string& order, int amount, bool reserve) {
    return http::Request{"POST", "/v1/credit-checks", "Bearer " + key, "application/json", "", "req-" + order,
                         R"({"customer":"C-1","order_ref":")" + order + R"(","amount":)" + std::to_string(amount) +
                             R"(,"currency":"EUR","reserve":)" + (reserve ? "true" : "false") + "}"};
  };
  auto via_pool = [&](http::Request request) { return answer_in(pool, std::move(request)); };
  auto override_of = [&](const std::string& order) {
    return via_pool({"POST", "/v1/credit-checks/" + order + "/override", "Bearer " + key, "application/json", "",
                     "req-o", R"({"reason":"known customer"})"});
  };
  auto held = [&] {
    auto credit = here({"GET", "/v1/customers/C-1/credit", "Bearer " + key, "", "", "req-c", ""});
    REQUIRE(credit.has_value());
    return nlohmann::json::parse(credit->body)["reserved"].get<long long>();
  };

  auto blocker = t.connect();
  auto holding = std::make_unique<sql::WriteTransaction>(*blocker);
  auto approved = here(check("SO-1", 100, false));
  REQUIRE(approved.has_value());
  CHECK(approved->status == 200);
  CHECK(nlohmann::json::parse(approved->body)["decision"] == "approved");
  CHECK_FALSE(must_not_wait);  // the thread may wait again afterwards
  holding.reset();

  CHECK_FALSE(here(check("SO-2", 100, true)).has_value());
  CHECK(held() == 0);
  CHECK_FALSE(here(check("SO-3", 9000, false)).has_value());
  CHECK_FALSE(must_not_wait);
  CHECK(override_of("SO-3").status == 404);  // not kept: nothing was written
  // Any write is handed back before it starts.
  CHECK_FALSE(here({"POST", "/v1/customers", "Bearer " + key, "application/json", "", "req-w",
                    R"({"id":"C-9","name":"N","currency":"EUR","credit_limit":1})"})
                  .has_value());
  CHECK(here({"GET", "/v1/customers/C-9", "Bearer " + key, "", "", "req-r", ""})->status == 404);

  // Handed to the pool, the same checks are answered in full.
  CHECK(nlohmann::json::parse(via_pool(check("SO-2", 100, true)).body)["decision"] == "approved");
  CHECK(held() == 100);
  CHECK(nlohmann::json::parse(via_pool(check("SO-3", 9000, false)).body)["decision"] == "declined");
  CHECK(override_of("SO-3").status == 200);

  // Several together, in one read transaction: each answered, or handed back, alone.
  const http::Request a = check("SO-4", 100, false), b = check("SO-5", 100, true), c = check("SO-6", 200, false);
  const auto together = pool.answer_here({&a, &b, &c}, mine);
  REQUIRE(together.size() == 3);
  REQUIRE(together[0].has_value());
  CHECK(nlohmann::json::parse(together[0]->body)["exposure"]["reserved"] == 100);
  CHECK_FALSE(together[1].has_value());
  REQUIRE(together[2].has_value());
  CHECK(nlohmann::json::parse(together[2]->body)["decision"] == "approved");
  CHECK(held() == 100);  // the transaction ended: a write goes through
  CHECK(via_pool(b).status == 200);
  CHECK(held() == 200);
}

TEST_CASE("workers: a quick read that would run long is handed back, and the caller's round goes on", "[http]") {
  // An I/O thread that reads a customer with thousands of open invoices would hold up every
  // other connection of its loop meanwhile: past its budget of SQLite's steps
  // (core/wait.hpp) the read stops and the request goes to the pool, which answers it in full.
  Wired w("sqlite", Role::admin);
  std::string customers = "id,name,currency,credit_limit,terms,collector\n"
                          "C-BIG,Big,EUR,9000000000000000,NET30,\nC-MID,Mid,EUR,9000000000000000,NET30,\n";
  std::string invoices = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  // Issued before and due after the router's today (2026-06-15): open, none overdue, so
  // that the checks are approved and only read.
  for (int k = 0; k < 2000; ++k) invoices += "B-" + std::to_string(k) + ",C-BIG,2026-06-01,2026-07-31,1,EUR,\n";
  for (int k = 0; k < 300; ++k) invoices += "M-" + std::to_string(k) + ",C-MID,2026-06-01,2026-07-31,1,EUR,\n";
  {
    auto db = w.t.connect();
    REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(*db, RecordKind::customers, customers)));
    REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(*db, RecordKind::invoices, invoices)));
  }
  http::WorkerPool pool(1, 1, w.connect, w.router);
  std::unique_ptr<Books> mine;
  auto check = [&](const std::string& customer) {
    return http::Request{"POST", "/v1/credit-checks", "Bearer " + w.key, "application/json", "", "req-" + customer,
                         R"({"customer":")" + customer + R"(","order_ref":"SO-)" + customer +
                             R"(","amount":1,"currency":"EUR"})"};
  };
  auto credit = [&](const std::string& customer) {
    return http::Request{"GET", "/v1/customers/" + customer + "/credit", "Bearer " + w.key, "", "", "req-c", ""};
  };
  // The open amount a check's exposure, or a customer's credit, shows.
  auto open_of = [](const http::Response& r) {
    const nlohmann::json j = nlohmann::json::parse(r.body);
    return (j["exposure"].is_object() ? j["exposure"]["open"] : j["open"]).get<long long>();
  };

  // One round: the two reads of C-BIG are stopped and handed back; the others, after them in
  // the same read transaction, are answered (C-MID's 300 open invoices are within the budget).
  const http::Request big = check("C-BIG"), mid = check("C-MID"), big_credit = credit("C-BIG"),
                      one = check("C-1"), mid_credit = credit("C-MID");
  const auto round = pool.answer_here({&big, &mid, &big_credit, &one, &mid_credit}, mine);
  REQUIRE(round.size() == 5);
  CHECK_FALSE(round[0].has_value());
  REQUIRE(round[1].has_value());
  CHECK(round[1]->status == 200);
  CHECK(nlohmann::json::parse(round[1]->body)["decision"] == "approved");
  CHECK(open_of(*round[1]) == 300);
  CHECK_FALSE(round[2].has_value());
  REQUIRE(round[3].has_value());
  CHECK(nlohmann::json::parse(round[3]->body)["decision"] == "approved");
  REQUIRE(round[4].has_value());
  CHECK(open_of(*round[4]) == 300);
  CHECK_FALSE(must_not_wait);
  REQUIRE(mine != nullptr);  // the connection was not given up: nothing failed

  // The pool answers them in full, with no budget.
  const http::Response pooled = answer_in(pool, big);
  CHECK(pooled.status == 200);
  CHECK(nlohmann::json::parse(pooled.body)["decision"] == "approved");
  CHECK(open_of(pooled) == 2000);
  CHECK(open_of(answer_in(pool, big_credit)) == 2000);
  // The caller's connection reads again as before, its kept statements too.
  const auto again = pool.answer_here({&mid, &mid_credit, &big}, mine);
  REQUIRE(again[0].has_value());
  CHECK(open_of(*again[0]) == 300);
  REQUIRE(again[1].has_value());
  CHECK(open_of(*again[1]) == 300);
  CHECK_FALSE(again[2].has_value());
}

TEST_CASE("workers: a round the caller cannot connect for is answered 503, every request of it", "[http]") {
  Wired w("sqlite", Role::admin);
  bool reachable = false;
  http::WorkerPool pool(
      1, 1,
      [&]() -> std::unique_ptr<Books> {
        if (!reachable) throw sql::DatabaseError("unable to open database file");
        return w.connect();
      },
      w.router);
  std::unique_ptr<Books> mine;
  const http::Request credit{"GET", "/v1/customers/C-1/credit", "Bearer " + w.key, "", "", "req-1", ""};
  const http::Request again{"GET", "/v1/customers/C-1/credit", "Bearer " + w.key, "", "", "req-2", ""};
  const auto round = pool.answer_here({&credit, &again}, mine);
  REQUIRE(round.size() == 2);
  for (const auto& answer : round) {
    REQUIRE(answer.has_value());
    CHECK(answer->status == 503);
  }
  CHECK(mine == nullptr);
  CHECK(w.metrics.prometheus().find("tallyman_database_errors_total 1\n") != std::string::npos);
  // Once the database is back, the next round connects and is answered.
  reachable = true;
  const auto next = pool.answer_here({&credit}, mine);
  REQUIRE(next.front().has_value());
  CHECK(next.front()->status == 200);
  CHECK(mine != nullptr);
}

TEST_CASE("workers: on MySQL a worker answers a round's checks from one read ahead, and hands back the rest",
          "[http][mysql]") {
  // What the server does with a round of quick requests on MySQL (http/server.cpp): one task
  // on a worker, which reads the checks without reservation ahead in one statement
  // (Router::read_ahead) and answers them; what that read does not cover is handed back
  // with nothing written, for the workers to answer one by one.
  Wired w("mysql", Role::admin);
  http::WorkerPool pool(1, 1, w.connect, w.router);
  auto check = [&](const std::string& order, int amount, bool reserve, const std::string& key) {
    return http::Request{"POST", "/v1/credit-checks", "Bearer " + key, "application/json", "", "req-" + order,
                         R"({"customer":"C-1","order_ref":")" + order + R"(","amount":)" + std::to_string(amount) +
                             R"(,"currency":"EUR","reserve":)" + (reserve ? "true" : "false") + "}"};
  };
  const std::vector<http::Request> round{
      check("SO-1", 100, false, w.key),  check("SO-2", 100, true, w.key),
      {"GET", "/v1/customers/C-1/credit", "Bearer " + w.key, "", "", "req-c", ""},
      check("SO-3", 9000, false, w.key),  // declined: kept for an override, a write
      check("SO-1", 100, false, w.key),   // the same check twice
      check("SO-4", 100, false, "not-a-key"),
  };
  std::vector<const http::Request*> requests;
  for (const http::Request& r : round) requests.push_back(&r);

  // Runs f(books) as a task on the pool's worker, and waits for it.
  auto on_worker = [&](const std::function<void(std::unique_ptr<Books>&)>& f) {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    REQUIRE(pool.submit_task(
        [&](std::unique_ptr<Books>& books) {
          f(books);
          std::lock_guard lock(mutex);
          done = true;
          finished.notify_all();
        },
        [](http::Response) { FAIL("the task was refused"); }));
    std::unique_lock lock(mutex);
    finished.wait_for(lock, std::chrono::seconds(10), [&] { return done; });
    REQUIRE(done);
  };

  const std::uint64_t together_before = sql::SqlBooks::checks_read_together();
  std::vector<std::optional<http::Response>> answers;
  std::thread::id worker;
  on_worker([&](std::unique_ptr<Books>& books) {
    answers = pool.answer_here(requests, books);
    worker = std::this_thread::get_id();
  });
  CHECK(worker != std::this_thread::get_id());
  REQUIRE(answers.size() == round.size());
  for (std::size_t k : {0, 4}) {
    REQUIRE(answers[k].has_value());
    CHECK(answers[k]->status == 200);
    CHECK(nlohmann::json::parse(answers[k]->body)["decision"] == "approved");
  }
  for (std::size_t k : {1, 2, 3, 5}) CHECK_FALSE(answers[k].has_value());
  // The three checks without reservation of a key that may check, in one statement.
  CHECK(sql::SqlBooks::checks_read_together() - together_before == 3);

  // Nothing was written; the workers answer the rest in full.
  std::vector<http::Response> rest;
  on_worker([&](std::unique_ptr<Books>& books) {
    for (std::size_t k : {1, 2, 3, 5}) rest.push_back(w.router.handle(round[k], books.get()));
  });
  CHECK(nlohmann::json::parse(rest[0].body)["decision"] == "approved");
  CHECK(nlohmann::json::parse(rest[1].body)["reserved"] == 100);
  CHECK(nlohmann::json::parse(rest[2].body)["decision"] == "declined");
  CHECK(rest[3].status == 401);
}

TEST_CASE("router: which requests join a round, and on MySQL only the checks a round reads ahead", "[http]") {
  http::Metrics metrics;
  const http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  auto check = [](const std::string& body) {
    return http::Request{"POST", "/v1/credit-checks", "Bearer k", "application/json", "", "r", body};
  };
  const http::Request plain = check(R"({"customer":"C-1","order_ref":"SO-1","amount":1,"currency":"EUR"})");
  const http::Request hold =
      check(R"({"customer":"C-1","order_ref":"SO-1","amount":1,"currency":"EUR","reserve":true})");
  const http::Request broken = check(R"({"customer":"C-1","amount":1})");
  const http::Request credit{"GET", "/v1/customers/C-1/credit", "Bearer k", "", "", "r", ""};
  const http::Request customer{"GET", "/v1/customers/C-1", "Bearer k", "", "", "r", ""};
  for (const http::Request* r : {&plain, &hold, &broken, &credit}) CHECK(router.quick(*r, false));
  CHECK_FALSE(router.quick(customer, false));
  CHECK(router.quick(plain, true));
  for (const http::Request* r : {&hold, &broken, &credit, &customer}) CHECK_FALSE(router.quick(*r, true));
}

TEST_CASE("workers: a task that waits too long for a worker is refused 503, and never runs", "[http]") {
  Wired w("sqlite", Role::admin);
  http::WorkerPool pool(1, 1, w.connect, w.router);
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false, ran = false;
  std::optional<int> refused;
  REQUIRE(pool.submit_task([&](std::unique_ptr<Books>&) {  // holds the only worker
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return release; });
  }, [](http::Response) {}));
  REQUIRE(pool.submit_task(
      [&](std::unique_ptr<Books>&) {
        std::lock_guard lock(mutex);
        ran = true;
      },
      [&](http::Response response) {
        std::lock_guard lock(mutex);
        refused = response.status;
        changed.notify_all();
      }));
  {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(10), [&] { return refused.has_value(); });
    REQUIRE(refused.has_value());
    CHECK(*refused == 503);
    release = true;
    changed.notify_all();
  }
  pool.stop();
  CHECK_FALSE(ran);
}
