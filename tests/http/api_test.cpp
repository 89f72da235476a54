// The ledger and report endpoints end to end: `tallyman serve` on SQLite and on MariaDB,
// over real HTTP on loopback (contract §1, §2, §4).
#include "http/support.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

json customer(const std::string& id, std::int64_t limit = 1000000) {
  return {{"id", id}, {"name", "Customer " + id}, {"currency", "EUR"}, {"credit_limit", limit}};
}

json invoice(const std::string& number, const std::string& customer, const std::string& issued, std::int64_t amount,
             const std::string& due = "") {
  json j{{"number", number}, {"customer", customer}, {"issue_date", issued}, {"amount", amount}, {"currency", "EUR"}};
  if (!due.empty()) j["due_date"] = due;
  return j;
}

json payment(const std::string& reference, const std::string& customer, const std::string& received,
             std::int64_t amount, json allocations = json::array()) {
  return {{"reference", reference}, {"customer", customer}, {"received_date", received},
          {"amount", amount},       {"currency", "EUR"},    {"allocations", std::move(allocations)}};
}

// Posts and checks the status, returning the body.
json post(const Service& s, const std::string& target, const json& body, int status = 201,
          const std::string& role = "finance") {
  auto r = s.call("POST", target, role, body);
  INFO(target << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == status);
  return r.json_body();
}

json get(const Service& s, const std::string& target, const std::string& role = "collector") {
  auto r = s.call("GET", target, role);
  INFO(target << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json_body();
}

}  // namespace

TEST_CASE("a customer, an invoice and a payment, then the balance and the aging", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  json c = post(s, "/v1/customers", customer("C-1001"));
  CHECK(c["id"] == "C-1001");
  CHECK(c["balance"]["available"] == 1000000);
  json inv = post(s, "/v1/invoices", invoice("INV-1", "C-1001", "2026-01-15", 250000));
  CHECK(inv["due_date"] == "2026-02-14");  // NET30 from the customer's terms
  CHECK(inv["open_amount"] == 250000);
  CHECK(inv["status"] == "open");
  post(s, "/v1/invoices", invoice("INV-2", "C-1001", "2026-02-01", 100000, "2026-02-10"));
  json pay = post(s, "/v1/payments", payment("PAY-9", "C-1001", "2026-02-20", 300000,
                                             json::array({{{"invoice", "INV-2"}, {"amount", 100000}}})));
  CHECK(pay["unapplied"] == 0);  // 100000 to INV-2 as asked, 200000 to INV-1 by due date

  CHECK(get(s, "/v1/invoices/INV-2")["status"] == "paid");
  CHECK(get(s, "/v1/invoices/INV-1")["open_amount"] == 50000);
  json one = get(s, "/v1/customers/C-1001");
  CHECK(one["balance"]["open"] == 50000);
  CHECK(one["balance"]["overdue"] == 50000);  // due 2026-02-14, long past today
  CHECK(one["balance"]["exposure"] == 50000);
  CHECK(one["balance"]["available"] == 950000);

  json before = get(s, "/v1/reports/aging?as_of=2026-02-15&buckets=30,60,90");
  CHECK(before["buckets"] == json::array({"current", "1-30", "31-60", "61-90", "91+"}));
  CHECK(before["totals"]["1-30"] == 350000);
  CHECK(before["totals"]["total"] == 350000);
  json after = get(s, "/v1/reports/aging?as_of=2026-03-31");
  CHECK(after["totals"]["31-60"] == 50000);
  CHECK(after["customers"][0]["id"] == "C-1001");
  CHECK(get(s, "/v1/reports/aging?as_of=2026-03-31&customers=false").contains("customers") == false);
  json by_issue = get(s, "/v1/reports/aging?as_of=2026-03-31&basis=issue_date&buckets=30,60");
  CHECK(by_issue["buckets"] == json::array({"0-30", "31-60", "61+"}));
  CHECK(by_issue["totals"]["61+"] == 50000);
}

