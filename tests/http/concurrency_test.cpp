// Many clients at once, and two service processes on one database: nothing is posted twice,
// no payment is applied beyond an invoice's open amount, and the books balance.
#include "http/support.hpp"
#include "sql/database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <thread>

using namespace tallyman;
using test::json;

TEST_CASE("concurrency: payments from many connections on two instances never over-apply", "[http][mysql]") {
  test::Service a(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto b = a.another();
  const int invoices = 20, clients = 8, payments_each = 10;
  REQUIRE(a.call("POST", "/v1/customers", "finance", json{{"id", "C-1"}, {"name", "Busy"}, {"currency", "EUR"}}).status ==
          201);
  for (int k = 0; k < invoices; ++k)
    REQUIRE(a.call("POST", "/v1/invoices", "finance",
                   json{{"number", "INV-" + std::to_string(k)}, {"customer", "C-1"}, {"issue_date", "2026-01-01"},
                        {"amount", 1000}, {"currency", "EUR"}})
                .status == 201);
  // Every client posts payments of 300 (each auto-allocated across the oldest invoices) and
  // posts the same reference twice, alternating between the two instances.
  std::atomic<int> created{0}, replayed{0}, other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int k = 0; k < payments_each; ++k) {
        const json body{{"reference", "PAY-" + std::to_string(c) + "-" + std::to_string(k)},
                        {"customer", "C-1"},
                        {"received_date", "2026-02-01"},
                        {"amount", 300},
                        {"currency", "EUR"}};
        for (int twice = 0; twice < 2; ++twice) {
          const test::Service& s = (c + k + twice) % 2 == 0 ? a : *b;
          const int status = s.call("POST", "/v1/payments", "finance", body).status;
          if (status == 201) ++created;
          else if (status == 200) ++replayed;
          else ++other;
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(created == clients * payments_each);
  CHECK(replayed == clients * payments_each);
  CHECK(other == 0);
  // 80 payments of 300 = 24000 against 20 invoices of 1000: all paid, 4000 unapplied.
  json customer = a.call("GET", "/v1/customers/C-1", "collector").json_body();
  CHECK(customer["balance"]["open"] == 0);
  CHECK(customer["balance"]["unapplied"] == 4000);
  json aging = b->call("GET", "/v1/reports/aging?as_of=2026-12-31", "collector").json_body();
  CHECK(aging["totals"]["total"] == -4000);
  for (int k = 0; k < invoices; ++k)
    CHECK(a.call("GET", "/v1/invoices/INV-" + std::to_string(k), "collector").json_body()["open_amount"] == 0);
}

TEST_CASE("concurrency: one remittance advice sent at once from many connections on two instances is applied once",
          "[http][mysql]") {
  test::Service a(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto b = a.another();
  REQUIRE(a.call("POST", "/v1/customers", "finance", json{{"id", "C-1"}, {"name", "Remitter"}, {"currency", "EUR"}})
              .status == 201);
  // Received before the invoice: all of it unapplied, room for the advice several times over.
  REQUIRE(a.call("POST", "/v1/payments", "finance",
                 json{{"reference", "P-1"}, {"customer", "C-1"}, {"received_date", "2026-01-01"}, {"amount", 10000},
                      {"currency", "EUR"}})
              .status == 201);
  REQUIRE(a.call("POST", "/v1/invoices", "finance",
                 json{{"number", "INV-1"}, {"customer", "C-1"}, {"issue_date", "2026-01-15"}, {"amount", 5000},
                      {"currency", "EUR"}})
              .status == 201);
  const json advice{{"customer", "C-1"}, {"payment", "P-1"}, {"lines", {{{"invoice", "INV-1"}, {"amount", 2000}}}}};
  const int clients = 8;
  std::atomic<int> created{0}, replayed{0}, other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      const int status = (c % 2 == 0 ? a : *b).call("POST", "/v1/remittances", "finance", advice).status;
      if (status == 201) ++created;
      else if (status == 200) ++replayed;
      else ++other;
    });
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(replayed == clients - 1);
  CHECK(other == 0);
  CHECK(a.call("GET", "/v1/invoices/INV-1", "collector").json_body()["open_amount"] == 3000);
  CHECK(b->call("GET", "/v1/customers/C-1", "collector").json_body()["balance"]["unapplied"] == 8000);
}

TEST_CASE("concurrency: a request that finds every worker busy waits briefly, then gets 503", "[http]") {
  test::Service s("sqlite", "TALLYMAN_WORKERS=1");
  REQUIRE(s.call("GET", "/v1/customers", "collector").status == 200);  // the key is known now
  // A writer holds the database: the one worker blocks on the first write below.
  std::string why;
  sql::Database db(*sql::parse_db_url(s.url(), why));
  auto lock = std::make_unique<sql::WriteTransaction>(db);
  test::HttpClient first(s.port());
  const std::string body = json{{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}}.dump();
  first.send_raw("POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.key("finance") +
                 "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                 body);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  auto second = s.call("GET", "/v1/customers", "collector");
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(second.status == 503);
  CHECK(second.header("retry-after") == "1");
  CHECK(waited >= std::chrono::milliseconds(400));
  CHECK(s.call("GET", "/healthz", "").status == 200);  // needs no worker
  lock.reset();
  auto r = first.read_response();
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(s.call("GET", "/v1/customers", "collector").status == 200);
}

TEST_CASE("concurrency: one statement posted at once through two instances is imported once, and two statements "
          "paying one customer never over-apply",
          "[http][mysql]") {
  test::Service a(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto b = a.another();
  const test::Headers plain{{"Content-Type", "text/plain"}};
  REQUIRE(a.call("POST", "/v1/customers", "finance",
                 json{{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}, {"bank_accounts", {"DE02120300000000202051"}}})
              .status == 201);
  for (int k = 0; k < 10; ++k)
    REQUIRE(a.call("POST", "/v1/invoices", "finance",
                   json{{"number", "INV-" + std::to_string(k)}, {"customer", "C-1"}, {"issue_date", "2026-01-01"},
                        {"amount", 1000}, {"currency", "EUR"}})
                .status == 201);
  auto at_once = [&](const std::vector<std::string>& statements, int each) {
    std::vector<int> statuses;
    std::mutex m;
    std::vector<std::thread> threads;
    for (std::size_t s = 0; s < statements.size(); ++s)
      for (int t = 0; t < each; ++t)
        threads.emplace_back([&, s, t] {
          const int status = ((s + t) % 2 == 0 ? a : *b).call("POST", "/v1/bank-statements", "finance", statements[s], plain).status;
          std::lock_guard lock(m);
          statuses.push_back(status);
        });
    for (auto& t : threads) t.join();
    return statuses;
  };
  // The same file six times at once: one import, five answers of what it stored.
  std::vector<test::Mt940Credit> numbered;
  for (int k = 0; k < 5; ++k) numbered.push_back({1000, "", "INV-" + std::to_string(k)});
  const auto once = at_once({test::mt940_statement("S-1", numbered)}, 6);
  CHECK(std::count(once.begin(), once.end(), 201) == 1);
  CHECK(std::count(once.begin(), once.end(), 200) == 5);
  for (int k = 0; k < 5; ++k)
    CHECK(a.call("GET", "/v1/invoices/INV-" + std::to_string(k), "collector").json_body()["open_amount"] == 0);
  // Two statements of two payments of 15.00 from the customer's account at once (no invoice is
  // open for 15.00: oldest first), against 50.00 open: every invoice paid once, 10.00 left.
  const std::vector<test::Mt940Credit> by_account(2, {1500, "DE02120300000000202051", "thanks"});
  const auto two = at_once({test::mt940_statement("S-2", by_account), test::mt940_statement("S-3", by_account)}, 1);
  CHECK(std::count(two.begin(), two.end(), 201) == 2);
  json customer = b->call("GET", "/v1/customers/C-1", "collector").json_body();
  CHECK(customer["balance"]["open"] == 0);
  CHECK(customer["balance"]["unapplied"] == 1000);
  for (int k = 5; k < 10; ++k)
    CHECK(a.call("GET", "/v1/invoices/INV-" + std::to_string(k), "collector").json_body()["open_amount"] == 0);
}
