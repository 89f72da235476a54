// The finance reports of contract §8 over HTTP, on constructed books whose figures are worked
// out by hand here (docs/reports.md has the same example).
#include "http/support.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

void post(const Service& s, const std::string& target, const json& body, const std::string& role = "finance") {
  auto r = s.call("POST", target, role, body);
  INFO(target << " " << r.body);
  REQUIRE((r.status == 201 || r.status == 200));
}

json balances(const Service& s, const std::string& query) {
  auto r = s.call("GET", "/v1/reports/balances?" + query, "collector");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json_body();
}

json row(const json& report, const std::string& customer) {
  for (const json& r : report["customers"])
    if (r["customer"] == customer) return r;
  return json();
}

}  // namespace

TEST_CASE("reports: the balance table of a month, with a reversal across its start, a write-off in it, a customer of credit only",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  for (const char* id : {"B-1", "B-2"})
    post(s, "/v1/customers", {{"id", id}, {"name", std::string("Customer ") + id}, {"currency", "EUR"}});
  // B-1: invoiced 1,000.00 in February and 500.00 in March; paid 600.00 in February, which
  // bounces in March; 100.00 written off in March (approved by a manager, dated that day).
  post(s, "/v1/invoices", {{"number", "I-1"}, {"customer", "B-1"}, {"issue_date", "2026-02-05"},
                           {"due_date", "2026-03-07"}, {"amount", 100000}, {"currency", "EUR"}});
  post(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "B-1"}, {"received_date", "2026-02-20"},
                           {"amount", 60000}, {"currency", "EUR"}});
  post(s, "/v1/invoices", {{"number", "I-2"}, {"customer", "B-1"}, {"issue_date", "2026-03-10"},
                           {"due_date", "2026-04-09"}, {"amount", 50000}, {"currency", "EUR"}});
  post(s, "/v1/payments/P-1/reverse", {{"date", "2026-03-03"}, {"reason", "bounced"}});
  // B-2: only unapplied credit, a payment with nothing to pay and a credit note.
  post(s, "/v1/payments", {{"reference", "P-2"}, {"customer", "B-2"}, {"received_date", "2026-02-10"},
                           {"amount", 7000}, {"currency", "EUR"}});
  post(s, "/v1/credit-notes", {{"number", "N-2"}, {"customer", "B-2"}, {"date", "2026-03-15"}, {"amount", 500},
                               {"currency", "EUR"}});
  json feb = balances(s, "from=2026-02-01&to=2026-02-28");
  CHECK(row(feb, "B-1") == json{{"customer", "B-1"}, {"name", "Customer B-1"}, {"opening", 0}, {"invoiced", 100000},
                                {"received", 60000}, {"credited", 0}, {"written_off", 0}, {"reversed", 0},
                                {"closing", 40000}});
  CHECK(row(feb, "B-2")["closing"] == -7000);
  CHECK(feb["totals"]["closing"] == 33000);

  // The write-off is posted the day it is approved: today, after March. So March has none;
  // the write-off shows in the period that holds today.
  auto wo = s.call("POST", "/v1/write-offs", "finance", json{{"invoice", "I-1"}, {"amount", 10000}, {"reason", "goodwill"}});
  REQUIRE(wo.status == 201);
  REQUIRE(s.call("POST", "/v1/write-offs/" + wo.json_body()["id"].get<std::string>() + "/approve", "manager").status == 200);

  json mar = balances(s, "from=2026-03-01&to=2026-03-31");
  CHECK(row(mar, "B-1") == json{{"customer", "B-1"}, {"name", "Customer B-1"}, {"opening", 40000}, {"invoiced", 50000},
                                {"received", 0}, {"credited", 0}, {"written_off", 0}, {"reversed", 60000},
                                {"closing", 150000}});
  CHECK(row(mar, "B-2") == json{{"customer", "B-2"}, {"name", "Customer B-2"}, {"opening", -7000}, {"invoiced", 0},
                                {"received", 0}, {"credited", 500}, {"written_off", 0}, {"reversed", 0},
                                {"closing", -7500}});
  CHECK(mar["totals"]["opening"] == 33000);
  CHECK(mar["totals"]["closing"] == 142500);
  json to_today = balances(s, "from=2026-04-01");
  CHECK(row(to_today, "B-1")["written_off"] == 10000);
  CHECK(row(to_today, "B-1")["closing"] == 140000);
  // A period with nothing in it but balances carried: rows with an opening and a closing.
  json quiet = balances(s, "from=2026-06-01&to=2026-06-30");
  CHECK(row(quiet, "B-2") == json{{"customer", "B-2"}, {"name", "Customer B-2"}, {"opening", -7500}, {"invoiced", 0},
                                  {"received", 0}, {"credited", 0}, {"written_off", 0}, {"reversed", 0},
                                  {"closing", -7500}});
  // Before anything: no rows, zero totals.
  json none = balances(s, "from=2025-01-01&to=2025-01-31");
  CHECK(none["customers"].empty());
  CHECK(none["totals"]["closing"] == 0);
  // CSV: a row per customer and the totals.
  auto csv = s.call("GET", "/v1/reports/balances?from=2026-03-01&to=2026-03-31", "collector", std::string(),
                    {{"Accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  CHECK(csv.body.starts_with("customer,name,opening,invoiced,received,credited,written_off,reversed,closing\r\n"));
  CHECK(csv.body.find("total,,33000,50000,0,500,0,60000,142500\r\n") != std::string::npos);
  CHECK(s.call("GET", "/v1/reports/balances?from=2026-03-31&to=2026-03-01", "collector").status == 400);
}

TEST_CASE("reports: a customer's salesperson is set, changed and imported, and the aging and the overdue list filter by it",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "S-1"}, {"name", "Sold by Sam"}, {"currency", "EUR"}, {"salesperson", "sam"}});
  post(s, "/v1/customers", {{"id", "S-2"}, {"name", "Sold by Kim"}, {"currency", "EUR"}, {"salesperson", "kim"}});
  CHECK(s.call("POST", "/v1/customers", "finance",
               json{{"id", "S-9"}, {"name", "Bad"}, {"currency", "EUR"}, {"salesperson", "not a name"}})
            .status == 422);
  CHECK(s.call("GET", "/v1/customers/S-1", "collector").json_body()["salesperson"] == "sam");
  for (const char* id : {"S-1", "S-2"})
    post(s, "/v1/invoices", {{"number", std::string("I-") + id}, {"customer", id}, {"issue_date", "2026-01-01"},
                             {"due_date", "2026-02-01"}, {"amount", 1000}, {"currency", "EUR"}});
  json aging = s.call("GET", "/v1/reports/aging?as_of=2026-03-31&salesperson=sam", "collector").json_body();
  REQUIRE(aging["customers"].size() == 1);
  CHECK(aging["customers"][0]["id"] == "S-1");
  CHECK(aging["totals"]["total"] == 1000);
  json overdue = s.call("GET", "/v1/reports/overdue?as_of=2026-03-31&salesperson=kim", "collector").json_body()["items"];
  REQUIRE(overdue.size() == 1);
  CHECK(overdue[0]["customer"] == "S-2");
  // Moved to another salesperson, and removed.
  REQUIRE(s.call("PATCH", "/v1/customers/S-2", "finance", json{{"salesperson", "sam"}}).status == 200);
  CHECK(s.call("GET", "/v1/reports/aging?as_of=2026-03-31&salesperson=sam", "collector").json_body()["customers"].size() == 2);
  REQUIRE(s.call("PATCH", "/v1/customers/S-2", "finance", json{{"salesperson", nullptr}}).status == 200);
  CHECK(!s.call("GET", "/v1/customers/S-2", "collector").json_body().contains("salesperson"));
}

