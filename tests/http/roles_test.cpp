// The role table of contract §1, endpoint by endpoint: each role's key, no key and an unknown
// key, against every route the router serves, over HTTP on SQLite and on MariaDB.
#include "http/router.hpp"
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace tallyman;
using test::json;

namespace {

// What the contract lets each kind of endpoint be called by, written out from its table
// rather than taken from the code under test.
enum class Who { anyone, any_key, readers, collectors, finance, managers, sales, sales_and_readers };

bool allowed(Who who, const std::string& role) {
  switch (who) {
    case Who::anyone: return true;
    case Who::any_key: return role != "";
    case Who::readers:
    case Who::collectors: return role == "collector" || role == "finance" || role == "manager" || role == "admin";
    case Who::finance: return role == "finance" || role == "manager" || role == "admin";
    case Who::managers: return role == "manager" || role == "admin";
    case Who::sales: return role == "sales" || role == "admin";
    case Who::sales_and_readers: return role != "";
  }
  return false;
}

struct Case {
  const char* method;
  const char* pattern;  // as the router names it
  const char* target;   // a concrete request to it
  Who who;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> list{
      {"GET", "/healthz", "/healthz", Who::anyone},
      {"GET", "/readyz", "/readyz", Who::anyone},
      {"GET", "/metrics", "/metrics", Who::anyone},
      {"GET", "/", "/", Who::anyone},
      {"GET", "/console/{file}", "/console/app.js", Who::anyone},
      {"GET", "/v1/me", "/v1/me", Who::any_key},
      {"GET", "/v1/terms", "/v1/terms", Who::readers},
      {"PUT", "/v1/terms/{code}", "/v1/terms/NET30", Who::finance},
      {"POST", "/v1/customers", "/v1/customers", Who::finance},
      {"GET", "/v1/customers", "/v1/customers", Who::readers},
      {"GET", "/v1/customers/{id}", "/v1/customers/C-1", Who::readers},
      {"PATCH", "/v1/customers/{id}", "/v1/customers/C-1", Who::finance},
      {"POST", "/v1/customers/{id}/applications", "/v1/customers/C-1/applications", Who::finance},
      {"GET", "/v1/customers/{id}/statement", "/v1/customers/C-1/statement", Who::readers},
      {"POST", "/v1/invoices", "/v1/invoices", Who::finance},
      {"GET", "/v1/invoices", "/v1/invoices", Who::readers},
      {"GET", "/v1/invoices/{number}", "/v1/invoices/INV-1", Who::readers},
      {"POST", "/v1/invoices/{number}/dispute", "/v1/invoices/INV-1/dispute", Who::collectors},
      {"DELETE", "/v1/invoices/{number}/dispute", "/v1/invoices/INV-1/dispute", Who::collectors},
      {"POST", "/v1/payments", "/v1/payments", Who::finance},
      {"GET", "/v1/payments", "/v1/payments", Who::readers},
      {"GET", "/v1/payments/{reference}", "/v1/payments/PAY-1", Who::readers},
      {"POST", "/v1/payments/{reference}/reverse", "/v1/payments/PAY-1/reverse", Who::finance},
      {"POST", "/v1/credit-notes", "/v1/credit-notes", Who::finance},
      {"GET", "/v1/credit-notes", "/v1/credit-notes", Who::readers},
      {"POST", "/v1/write-offs", "/v1/write-offs", Who::finance},
      {"GET", "/v1/write-offs", "/v1/write-offs", Who::readers},
      {"GET", "/v1/write-offs/{id}", "/v1/write-offs/1", Who::readers},
      {"POST", "/v1/write-offs/{id}/approve", "/v1/write-offs/1/approve", Who::managers},
      {"POST", "/v1/write-offs/{id}/reject", "/v1/write-offs/1/reject", Who::managers},
      {"GET", "/v1/reports/aging", "/v1/reports/aging", Who::readers},
      {"GET", "/v1/reports/overdue", "/v1/reports/overdue", Who::readers},
      {"GET", "/v1/reports/balances", "/v1/reports/balances", Who::readers},
      {"GET", "/v1/reports/kpis", "/v1/reports/kpis", Who::readers},
      {"GET", "/v1/reports/kpis/trend", "/v1/reports/kpis/trend", Who::readers},
      {"GET", "/v1/reports/provision", "/v1/reports/provision", Who::readers},
      {"GET", "/v1/reports/provision/matrix", "/v1/reports/provision/matrix", Who::readers},
      {"GET", "/v1/reports/watchlist", "/v1/reports/watchlist", Who::readers},
      {"GET", "/v1/provision-policy", "/v1/provision-policy", Who::readers},
      {"PUT", "/v1/provision-policy", "/v1/provision-policy", Who::finance},
      {"GET", "/v1/watch-policy", "/v1/watch-policy", Who::readers},
      {"PUT", "/v1/watch-policy", "/v1/watch-policy", Who::finance},
      {"GET", "/v1/audit", "/v1/audit", Who::readers},
      {"POST", "/v1/bank-statements", "/v1/bank-statements", Who::finance},
      {"GET", "/v1/bank-statements", "/v1/bank-statements", Who::readers},
      {"GET", "/v1/bank-statements/{id}", "/v1/bank-statements/1", Who::readers},
      {"GET", "/v1/bank-statements/{id}/lines", "/v1/bank-statements/1/lines", Who::readers},
      {"GET", "/v1/bank-statement-lines", "/v1/bank-statement-lines", Who::readers},
      {"POST", "/v1/bank-statement-lines/{id}/apply", "/v1/bank-statement-lines/1/apply", Who::finance},
      {"POST", "/v1/bank-statement-lines/{id}/ignore", "/v1/bank-statement-lines/1/ignore", Who::finance},
      {"POST", "/v1/remittances", "/v1/remittances", Who::finance},
      {"POST", "/v1/credit-checks", "/v1/credit-checks", Who::sales},
      {"POST", "/v1/credit-checks/{order_ref}/override", "/v1/credit-checks/SO-1/override", Who::finance},
      {"GET", "/v1/credit-checks", "/v1/credit-checks", Who::readers},
      {"GET", "/v1/reservations", "/v1/reservations?customer=C-1", Who::sales_and_readers},
      {"GET", "/v1/reservations/{order_ref}", "/v1/reservations/SO-1", Who::sales_and_readers},
      {"DELETE", "/v1/reservations/{order_ref}", "/v1/reservations/SO-1", Who::sales},
      {"GET", "/v1/customers/{id}/credit", "/v1/customers/C-1/credit", Who::sales_and_readers},
      {"GET", "/v1/credit-policy", "/v1/credit-policy", Who::readers},
      {"PUT", "/v1/credit-policy", "/v1/credit-policy", Who::finance},
      {"GET", "/v1/limit-changes", "/v1/limit-changes", Who::readers},
      {"GET", "/v1/limit-changes/{id}", "/v1/limit-changes/1", Who::readers},
      {"POST", "/v1/limit-changes/{id}/approve", "/v1/limit-changes/1/approve", Who::managers},
      {"POST", "/v1/limit-changes/{id}/reject", "/v1/limit-changes/1/reject", Who::managers},
      {"POST", "/v1/grading-runs", "/v1/grading-runs", Who::finance},
      {"GET", "/v1/grading-runs", "/v1/grading-runs", Who::readers},
      {"GET", "/v1/customers/{id}/score", "/v1/customers/C-1/score", Who::readers},
      {"GET", "/v1/dunning-policy", "/v1/dunning-policy", Who::readers},
      {"PUT", "/v1/dunning-policy", "/v1/dunning-policy", Who::finance},
      {"POST", "/v1/dunning-runs", "/v1/dunning-runs", Who::finance},
      {"GET", "/v1/dunning-runs", "/v1/dunning-runs", Who::readers},
      {"GET", "/v1/dunning-runs/{id}", "/v1/dunning-runs/1", Who::readers},
      {"GET", "/v1/dunning-tasks", "/v1/dunning-tasks", Who::readers},
      {"PATCH", "/v1/dunning-tasks/{id}", "/v1/dunning-tasks/1", Who::collectors},
      {"POST", "/v1/promises", "/v1/promises", Who::collectors},
      {"GET", "/v1/customers/{id}/promises", "/v1/customers/C-1/promises", Who::readers},
      {"GET", "/v1/notices", "/v1/notices", Who::readers},
      {"GET", "/v1/notices/{id}", "/v1/notices/1", Who::readers},
  };
  return list;
}

}  // namespace

