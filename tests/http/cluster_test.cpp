// tallyman over a three-node MariaDB Galera cluster (scripts/cluster, which scripts/test
// starts): an instance of `tallyman serve` on each node, as an operator would run them behind
// haproxy. The credit limit holds across the nodes, an order is held once, the day's dunning
// runs once, a statement and a remittance advice are taken once, and what one node took is
// read through another at once.
#include "http/support.hpp"
#include "sql/database.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace tallyman;
using test::json;
using test::Service;
using test::TestDb;

namespace {

// Three instances, one per node, on a fresh database of the cluster.
struct Cluster {
  explicit Cluster(const std::string& env = "") : first("galera", env) {
    instances.push_back(&first);
    for (int node = 1; node < 3; ++node) {
      others.push_back(first.another_on(first.database().url_on(node), env));
      instances.push_back(others.back().get());
    }
  }
  Service first;
  std::vector<std::unique_ptr<Service>> others;
  std::vector<const Service*> instances;  // by node
};

json check(const std::string& customer, const std::string& order, std::int64_t amount) {
  return {{"customer", customer}, {"order_ref", order}, {"amount", amount}, {"currency", "EUR"}, {"reserve", true}};
}

void customer(const Service& s, const std::string& id, std::int64_t limit) {
  REQUIRE(s.call("POST", "/v1/customers", "finance",
                 json{{"id", id}, {"name", "Customer " + id}, {"currency", "EUR"}, {"credit_limit", limit}})
              .status == 201);
}

// What a node itself holds for the customer, read on that node.
std::int64_t reserved_on(const TestDb& db, int node, const std::string& id) {
  std::string why;
  sql::Database on(*sql::parse_db_url(db.url_on(node), why));
  sql::Params p;
  long long reserved = 0;
  sql::Query(on.session(), "SELECT reserved_amount FROM customers WHERE id = " + p.add(id), p).into(reserved).run();
  return reserved;
}

}  // namespace

TEST_CASE("400 reserving checks over three instances on three nodes approve exactly what the limit allows",
          "[http][galera]") {
  Cluster c;
  customer(c.first, "C-1", 100000);  // room for 100 orders of 1,000
  constexpr int clients = 12, each = 34;  // 408 checks of distinct orders
  std::atomic<int> approved{0}, declined{0}, unavailable{0};
  std::mutex mutex;
  std::vector<std::string> others;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < each; ++k) {
        const Service& s = *c.instances[static_cast<std::size_t>((t + k) % 3)];
        auto r = s.call("POST", "/v1/credit-checks", "sales", check("C-1", "SO-" + std::to_string(t) + "-" + std::to_string(k), 1000));
        if (r.status == 503) {
          ++unavailable;
        } else if (r.status != 200) {
          std::lock_guard lock(mutex);
          others.push_back(std::to_string(r.status) + " " + r.body);
        } else {
          (r.json_body()["decision"] == "approved" ? approved : declined)++;
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(others.empty());
  CHECK(unavailable == 0);
  CHECK(approved == 100);
  CHECK(declined == clients * each - 100);
  for (int node = 0; node < 3; ++node) {
    INFO("node " << node);
    CHECK(reserved_on(c.first.database(), node, "C-1") == 100000);
    CHECK(c.instances[static_cast<std::size_t>(node)]->call("GET", "/v1/customers/C-1/credit", "sales")
              .json_body()["reserved"] == 100000);
  }
}

TEST_CASE("one order checked through three instances at once is held once", "[http][galera]") {
  Cluster c;
  customer(c.first, "C-1", 100000000);
  constexpr int orders = 30;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int node = 0; node < 3; ++node)
    for (int twice = 0; twice < 2; ++twice)
      threads.emplace_back([&, node] {
        for (int k = 0; k < orders; ++k) {
          auto r = c.instances[static_cast<std::size_t>(node)]->call("POST", "/v1/credit-checks", "sales",
                                                                     check("C-1", "SO-" + std::to_string(k), 700));
          if (r.status != 200 || r.json_body()["decision"] != "approved") ++failures;
        }
      });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  for (int node = 0; node < 3; ++node) CHECK(reserved_on(c.first.database(), node, "C-1") == orders * 700);
}

TEST_CASE("the day's dunning runs once among three instances on three nodes", "[http][galera]") {
  Cluster c("TALLYMAN_DUNNING_AT=00:00 TALLYMAN_SCHEDULER_SECONDS=1");
  std::this_thread::sleep_for(std::chrono::seconds(4));
  for (const Service* s : c.instances) {
    json runs = s->call("GET", "/v1/dunning-runs", "collector").json_body()["items"];
    CHECK(runs.size() == 1);
  }
  json audit = c.first.call("GET", "/v1/audit?entity=dunning_run", "collector").json_body()["items"];
  CHECK(audit.size() == 1);
}

