// Where requests go (router.cpp's table): the credit desk (http/credit_desk.cpp) and the
// database workers (http/worker_pool.cpp), in this process, wired as `tallyman serve` wires
// them: the router, and each thread's own books on a real database. Requests are submitted
// as the server's I/O thread submits them.
#include "http/credit_desk.hpp"
#include "http/keys.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "jobs/books.hpp"
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
  REQUIRE(books.ledger().post_customer(admin, Customer{"C-1", "One", *parse_currency("EUR"), 5000, "NET30", std::nullopt,
                                              std::nullopt, false, {}})
              .outcome == LedgerOutcome::created);
  const std::string key = http::new_api_key();
  books.access().add_key("pool-test", role, http::key_hash(key));
  return key;
}

// A database seeded so, and the router over it, as `tallyman serve` wires them.
struct Wired {
  Wired(const std::string& backend, Role role) : t(backend), key(seed(t, role)) {}
  test::TestDb t;
  const std::string key;
  http::Metrics metrics;
  http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  http::WorkerPool::Connect connect = [this] { return std::make_unique<jobs::ServiceBooks>(t.connect()); };
};

// Responses as they come back, in any order, from any thread.
class Answers {
 public:
  explicit Answers(std::size_t n) : out_(n) {}
  http::Done to(std::size_t k) {
    return [this, k](http::Response response) {
      std::lock_guard lock(mutex_);
      out_[k] = std::move(response);
      ++count_;
      changed_.notify_all();
    };
  }
  // Every response, once all came (within 10 s).
  std::vector<http::Response> all() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ == out_.size(); });
    REQUIRE(count_ == out_.size());
    std::vector<http::Response> out;
    for (auto& r : out_) out.push_back(*r);
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<http::Response>> out_;
  std::size_t count_ = 0;
};

http::Request check(const std::string& key, const std::string& order, std::int64_t amount, bool reserve) {
  const std::string body = R"({"customer":"C-1","order_ref":")" + order + R"(","amount":)" + std::to_string(amount) +
                           R"(,"currency":"EUR","reserve":)" + (reserve ? "true" : "false") + "}";
  return {"POST", "/v1/credit-checks", "Bearer " + key, "application/json", "", "req-" + order, body};
}

std::uint64_t metric(http::Metrics& metrics, const std::string& name) {
  const std::string text = metrics.prometheus();
  const std::size_t at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + name.size() + 2));
}

}  // namespace