TEST_CASE("posting the same document again answers 200, other content under its id 409", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/customers", customer("C-1"), 200);
  post(s, "/v1/customers", customer("C-1", 5), 409);
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-15", 250000));
  json again = post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-15", 250000), 200);
  CHECK(again["open_amount"] == 250000);
  json conflict = post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-15", 250001), 409);
  CHECK(conflict["status"] == 409);
  CHECK(conflict["type"] == "/problems/conflict");
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-02-01", 1000));
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-02-01", 1000), 200);
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-02-02", 1000), 409);
  const json note{{"number", "CN-1"}, {"customer", "C-1"}, {"date", "2026-02-03"},
                  {"amount", 500},     {"currency", "EUR"}, {"invoice", "INV-1"}};
  post(s, "/v1/credit-notes", note);
  post(s, "/v1/credit-notes", note, 200);
  json other = note;
  other["amount"] = 501;
  post(s, "/v1/credit-notes", other, 409);
  // Nothing was posted twice: 250000 - 1000 (payment) - 500 (credit note).
  CHECK(get(s, "/v1/invoices/INV-1")["open_amount"] == 248500);
}

TEST_CASE("terms are listed, put, and give new invoices their due date", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  json terms = get(s, "/v1/terms");
  REQUIRE(terms["items"].size() == 3);
  CHECK(terms["items"][0]["code"] == "EOM30");
  const json net10{{"basis", "invoice_date"}, {"days", 10}, {"discount", {{"days", 5}, {"percent_bp", 200}}}};
  CHECK(s.call("PUT", "/v1/terms/NET10", "finance", net10).status == 201);
  CHECK(s.call("PUT", "/v1/terms/NET10", "finance", net10).status == 200);
  CHECK(get(s, "/v1/terms")["items"].size() == 4);
  json c = customer("C-2");
  c["terms"] = "NET10";
  post(s, "/v1/customers", c);
  CHECK(post(s, "/v1/invoices", invoice("INV-9", "C-2", "2026-01-31", 100))["due_date"] == "2026-02-10");
  c["id"] = "C-3";
  c["terms"] = "EOM30";
  post(s, "/v1/customers", c);
  CHECK(post(s, "/v1/invoices", invoice("INV-10", "C-3", "2026-01-15", 100))["due_date"] == "2026-03-02");
  auto bad = s.call("PUT", "/v1/terms/BAD", "finance", json{{"basis", "someday"}, {"days", -1}});
  CHECK(bad.status == 422);
  CHECK(bad.json_body()["errors"].size() == 2);
}

TEST_CASE("a customer's settings change with PATCH, its currency never", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  auto r = s.call("PATCH", "/v1/customers/C-1", "finance",
                  json{{"credit_limit", 5000}, {"collector", "alice"}, {"grade", "B"}, {"on_hold", true}});
  REQUIRE(r.status == 200);
  json c = r.json_body();
  CHECK(c["credit_limit"] == 5000);
  CHECK(c["collector"] == "alice");
  CHECK(c["grade"] == "B");
  CHECK(c["on_hold"] == true);
  CHECK(s.call("PATCH", "/v1/customers/C-1", "finance", json{{"credit_limit", nullptr}}).json_body().contains(
            "credit_limit") == false);
  CHECK(s.call("PATCH", "/v1/customers/C-1", "finance", json{{"currency", "USD"}}).status == 422);
  CHECK(s.call("PATCH", "/v1/customers/C-1", "finance", json{{"terms", "NOPE"}}).status == 422);
  CHECK(s.call("PATCH", "/v1/customers/C-404", "finance", json{{"name", "x"}}).status == 404);
}

TEST_CASE("credit notes, unapplied credit applied later, disputes kept out of auto-allocation",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-01", 1000));
  post(s, "/v1/invoices", invoice("INV-2", "C-1", "2026-01-05", 2000));
  // Disputing INV-1 (a collector may) leaves it out of the payment's automatic allocation.
  auto d = s.call("POST", "/v1/invoices/INV-1/dispute", "collector", json{{"reason", "damaged goods"}});
  REQUIRE(d.status == 200);
  CHECK(d.json_body()["disputed"] == true);
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-02-01", 2500));
  CHECK(get(s, "/v1/invoices/INV-1")["open_amount"] == 1000);
  CHECK(get(s, "/v1/invoices/INV-2")["open_amount"] == 0);
  CHECK(get(s, "/v1/customers/C-1")["balance"]["unapplied"] == 500);
  // The dispute resolved, the remittance advice says: 400 of the unapplied credit to INV-1.
  CHECK(s.call("DELETE", "/v1/invoices/INV-1/dispute", "collector").json_body()["disputed"] == false);
  json applied = post(s, "/v1/customers/C-1/applications",
                      {{"invoice", "INV-1"}, {"amount", 400}, {"date", "2026-02-10"}});
  CHECK(applied["open_amount"] == 600);
  post(s, "/v1/customers/C-1/applications", {{"invoice", "INV-1"}, {"amount", 101}, {"date", "2026-02-10"}}, 422);
  // A credit note to the invoice, and one without, which becomes unapplied credit.
  post(s, "/v1/credit-notes", {{"number", "CN-1"}, {"customer", "C-1"}, {"date", "2026-02-11"},
                               {"amount", 600}, {"currency", "EUR"}, {"invoice", "INV-1"}});
  CHECK(get(s, "/v1/invoices/INV-1")["status"] == "paid");
  post(s, "/v1/credit-notes",
       {{"number", "CN-2"}, {"customer", "C-1"}, {"date", "2026-02-11"}, {"amount", 50}, {"currency", "EUR"}});
  CHECK(get(s, "/v1/customers/C-1")["balance"]["unapplied"] == 150);
}