TEST_CASE("one bank statement posted through three instances on three nodes at once is imported once",
          "[http][galera]") {
  Cluster c;
  customer(c.first, "C-1", 100000000);
  std::vector<test::Mt940Credit> lines;
  for (int k = 0; k < 20; ++k) {
    REQUIRE(c.first.call("POST", "/v1/invoices", "finance",
                         json{{"number", "INV-" + std::to_string(k)}, {"customer", "C-1"}, {"issue_date", "2026-01-01"},
                              {"amount", 1000 + k}, {"currency", "EUR"}})
                .status == 201);
    lines.push_back({1000 + k, "", "INV-" + std::to_string(k)});
  }
  const std::string statement = test::mt940_statement("S-1", lines);
  std::atomic<int> created{0}, known{0}, other{0};
  std::vector<std::thread> threads;
  for (int node = 0; node < 3; ++node)
    for (int twice = 0; twice < 2; ++twice)
      threads.emplace_back([&, node] {
        const int status = c.instances[static_cast<std::size_t>(node)]
                               ->call("POST", "/v1/bank-statements", "finance", statement, {{"Content-Type", "text/plain"}})
                               .status;
        (status == 201 ? created : status == 200 ? known : other)++;
      });
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(known == 5);
  CHECK(other == 0);
  for (const Service* s : c.instances) {
    json customer = s->call("GET", "/v1/customers/C-1", "collector").json_body();
    CHECK(customer["balance"]["open"] == 0);
    CHECK(customer["balance"]["unapplied"] == 0);
  }
}

TEST_CASE("one remittance advice sent through three instances on three nodes at once is applied once",
          "[http][galera]") {
  Cluster c;
  customer(c.first, "C-1", 100000000);
  // Received before the invoice: all of it unapplied, room for the advice several times over.
  REQUIRE(c.first.call("POST", "/v1/payments", "finance",
                       json{{"reference", "P-1"}, {"customer", "C-1"}, {"received_date", "2026-01-01"},
                            {"amount", 10000}, {"currency", "EUR"}})
              .status == 201);
  REQUIRE(c.first.call("POST", "/v1/invoices", "finance",
                       json{{"number", "INV-1"}, {"customer", "C-1"}, {"issue_date", "2026-01-15"}, {"amount", 5000},
                            {"currency", "EUR"}})
              .status == 201);
  const json advice{{"customer", "C-1"}, {"payment", "P-1"}, {"lines", {{{"invoice", "INV-1"}, {"amount", 2000}}}}};
  std::atomic<int> created{0}, replayed{0}, other{0};
  std::vector<std::thread> threads;
  for (int node = 0; node < 3; ++node)
    for (int twice = 0; twice < 2; ++twice)
      threads.emplace_back([&, node] {
        const int status =
            c.instances[static_cast<std::size_t>(node)]->call("POST", "/v1/remittances", "finance", advice).status;
        (status == 201 ? created : status == 200 ? replayed : other)++;
      });
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(replayed == 5);
  CHECK(other == 0);
  for (const Service* s : c.instances) {
    CHECK(s->call("GET", "/v1/invoices/INV-1", "collector").json_body()["open_amount"] == 3000);
    CHECK(s->call("GET", "/v1/customers/C-1", "collector").json_body()["balance"]["unapplied"] == 8000);
  }
}

TEST_CASE("what one instance posts through one node another reads through another at once", "[http][galera]") {
  Cluster c;
  customer(c.first, "C-1", 100000000);
  int stale = 0;
  for (int k = 0; k < 60; ++k) {
    const Service& writer = *c.instances[static_cast<std::size_t>(k % 3)];
    const Service& reader = *c.instances[static_cast<std::size_t>((k + 1) % 3)];
    const std::string number = "INV-" + std::to_string(k);
    REQUIRE(writer.call("POST", "/v1/invoices", "finance",
                        json{{"number", number}, {"customer", "C-1"}, {"issue_date", "2026-01-01"},
                             {"due_date", "2026-02-01"}, {"amount", 100 + k}, {"currency", "EUR"}})
                .status == 201);
    if (reader.call("GET", "/v1/invoices/" + number, "collector").status != 200) ++stale;
    auto pay = reader.call("POST", "/v1/payments", "finance",
                           json{{"reference", "PAY-" + std::to_string(k)}, {"customer", "C-1"},
                                {"received_date", "2026-02-02"}, {"amount", 100 + k}, {"currency", "EUR"}});
    REQUIRE(pay.status == 201);
    if (pay.json_body()["applications"].size() != 1) ++stale;  // it found the invoice just posted
  }
  CHECK(stale == 0);
  json aging = c.instances[2]->call("GET", "/v1/reports/aging?as_of=2026-03-31", "collector").json_body();
  CHECK(aging["totals"]["total"] == 0);
}