TEST_CASE("roles: every route the router serves has its row in this matrix", "[http]") {
  std::set<std::string> served, tested;
  for (const auto& r : http::Router::routes()) served.insert(r.method + " " + r.path);
  for (const Case& c : cases()) tested.insert(std::string(c.method) + " " + c.pattern);
  CHECK(served == tested);
}

TEST_CASE("roles: each endpoint answers each role, no key and an unknown key as contract 1 says",
          "[http][mysql]") {
  test::Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  // Something for every path parameter to name.
  REQUIRE(s.call("POST", "/v1/customers", "admin", json{{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}}).status ==
          201);
  REQUIRE(s.call("POST", "/v1/invoices", "admin",
                 json{{"number", "INV-1"}, {"customer", "C-1"}, {"issue_date", "2026-01-01"}, {"amount", 100000},
                      {"currency", "EUR"}})
              .status == 201);
  REQUIRE(s.call("POST", "/v1/payments", "admin",
                 json{{"reference", "PAY-1"}, {"customer", "C-1"}, {"received_date", "2026-01-02"}, {"amount", 10},
                      {"currency", "EUR"}})
              .status == 201);
  REQUIRE(s.call("POST", "/v1/write-offs", "finance", json{{"invoice", "INV-1"}, {"amount", 1}, {"reason", "r"}})
              .status == 201);

  const std::vector<std::string> roles{"sales", "collector", "finance", "manager", "admin"};
  for (const Case& c : cases()) {
    const bool has_body = std::string(c.method) != "GET" && std::string(c.method) != "DELETE";
    const std::string body = has_body ? "{}" : "";
    const test::Headers type = has_body ? test::Headers{{"Content-Type", "application/json"}} : test::Headers{};
    for (const std::string& role : roles) {
      auto r = s.call(c.method, c.target, role, body, type);
      INFO(c.method << " " << c.target << " as " << role << " -> " << r.status << " " << r.body);
      if (allowed(c.who, role)) CHECK((r.status != 401 && r.status != 403));
      else CHECK(r.status == 403);
    }
    auto none = s.call(c.method, c.target, "", body, type);
    test::Headers unknown = type;
    unknown.emplace_back("Authorization", "Bearer tm_not-a-key-anyone-was-given");
    auto stranger = s.call(c.method, c.target, "", body, unknown);
    INFO(c.method << " " << c.target << " without a key -> " << none.status << ", unknown key -> " << stranger.status);
    if (c.who == Who::anyone) {
      CHECK(none.status == 200);
      CHECK(stranger.status == 200);
    } else {
      CHECK(none.status == 401);
      CHECK(stranger.status == 401);
      CHECK(none.header("content-type") == "application/problem+json");
    }
  }
}
