// Grading runs over HTTP (contract §3): constructed histories with known scores, a customer
// without history keeping its grade, and the score explained factor by factor.
#include "core/calendar.hpp"
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

// Dates relative to today (UTC, the service's default): the window is the 12 months up to it.
std::string days_ago(int days) {
  const Date today = std::chrono::floor<date::days>(std::chrono::system_clock::now());
  return format_date(today - date::days(days));
}

void post(const Service& s, const std::string& target, const json& body, const std::string& role = "finance") {
  auto r = s.call("POST", target, role, body);
  INFO(target << " " << r.body);
  REQUIRE((r.status == 201 || r.status == 200));
}

void invoice(const Service& s, const std::string& number, const std::string& customer) {
  post(s, "/v1/invoices",
       {{"number", number}, {"customer", customer}, {"issue_date", days_ago(60)}, {"due_date", days_ago(30)},
        {"amount", 1000}, {"currency", "EUR"}});
}

}  // namespace

TEST_CASE("grading: a run scores constructed histories as the rules say and sets the grades", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  for (const char* id : {"G-1", "G-2", "G-3", "G-4"})
    post(s, "/v1/customers", {{"id", id}, {"name", id}, {"currency", "EUR"}, {"credit_limit", 100000}});
  REQUIRE(s.call("PATCH", "/v1/customers/G-3", "finance", json{{"grade", "B"}}).status == 200);
  // G-1 paid on its due date: 40 + 25 + 20 + 1 (one invoice of 12) = 86, A.
  invoice(s, "INV-1", "G-1");
  post(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "G-1"}, {"received_date", days_ago(30)},
                           {"amount", 1000}, {"currency", "EUR"}});
  // G-2 never paid: 30 days late on all of it, all overdue: 0 + 25 x 30/60 (12) + 0 + 1 = 13, C.
  invoice(s, "INV-2", "G-2");
  // G-4 paid half on time, the other half written off today: 86 less the penalty 30 = 56, B.
  invoice(s, "INV-4", "G-4");
  post(s, "/v1/payments", {{"reference", "P-4"}, {"customer", "G-4"}, {"received_date", days_ago(31)},
                           {"amount", 500}, {"currency", "EUR"}});
  json w = s.call("POST", "/v1/write-offs", "finance", json{{"invoice", "INV-4"}, {"amount", 500}, {"reason", "dispute lost"}})
               .json_body();
  REQUIRE(s.call("POST", "/v1/write-offs/" + std::string(w["id"]) + "/approve", "manager").status == 200);

  CHECK(s.call("POST", "/v1/grading-runs", "collector", json{{"as_of", days_ago(0)}}).status == 403);
  auto run = s.call("POST", "/v1/grading-runs", "finance", json{{"as_of", days_ago(0)}});
  REQUIRE(run.status == 201);
  json counts = run.json_body();
  CHECK(counts["customers_examined"] == 4);
  CHECK(counts["customers_graded"] == 3);
  CHECK(counts["grades_changed"] == 3);
  json runs = s.call("GET", "/v1/grading-runs", "collector").json_body()["items"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0] == counts);

  auto grade = [&](const char* id) { return s.call("GET", std::string("/v1/customers/") + id, "collector").json_body()["grade"]; };
  CHECK(grade("G-1") == "A");
  CHECK(grade("G-2") == "C");
  CHECK(grade("G-3") == "B");  // no history: keeps its grade
  CHECK(grade("G-4") == "B");

  json g1 = s.call("GET", "/v1/customers/G-1/score", "collector").json_body();
  CHECK(g1["score"] == 86);
  CHECK(g1["factors"]["on_time"]["share_bp"] == 10000);
  CHECK(g1["factors"]["on_time"]["points"] == 40);
  CHECK(g1["factors"]["days_late"]["points"] == 25);
  CHECK(g1["factors"]["overdue"]["points"] == 20);
  CHECK(g1["factors"]["volume"]["invoices"] == 1);
  CHECK(g1["factors"]["volume"]["points"] == 1);
  // 1,000 a year is 83 a month; NET30 owes two months; A counts 150%: 249, to whole hundreds.
  CHECK(g1["proposed_limit"] == 200);
  CHECK(g1["credit_limit"] == 100000);  // proposed, not applied
  json g2 = s.call("GET", "/v1/customers/G-2/score", "collector").json_body();
  CHECK(g2["score"] == 13);
  CHECK(g2["factors"]["days_late"]["average_days"] == 30);
  json g4 = s.call("GET", "/v1/customers/G-4/score", "collector").json_body();
  CHECK(g4["score"] == 56);
  CHECK(g4["factors"]["write_off"]["points"] == -30);
  CHECK(s.call("GET", "/v1/customers/G-3/score", "collector").status == 404);

  // The policy's thresholds decide: with A from 87, G-1 becomes B at the next run.
  REQUIRE(s.call("PUT", "/v1/credit-policy", "finance", json{{"grading", {{"grade_a_min", 87}}}}).status == 200);
  CHECK(s.call("PUT", "/v1/credit-policy", "finance", json{{"grading", {{"weight_volume", 50}}}}).status == 422);
  REQUIRE(s.call("POST", "/v1/grading-runs", "finance", json{{"as_of", days_ago(0)}}).json_body()["grades_changed"] == 1);
  CHECK(grade("G-1") == "B");
}

TEST_CASE("grading: the weekly run happens on its day only, once among two instances", "[http][mysql]") {
  static const char* const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const date::weekday today{std::chrono::floor<date::days>(std::chrono::system_clock::now())};
  auto env = [](date::weekday day) {
    return std::string("TALLYMAN_GRADING_AT='") + names[day.c_encoding()] + " 00:00' TALLYMAN_SCHEDULER_SECONDS=1";
  };
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Service other_day(backend, env(today + date::days(1)));
  Service a(backend, env(today));
  auto b = a.another(env(today));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  json runs = a.call("GET", "/v1/audit?entity=grading_run", "admin").json_body()["items"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["actor"].get<std::string>().starts_with("scheduler:"));
  CHECK(other_day.call("GET", "/v1/audit?entity=grading_run", "admin").json_body()["items"].empty());
}