TEST_CASE("a node killed while checks and postings run, every request is answered, nothing acknowledged is lost",
          "[http][galera]") {
  // Instances on node 1, on node 2 (the one killed) and through haproxy (which moves its
  // connections to a node that is up).
  Service first("galera");
  auto on_two = first.another_on(first.database().url_on(1));
  auto through_haproxy = first.another_on(first.database().url_on(TestDb::galera_haproxy));
  const std::vector<const Service*> instances{&first, on_two.get(), through_haproxy.get()};
  customer(first, "C-1", 5'000'000);  // room for 5,000 orders of 1,000: the limit is not what is tested
  customer(first, "C-2", 1'000'000'000);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, unavailable{0};
  std::mutex mutex;
  std::vector<std::string> acknowledged, others;  // invoices answered 201; any other answer
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      const Service& s = *instances[static_cast<std::size_t>(t % 3)];
      for (int k = 0; !stop; ++k) {
        const std::string id = std::to_string(t) + "-" + std::to_string(k);
        test::HttpResponse r;
        try {
          r = k % 2 == 0 ? s.call("POST", "/v1/credit-checks", "sales", check("C-1", "SO-" + id, 1000))
                         : s.call("POST", "/v1/invoices", "finance",
                                  json{{"number", "INV-" + id}, {"customer", "C-2"}, {"issue_date", "2026-01-01"},
                                       {"due_date", "2026-02-01"}, {"amount", 100}, {"currency", "EUR"}});
        } catch (const std::exception& e) {  // no answer within the client's 10 s
          std::lock_guard lock(mutex);
          others.push_back(std::string("no answer: ") + e.what());
          continue;
        }
        if (r.status == 503) {
          ++unavailable;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        } else if (r.status == 200 || r.status == 201) {
          ++ok;
          if (k % 2 == 1) {
            std::lock_guard lock(mutex);
            acknowledged.push_back("INV-" + id);
          }
        } else {
          std::lock_guard lock(mutex);
          others.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  auto cluster = [](const char* what) {
    return std::system(("'" TALLYMAN_SOURCE_DIR "/scripts/cluster' " + std::string(what) + " >/dev/null 2>&1").c_str());
  };
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int before = ok;
  REQUIRE(cluster("kill 2") == 0);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  const int while_down = ok - before;
  REQUIRE(cluster("restart 2") == 0);
  // The instance on node 2 comes back by itself: its next connection finds the node again.
  bool back = false;
  for (int k = 0; k < 60 && !back; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    back = on_two->call("GET", "/readyz").status == 200;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  for (auto& t : threads) t.join();
  INFO("answered 2xx: " << ok << " (" << while_down << " while node 2 was down), 503: " << unavailable);
  CHECK(others.empty());
  CHECK(back);
  CHECK(while_down > 0);  // the other instances went on
  // The instance on node 2 met its connections lost, and ran those requests again on new ones.
  const std::string metrics = on_two->call("GET", "/metrics").body;
  const std::size_t at = metrics.find("\ntallyman_request_reruns_total ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoll(metrics.substr(at + 31)) > 0);
  // Every acknowledged invoice is there, on every node.
  for (int node = 0; node < 3; ++node) {
    std::string why;
    sql::Database db(*sql::parse_db_url(first.database().url_on(node), why));
    sql::Params p;
    long long invoices = 0, reserved = 0, held = 0;
    sql::Query(db.session(), "SELECT COUNT(*) FROM invoices WHERE customer = 'C-2'", p).into(invoices).run();
    CHECK(invoices >= static_cast<long long>(acknowledged.size()));
    sql::Params q;
    sql::Query(db.session(), "SELECT reserved_amount FROM customers WHERE id = 'C-1'", q).into(reserved).run();
    sql::Params h;
    sql::Query(db.session(), "SELECT COALESCE(SUM(amount), 0) FROM reservations WHERE customer = 'C-1' AND status = 'active'", h)
        .into(held)
        .run();
    INFO("node " << node);
    CHECK(reserved == held);  // the projection agrees with the holds
    CHECK(held <= 5'000'000);
  }
  for (const std::string& number : acknowledged)
    if (through_haproxy->call("GET", "/v1/invoices/" + number, "collector").status != 200) FAIL_CHECK(number << " is lost");
}