TEST_CASE("a reversed payment reopens its invoices from its date, aging before unchanged",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-01", 1000, "2026-01-31"));
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-02-01", 1500));
  CHECK(get(s, "/v1/reports/aging?as_of=2026-02-15")["totals"]["total"] == -500);
  post(s, "/v1/payments/PAY-1/reverse", {{"date", "2026-01-20"}, {"reason", "bounced"}}, 422);  // before it came
  json reversed = post(s, "/v1/payments/PAY-1/reverse", {{"date", "2026-02-20"}, {"reason", "bounced"}}, 201);
  CHECK(reversed["reversed_on"] == "2026-02-20");
  CHECK(reversed["unapplied"] == 0);
  post(s, "/v1/payments/PAY-1/reverse", {{"date", "2026-02-20"}, {"reason", "bounced"}}, 200);
  post(s, "/v1/payments/PAY-1/reverse", {{"date", "2026-02-21"}, {"reason", "bounced"}}, 409);
  post(s, "/v1/payments/PAY-404/reverse", {{"reason", "bounced"}}, 404);
  CHECK(get(s, "/v1/invoices/INV-1")["open_amount"] == 1000);
  CHECK(get(s, "/v1/reports/aging?as_of=2026-02-15")["totals"]["total"] == -500);  // as it was
  json later = get(s, "/v1/reports/aging?as_of=2026-02-20");
  CHECK(later["totals"]["1-30"] == 1000);
  CHECK(later["totals"]["unapplied"] == 0);
  json statement = get(s, "/v1/customers/C-1/statement?from=2026-01-01&to=2026-02-28");
  CHECK(statement["opening_balance"] == 0);
  CHECK(statement["closing_balance"] == 1000);
  CHECK(statement["lines"].size() == 5);  // invoice, payment, its application, two reversal postings
  // The lines of the invoice carry its payment reference; the payment's own line none.
  const json reference = get(s, "/v1/invoices/INV-1")["payment_reference"];
  CHECK(statement["lines"][0]["payment_reference"] == reference);
  CHECK(statement["lines"][1]["payment_reference"].is_null());
}

TEST_CASE("a write-off is requested by finance and approved by another person", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-01", 1000));
  post(s, "/v1/write-offs", {{"invoice", "INV-1"}, {"amount", 1001}, {"reason", "too much"}}, 422);
  json w = post(s, "/v1/write-offs", {{"invoice", "INV-1"}, {"amount", 1000}, {"reason", "insolvent"}});
  CHECK(w["status"] == "pending");
  const std::string id = w["id"];
  CHECK(s.call("POST", "/v1/write-offs/" + id + "/approve", "finance").status == 403);  // role
  json by_manager = post(s, "/v1/write-offs", {{"invoice", "INV-1"}, {"amount", 10}, {"reason", "rounding"}}, 201,
                         "manager");
  // A manager cannot approve their own request; another manager can.
  auto own = s.call("POST", "/v1/write-offs/" + std::string(by_manager["id"]) + "/approve", "manager");
  CHECK(own.status == 403);
  CHECK(own.json_body()["detail"].get<std::string>().find("someone other") != std::string::npos);
  json approved = post(s, "/v1/write-offs/" + id + "/approve", json::object(), 200, "manager");
  CHECK(approved["status"] == "approved");
  CHECK(approved["decided_by"] == "t-manager");
  CHECK(get(s, "/v1/invoices/INV-1")["status"] == "written_off");
  post(s, "/v1/write-offs/" + id + "/reject", json::object(), 409, "admin");
  // The second request now exceeds what is open: approving it is refused, rejecting works.
  test::HttpClient c(s.port());
  auto refused = c.request("POST", "/v1/write-offs/" + std::string(by_manager["id"]) + "/approve", "",
                           {{"Authorization", "Bearer " + s.keys().manager2}});
  CHECK(refused.status == 422);
  CHECK(post(s, "/v1/write-offs/" + std::string(by_manager["id"]) + "/reject", json::object(), 200,
             "admin")["status"] == "rejected");
  CHECK(get(s, "/v1/write-offs?status=pending")["items"].empty());
  CHECK(get(s, "/v1/write-offs")["items"].size() == 2);
  CHECK(s.call("GET", "/v1/write-offs/999", "collector").status == 404);
}