TEST_CASE("desk: one customer's checks that wait together are decided in one batch, each on the holds before it",
          "[http][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Wired w(backend, Role::sales);
  // Another session holds C-1's row (SQLite: the write lock) while the first check is at the
  // database: the rest wait at the desk and then go together.
  auto blocker = w.t.connect();
  blocker->session() << (backend == "mysql" ? "START TRANSACTION" : "BEGIN IMMEDIATE");
  if (backend == "mysql") blocker->session() << "SELECT id FROM customers WHERE id = 'C-1' FOR UPDATE";
  http::CreditDesk desk(1, w.connect, w.router);
  constexpr std::size_t checks = 9;  // 1,000 each against a limit of 5,000
  Answers answers(checks + 2);
  for (std::size_t k = 0; k < checks; ++k)
    REQUIRE(desk.submit(check(w.key, "SO-" + std::to_string(k), 1000, true), answers.to(k)));
  // A refusal in the batch is answered alone, and holds nothing up.
  REQUIRE(desk.submit({"POST", "/v1/credit-checks", "Bearer nobody", "application/json", "", "r-x", "{}"},
                      answers.to(checks)));
  REQUIRE(desk.submit({"POST", "/v1/credit-checks", "Bearer " + w.key, "application/json", "", "r-y", R"({"customer":"C-1"})"},
                      answers.to(checks + 1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  blocker->session() << (backend == "mysql" ? "COMMIT" : "ROLLBACK");
  const std::vector<http::Response> got = answers.all();
  int approved = 0;
  for (std::size_t k = 0; k < checks; ++k) {
    INFO(got[k].body);
    REQUIRE(got[k].status == 200);
    const auto j = nlohmann::json::parse(got[k].body);
    if (j["decision"] == "approved") {
      // In arrival order: each sees the holds of those before it.
      CHECK(j["exposure"]["reserved"] == 1000 * approved);
      ++approved;
    }
  }
  CHECK(approved == 5);
  CHECK(got[checks].status == 401);
  CHECK(got[checks + 1].status == 422);
  CHECK(metric(w.metrics, "tallyman_credit_batch_checks_total") == checks);
  CHECK(metric(w.metrics, "tallyman_credit_batches_total") < checks);  // some went together
  sql::SqlBooks books(w.t.connect());
  CHECK(books.ledger().account("C-1", parse_date("2026-06-15").value())->balance.reserved == 5000);
}

TEST_CASE("desk: a check that finds its desk's queue full is refused at once, the next is answered", "[http]") {
  Wired w("sqlite", Role::sales);
  auto blocker = w.t.connect();
  blocker->session() << "BEGIN IMMEDIATE";  // the desk's first batch waits for the write lock
  http::CreditDesk desk(1, w.connect, w.router, 2);
  Answers answers(3);
  REQUIRE(desk.submit(check(w.key, "SO-1", 10, true), answers.to(0)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // taken: the queue is empty again
  REQUIRE(desk.submit(check(w.key, "SO-2", 10, true), answers.to(1)));
  REQUIRE(desk.submit(check(w.key, "SO-3", 10, true), answers.to(2)));
  CHECK_FALSE(desk.submit(check(w.key, "SO-4", 10, true), [](http::Response) {}));
  blocker->session() << "ROLLBACK";
  for (const http::Response& r : answers.all()) CHECK(r.status == 200);
}

TEST_CASE("workers: a request that waits too long for a worker is answered 503, and never runs", "[http]") {
  Wired w("sqlite", Role::admin);
  auto blocker = w.t.connect();
  blocker->session() << "BEGIN IMMEDIATE";  // the only worker's first request waits for the write lock
  http::WorkerPool pool(1, w.connect, w.router);
  Answers answers(2);
  auto post = [&](const char* id) {
    const std::string body = std::string(R"({"id":")") + id + R"(","name":"x","currency":"EUR"})";
    return http::Request{"POST", "/v1/customers", "Bearer " + w.key, "application/json", "", id, body};
  };
  REQUIRE(pool.submit(post("C-2"), answers.to(0)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(pool.submit(post("C-3"), answers.to(1)));
  std::this_thread::sleep_for(http::worker_wait_max + std::chrono::milliseconds(300));
  blocker->session() << "ROLLBACK";
  const std::vector<http::Response> got = answers.all();
  CHECK(got[0].status == 201);
  CHECK(got[1].status == 503);
  pool.stop();
  sql::SqlBooks books(w.t.connect());
  CHECK(books.ledger().customer("C-2"));
  CHECK_FALSE(books.ledger().customer("C-3"));
}

TEST_CASE("router: the route table sends credit checks to the desk, what needs no database here, the rest to the workers",
          "[http]") {
  http::Metrics metrics;
  const http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  auto request = [](const char* method, const char* target) { return http::Request{method, target, "", "", "", "r", ""}; };
  CHECK(router.lane(request("POST", "/v1/credit-checks")) == http::Lane::credit_desk);
  CHECK(router.lane(request("POST", "/v1/credit-checks/SO-1/override")) == http::Lane::workers);
  CHECK(router.lane(request("GET", "/v1/customers/C-1/credit")) == http::Lane::workers);
  CHECK(router.lane(request("GET", "/readyz")) == http::Lane::workers);
  for (const char* target : {"/healthz", "/metrics", "/", "/console/app.js", "/nowhere"})
    CHECK(router.lane(request("GET", target)) == http::Lane::here);
}