TEST_CASE("reports: the KPIs of a month worked out by hand, in total and by salesperson, and of a month without invoicing",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "K-1"}, {"name", "One"}, {"currency", "EUR"}, {"salesperson", "sam"}});
  post(s, "/v1/customers", {{"id", "K-2"}, {"name", "Two"}, {"currency", "EUR"}, {"salesperson", "kim"}});
  auto invoice = [&](const char* number, const char* customer, const char* issued, const char* due, std::int64_t amount) {
    post(s, "/v1/invoices", {{"number", number}, {"customer", customer}, {"issue_date", issued}, {"due_date", due},
                             {"amount", amount}, {"currency", "EUR"}});
  };
  invoice("I-1", "K-1", "2026-03-01", "2026-03-31", 100000);
  invoice("I-2", "K-1", "2026-03-20", "2026-04-19", 50000);
  post(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "K-1"}, {"received_date", "2026-04-10"},
                           {"amount", 60000}, {"currency", "EUR"}});  // to I-1, 10 days late
  invoice("I-3", "K-1", "2026-04-15", "2026-05-15", 30000);
  invoice("I-9", "K-2", "2026-04-05", "2026-05-05", 10000);
  post(s, "/v1/payments", {{"reference", "P-9"}, {"customer", "K-2"}, {"received_date", "2026-04-07"},
                           {"amount", 10000}, {"currency", "EUR"}});  // early
  auto kpis = [&](const std::string& query) {
    auto r = s.call("GET", "/v1/reports/kpis?" + query, "collector");
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json_body();
  };
  json all = kpis("from=2026-04-01&to=2026-04-30");
  CHECK(all["days"] == 30);
  REQUIRE(all["groups"].size() == 1);
  CHECK(all["groups"][0] == json{{"group", "all"}, {"opening_ar", 150000}, {"closing_ar", 120000}, {"invoiced", 40000},
                                 {"collected", 70000}, {"dso", 90.0}, {"best_possible_dso", 22.5}, {"add", 67.5},
                                 {"cei", 43.8}, {"wadl", 8.6}});
  json by_salesperson = kpis("from=2026-04-01&to=2026-04-30&group_by=salesperson");
  REQUIRE(by_salesperson["groups"].size() == 2);
  CHECK(by_salesperson["groups"][0] == json{{"group", "kim"}, {"opening_ar", 0}, {"closing_ar", 0}, {"invoiced", 10000},
                                            {"collected", 10000}, {"dso", 0.0}, {"best_possible_dso", 0.0},
                                            {"add", 0.0}, {"cei", 100.0}, {"wadl", 0.0}});
  CHECK(by_salesperson["groups"][1] == json{{"group", "sam"}, {"opening_ar", 150000}, {"closing_ar", 120000},
                                            {"invoiced", 30000}, {"collected", 60000}, {"dso", 120.0},
                                            {"best_possible_dso", 30.0}, {"add", 90.0}, {"cei", 40.0}, {"wadl", 10.0}});
  // May: nothing invoiced, nothing collected: no DSO, no WADL; the CEI says nothing came in.
  json may = kpis("from=2026-05-01&to=2026-05-31");
  CHECK(may["groups"][0] == json{{"group", "all"}, {"opening_ar", 120000}, {"closing_ar", 120000}, {"invoiced", 0},
                                 {"collected", 0}, {"dso", nullptr}, {"best_possible_dso", nullptr}, {"add", nullptr},
                                 {"cei", 0.0}, {"wadl", nullptr}});
  CHECK(s.call("GET", "/v1/reports/kpis?group_by=colour", "collector").status == 400);
  // The trend: each month of the range on its own, as the KPIs of that month.
  auto t = s.call("GET", "/v1/reports/kpis/trend?from=2026-03-01&to=2026-05-31", "collector");
  REQUIRE(t.status == 200);
  json months = t.json_body()["months"];
  REQUIRE(months.size() == 3);
  CHECK(months[0] == json{{"month", "2026-03"}, {"from", "2026-03-01"}, {"to", "2026-03-31"}, {"opening_ar", 0},
                          {"closing_ar", 150000}, {"invoiced", 150000}, {"collected", 0}, {"dso", 31.0},
                          {"best_possible_dso", 31.0}, {"add", 0.0}, {"cei", nullptr}, {"wadl", nullptr}});
  json april = all["groups"][0];
  april.erase("group");
  json trend_april = months[1];
  CHECK(trend_april["month"] == "2026-04");
  trend_april.erase("month");
  trend_april.erase("from");
  trend_april.erase("to");
  CHECK(trend_april == april);
  CHECK(months[2]["cei"] == 0.0);
  CHECK(months[2]["dso"].is_null());
  CHECK(s.call("GET", "/v1/reports/kpis/trend?from=2020-01-01&to=2026-05-31", "collector").status == 400);
  CHECK(s.call("GET", "/v1/reports/kpis/trend?to=2026-05-31", "collector").json_body()["months"].size() == 12);
  auto csv = s.call("GET", "/v1/reports/kpis?from=2026-04-01&to=2026-04-30", "collector", std::string(),
                    {{"Accept", "text/csv"}});
  CHECK(csv.body.find("all,150000,120000,40000,70000,90.0,22.5,67.5,43.8,8.6") != std::string::npos);
}