TEST_CASE("lists page with a cursor and answer CSV when asked", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  for (int k = 1; k <= 7; ++k) post(s, "/v1/customers", customer("C-" + std::to_string(k)));
  std::vector<std::string> seen;
  std::string target = "/v1/customers?limit=3";
  for (int pages = 0; pages < 10; ++pages) {
    json page = get(s, target);
    for (const json& c : page["items"]) seen.push_back(c["id"]);
    if (page["next_cursor"].is_null()) break;
    target = "/v1/customers?limit=3&cursor=" + page["next_cursor"].get<std::string>();
  }
  CHECK(seen == std::vector<std::string>{"C-1", "C-2", "C-3", "C-4", "C-5", "C-6", "C-7"});
  auto csv = s.call("GET", "/v1/customers?limit=2", "collector", std::string(), {{"Accept", "text/csv"}});
  CHECK(csv.header("content-type").starts_with("text/csv"));
  CHECK(csv.body.starts_with("id,name,currency,credit_limit,terms,on_hold,balance.open,balance.overdue,balance.unapplied,"
                             "balance.total\r\n"));
  CHECK(!csv.header("next-cursor").empty());
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-01", 1000));
  post(s, "/v1/invoices", invoice("INV-2", "C-2", "2026-01-01", 1000));
  post(s, "/v1/payments", payment("PAY-1", "C-2", "2026-01-02", 1000));
  CHECK(get(s, "/v1/invoices?customer=C-1")["items"].size() == 1);
  CHECK(get(s, "/v1/invoices?status=paid")["items"][0]["number"] == "INV-2");
  CHECK(get(s, "/v1/invoices?status=open")["items"][0]["number"] == "INV-1");
  auto aging_csv = s.call("GET", "/v1/reports/aging?as_of=2026-03-01", "collector", std::string(), {{"Accept", "text/csv"}});
  CHECK(aging_csv.body.starts_with("id,name,current,1-30,31-60,61-90,91+,unapplied,total\r\n"));
}

TEST_CASE("the overdue list, largest first, and a customer's statement", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/customers", customer("C-2"));
  s.call("PATCH", "/v1/customers/C-2", "finance", json{{"collector", "bob"}, {"grade", "C"}});
  post(s, "/v1/invoices", invoice("INV-1", "C-1", "2026-01-01", 1000, "2026-01-31"));
  post(s, "/v1/invoices", invoice("INV-2", "C-2", "2026-01-01", 5000, "2026-02-15"));
  post(s, "/v1/invoices", invoice("INV-3", "C-2", "2026-01-01", 700, "2026-03-30"));
  post(s, "/v1/payments", payment("PAY-1", "C-1", "2026-03-01", 400));
  json list = get(s, "/v1/reports/overdue?as_of=2026-03-31");
  REQUIRE(list["items"].size() == 2);
  CHECK(list["items"][0]["customer"] == "C-2");
  CHECK(list["items"][0]["overdue_amount"] == 5700);
  CHECK(list["items"][0]["max_days_overdue"] == 44);
  CHECK(list["items"][0]["invoices"] == 2);
  CHECK(list["items"][0]["collector"] == "bob");
  CHECK(list["items"][1]["overdue_amount"] == 600);
  CHECK(get(s, "/v1/reports/overdue?as_of=2026-03-31&min_days=45")["items"][0]["customer"] == "C-1");
  CHECK(get(s, "/v1/reports/overdue?as_of=2026-03-31&collector=bob")["items"].size() == 1);
  CHECK(get(s, "/v1/reports/overdue?as_of=2026-03-31&grade=A")["items"].empty());
  // As of a date before the payment, C-1 owed all of it.
  CHECK(get(s, "/v1/reports/overdue?as_of=2026-02-28")["items"][1]["overdue_amount"] == 1000);

  json st = get(s, "/v1/customers/C-1/statement?from=2026-02-01&to=2026-03-31");
  CHECK(st["opening_balance"] == 1000);
  CHECK(st["lines"].size() == 2);  // the payment and its application
  CHECK(st["closing_balance"] == 600);
}

TEST_CASE("the audit trail names who changed what, by which request", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1"));
  post(s, "/v1/customers", customer("C-1"), 200);  // a replay changes nothing: no entry
  s.call("PATCH", "/v1/customers/C-1", "manager", json{{"name", "Renamed"}}, {{"X-Request-Id", "req-42"}});
  json audit = get(s, "/v1/audit?entity=customer&id=C-1");
  REQUIRE(audit["items"].size() == 2);
  CHECK(audit["items"][0]["actor"] == "t-finance");
  CHECK(audit["items"][0]["action"] == "customer.create");
  CHECK(audit["items"][0]["detail"]["credit_limit"] == 1000000);
  CHECK(audit["items"][1]["actor"] == "t-manager");
  CHECK(audit["items"][1]["request_id"] == "req-42");
  CHECK(get(s, "/v1/audit?entity=invoice")["items"].empty());
}

TEST_CASE("health, readiness and metrics need no key", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  CHECK(s.call("GET", "/healthz", "").json_body()["status"] == "ok");
  CHECK(s.call("GET", "/readyz", "").json_body()["status"] == "ready");
  auto missing = s.call("GET", "/v1/customers/C-404?x=1", "collector", std::string(), {{"X-Request-Id", "log-42"}});
  CHECK(missing.header("x-request-id") == "log-42");
  CHECK(!s.call("GET", "/healthz", "").header("x-request-id").empty());  // made up when not sent
  auto m = s.call("GET", "/metrics", "");
  CHECK(m.header("content-type").starts_with("text/plain"));
  CHECK(m.body.find("tallyman_requests_total{route=\"GET /v1/customers/{id}\",status=\"404\"} 1") != std::string::npos);
  CHECK(m.body.find("tallyman_request_duration_seconds_count") != std::string::npos);
  CHECK(m.body.find("tallyman_database_workers_busy 0") != std::string::npos);
  // One structured line per request, written out within the log's flush interval.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(s.log().find(R"({"method":"GET","path":"/v1/customers/C-404","status":404,"ms":)") != std::string::npos);
  CHECK(s.log().find(R"("request_id":"log-42"})") != std::string::npos);
}

TEST_CASE("the database gone answers 503 and the service lives on", "[http][mysql]") {
  Service s("mysql");
  post(s, "/v1/customers", customer("C-1"));
  {
    sql::Params none;
    test::TestDb other("mysql");  // a second database on the server, to run the DROP from
    const std::string name = s.url().substr(s.url().rfind('/') + 1);
    sql::execute(other.db(), "DROP DATABASE " + name, none);
  }
  auto r = s.call("GET", "/v1/customers/C-1", "collector");
  CHECK(r.status == 503);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(!r.header("retry-after").empty());
  CHECK(s.call("GET", "/readyz", "").status == 503);
  CHECK(s.call("GET", "/healthz", "").status == 200);
  CHECK(s.call("GET", "/metrics", "").body.find("tallyman_database_errors_total 0") == std::string::npos);
}

TEST_CASE("SIGTERM lets the request in flight finish and exits 0", "[http]") {
  Service s("sqlite");
  test::HttpClient idle(s.port());  // an idle keep-alive connection does not hold the exit up
  REQUIRE(idle.request("GET", "/healthz").status == 200);
  // A writer holds the database, so the request below stays in flight until it lets go.
  std::string why;
  sql::Database db(*sql::parse_db_url(s.url(), why));
  auto lock = std::make_unique<sql::WriteTransaction>(db);
  test::HttpClient busy(s.port());
  const std::string body = json{{"id", "C-2"}, {"name", "Late"}, {"currency", "EUR"}}.dump();
  busy.send_raw("POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.key("finance") +
                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                body);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int exit_status = -1;
  std::thread stopper([&] { exit_status = s.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(idle.closed_within(2000));
  lock.reset();  // rolled back: the request goes on
  auto r = busy.read_response();
  stopper.join();
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(exit_status == 0);
}
