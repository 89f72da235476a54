// Dunning runs over HTTP and the command line (contract §5) on a constructed book, as of
// successive dates: escalation, no duplicates, holds set, obeyed and lifted, episodes.
#include "http/support.hpp"
#include "sql/database.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

// A run as of a date: 201 when it is new, 200 (replayed) when a run covered the date already.
json run(const Service& s, const char* as_of, int status = 201) {
  auto r = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", as_of}});
  INFO(r.body);
  REQUIRE(r.status == status);
  CHECK(r.json_body()["replayed"] == (status == 200));
  return r.json_body();
}

json tasks(const Service& s, const std::string& query = "") {
  return s.call("GET", "/v1/dunning-tasks" + query, "collector").json_body()["items"];
}

void post(const Service& s, const std::string& target, const json& body) {
  auto r = s.call("POST", target, "finance", body);
  INFO(target << " " << r.body);
  REQUIRE(r.status == 201);
}

}  // namespace

TEST_CASE("dunning: runs as of successive dates escalate, never duplicate, hold and release", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "D-1"}, {"name", "Late Ltd"}, {"currency", "EUR"}, {"credit_limit", 1000000},
                            {"collector", "alice"}});
  post(s, "/v1/customers", {{"id", "D-2"}, {"name", "Small Ltd"}, {"currency", "EUR"}, {"credit_limit", 1000000}});
  post(s, "/v1/invoices", {{"number", "I-1"}, {"customer", "D-1"}, {"issue_date", "2026-02-01"},
                           {"due_date", "2026-03-01"}, {"amount", 5000}, {"currency", "EUR"}});
  post(s, "/v1/invoices", {{"number", "I-9"}, {"customer", "D-2"}, {"issue_date", "2026-02-01"},
                           {"due_date", "2026-03-01"}, {"amount", 999}, {"currency", "EUR"}});  // under the minimum
  post(s, "/v1/invoices", {{"number", "I-8"}, {"customer", "D-2"}, {"issue_date", "2026-02-01"},
                           {"due_date", "2026-03-01"}, {"amount", 50000}, {"currency", "EUR"}});
  REQUIRE(s.call("POST", "/v1/invoices/I-8/dispute", "collector", json{{"reason", "wrong goods"}}).status == 200);

  json first = run(s, "2026-03-02");
  CHECK(first["tasks_created"] == 1);
  CHECK(first["customers_examined"] == 2);
  json t = tasks(s);
  REQUIRE(t.size() == 1);
  CHECK(t[0]["customer"] == "D-1");
  CHECK(t[0]["level"] == 1);
  CHECK(t[0]["action"] == "reminder");
  CHECK(t[0]["overdue_amount"] == 5000);
  CHECK(t[0]["invoices"] == json::array({"I-1"}));
  CHECK(t[0]["collector"] == "alice");
  // A reminder sends a notice: rendered into the outbox with the task, waiting for delivery.
  REQUIRE(t[0]["notice"].is_string());
  json notice = s.call("GET", "/v1/notices/" + t[0]["notice"].get<std::string>(), "collector").json_body();
  CHECK(notice["subject"] == "Payment reminder: 50.00 EUR overdue");
  CHECK(notice["text"].get<std::string>().find("I-1") != std::string::npos);
  CHECK(notice["html"].get<std::string>().find("<td>I-1</td><td>2026-03-01</td><td>1</td>") != std::string::npos);
  // With the invoice's payment reference, for the customer to quote.
  const std::string reference = s.call("GET", "/v1/invoices/I-1", "collector").json_body()["payment_reference"];
  CHECK(notice["text"].get<std::string>().find(reference) != std::string::npos);
  CHECK(notice["html"].get<std::string>().find(std::string("<td>").append(reference).append("</td>")) != std::string::npos);
  CHECK(notice["delivery"]["status"] == "pending");
  CHECK(s.call("GET", "/v1/notices/999", "collector").status == 404);
  // The same date again: nothing new; the answer is what that date's run did.
  json again = run(s, "2026-03-02", 200);
  CHECK(again["id"] == first["id"]);
  CHECK(again["tasks_created"] == 1);
  CHECK(run(s, "2026-02-20", 200)["id"] == first["id"]);  // an earlier one: the run that covered it
  CHECK(tasks(s).size() == 1);
  CHECK(run(s, "2026-03-16")["tasks_created"] == 1);  // 15 days: call
  CHECK(tasks(s, "?level=2")[0]["notice"].is_null());   // a call sends nothing
  json hold = run(s, "2026-03-31");                    // 30 days: final notice and the hold
  CHECK(hold["tasks_created"] == 1);
  CHECK(hold["holds_set"] == 1);
  CHECK(run(s, "2026-04-01")["tasks_created"] == 0);  // still level 3: nothing new
  CHECK(s.call("GET", "/v1/dunning-runs?limit=2", "collector").json_body()["items"][0]["as_of"] == "2026-04-01");
  CHECK(tasks(s, "?status=open").size() == 3);
  CHECK(tasks(s, "?level=3")[0]["action"] == "final_notice");
  CHECK(tasks(s, "?collector=bob").empty());
  auto declined = s.call("POST", "/v1/credit-checks", "sales",
                         json{{"customer", "D-1"}, {"order_ref", "SO-1"}, {"amount", 1}, {"currency", "EUR"}});
  CHECK(declined.json_body()["decision"] == "declined");
  CHECK(declined.json_body()["reasons"].dump().find("dunning_hold") != std::string::npos);
  CHECK(s.call("GET", "/v1/customers/D-1/credit", "sales").json_body()["dunning_hold"] == true);
  CHECK(s.call("GET", "/v1/customers/D-2", "collector").json_body()["dunning_hold"] == false);
  // The overdue list shows each customer's level (D-2's disputed invoice keeps it in the list, undunned).
  json overdue = s.call("GET", "/v1/reports/overdue?as_of=2026-04-01", "collector").json_body()["items"];
  REQUIRE(overdue.size() == 2);
  CHECK(overdue[0]["customer"] == "D-2");
  CHECK(overdue[0]["dunning_level"].is_null());
  CHECK(overdue[1]["dunning_level"] == 3);

  // A collector closes the reminder; a closed task stays closed.
  const std::string reminder = tasks(s, "?level=1")[0]["id"];
  auto done = s.call("PATCH", "/v1/dunning-tasks/" + reminder, "collector", json{{"status", "done"}, {"note", "sent"}});
  CHECK(done.status == 200);
  CHECK(done.json_body()["note"] == "sent");
  CHECK(s.call("PATCH", "/v1/dunning-tasks/" + reminder, "collector", json{{"status", "cancelled"}}).status == 409);
  CHECK(s.call("PATCH", "/v1/dunning-tasks/" + reminder, "collector", json{{"status", "resolved"}}).status == 422);
  CHECK(s.call("PATCH", "/v1/dunning-tasks/999", "collector", json{{"status", "done"}}).status == 404);

  // The money comes in: the episode ends at once, its open tasks resolve, the hold lifts.
  post(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "D-1"}, {"received_date", "2026-04-05"},
                           {"amount", 5000}, {"currency", "EUR"}});
  CHECK(tasks(s, "?status=resolved").size() == 2);
  json paid = run(s, "2026-04-06");
  CHECK(paid["tasks_resolved"] == 0);  // done already
  CHECK(paid["holds_released"] == 0);
  CHECK(s.call("POST", "/v1/credit-checks", "sales",
               json{{"customer", "D-1"}, {"order_ref", "SO-2"}, {"amount", 1}, {"currency", "EUR"}})
            .json_body()["decision"] == "approved");
  // Overdue again later: a new episode starts at level 1, from the command line this time.
  post(s, "/v1/invoices", {{"number", "I-2"}, {"customer", "D-1"}, {"issue_date", "2026-03-10"},
                           {"due_date", "2026-04-10"}, {"amount", 2000}, {"currency", "EUR"}});
  int status = -1;
  const std::string out = test::run_tallyman({"dunning", "run", "--as-of", "2026-04-12", "--db", s.url()}, &status);
  CHECK(status == 0);
  CHECK(out.find("1 tasks created") != std::string::npos);
  CHECK(tasks(s, "?status=open&customer=D-1")[0]["level"] == 1);
}

TEST_CASE("dunning: the policy is read, replaced, validated, and its grade overrides apply", "[http]") {
  Service s("sqlite");
  json policy = s.call("GET", "/v1/dunning-policy", "collector").json_body();
  CHECK(policy["min_amount"] == 1000);
  CHECK(policy["levels"].size() == 4);
  CHECK(policy["levels"][2]["credit_hold"] == true);
  policy["levels"][1]["grade_days"] = {{"C", 5}};
  REQUIRE(s.call("PUT", "/v1/dunning-policy", "finance", policy).status == 200);
  CHECK(s.call("GET", "/v1/dunning-policy", "collector").json_body()["levels"][1]["grade_days"]["C"] == 5);
  json bad = policy;
  bad["levels"][1]["days_overdue"] = 1;
  CHECK(s.call("PUT", "/v1/dunning-policy", "finance", bad).status == 422);
  CHECK(s.call("PUT", "/v1/dunning-policy", "collector", policy).status == 403);

  post(s, "/v1/customers", {{"id", "C-C"}, {"name", "Grade C"}, {"currency", "EUR"}, {"grade", "C"}});
  post(s, "/v1/invoices", {{"number", "I-1"}, {"customer", "C-C"}, {"issue_date", "2026-02-01"},
                           {"due_date", "2026-03-01"}, {"amount", 5000}, {"currency", "EUR"}});
  run(s, "2026-03-07");  // 6 days: a C customer reaches the call at 5
  CHECK(tasks(s)[0]["level"] == 2);
  CHECK(s.call("GET", "/v1/dunning-runs/1", "collector").json_body()["tasks_created"] == 1);
  CHECK(s.call("GET", "/v1/dunning-runs/99", "collector").status == 404);
}

TEST_CASE("dunning: a pending promise holds dunning off, a broken one lets it resume, a kept one ends it",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  for (const char* id : {"P-1", "P-2"}) {
    post(s, "/v1/customers", {{"id", id}, {"name", id}, {"currency", "EUR"}, {"credit_limit", 1000000}});
    post(s, "/v1/invoices", {{"number", std::string("I-") + id}, {"customer", id}, {"issue_date", "2026-02-01"},
                             {"due_date", "2026-03-01"}, {"amount", 5000}, {"currency", "EUR"}});
  }
  // P-1 promises 5,000 by 03-20 and pays on 03-15; P-2 promises 3,000 by 03-10 and does not.
  auto promise = [&](const char* customer, std::int64_t amount, const char* by) {
    auto r = s.call("POST", "/v1/promises", "collector",
                    json{{"customer", customer}, {"amount", amount}, {"promised_date", by}, {"made_on", "2026-03-02"}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(r.json_body()["promised_date"] == by);
  };
  promise("P-1", 5000, "2026-03-20");
  promise("P-2", 3000, "2026-03-10");
  CHECK(s.call("POST", "/v1/promises", "collector",
               json{{"customer", "P-404"}, {"amount", 1}, {"promised_date", "2026-03-10"}})
            .status == 422);
  CHECK(s.call("POST", "/v1/promises", "collector",
               json{{"customer", "P-1"}, {"amount", 1}, {"promised_date", "2026-03-01"}, {"made_on", "2026-03-02"}})
            .status == 422);
  CHECK(s.call("POST", "/v1/promises", "sales", json{{"customer", "P-1"}, {"amount", 1}, {"promised_date", "2026-03-10"}})
            .status == 403);

  json overdue = s.call("GET", "/v1/reports/overdue?as_of=2026-03-05", "collector").json_body()["items"];
  REQUIRE(overdue.size() == 2);
  CHECK(overdue[0]["promise"]["amount"].is_number());
  CHECK(run(s, "2026-03-05")["tasks_created"] == 0);  // both promised: left alone
  json later = run(s, "2026-03-12");                   // P-2's promise broke on the 11th
  CHECK(later["promises_broken"] == 1);
  CHECK(later["tasks_created"] == 1);
  CHECK(tasks(s)[0]["customer"] == "P-2");
  post(s, "/v1/payments", {{"reference", "PAY-1"}, {"customer", "P-1"}, {"received_date", "2026-03-15"},
                           {"amount", 5000}, {"currency", "EUR"}});
  // P-1 kept its promise and owes nothing; P-2, 24 days overdue, reaches the call.
  CHECK(run(s, "2026-03-25")["tasks_created"] == 1);
  CHECK(tasks(s, "?customer=P-1").empty());
  CHECK(tasks(s, "?level=2")[0]["customer"] == "P-2");
  json p1 = s.call("GET", "/v1/customers/P-1/promises", "collector").json_body()["items"];
  CHECK(p1[0]["status"] == "kept");
  CHECK(p1[0]["paid"] == 5000);
  json p2 = s.call("GET", "/v1/customers/P-2/promises?as_of=2026-03-09", "collector").json_body()["items"];
  CHECK(p2[0]["status"] == "pending");
}

TEST_CASE("dunning: the daily run happens once among two instances on one database", "[http][mysql]") {
  // Both fire at once: the schedule is 00:00 (so, now), and they look again every second.
  const std::string env = "TALLYMAN_DUNNING_AT=00:00 TALLYMAN_SCHEDULER_SECONDS=1";
  Service a(GENERATE(as<std::string>{}, "sqlite", "mysql"), env);
  auto b = a.another(env);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto first = a.call("GET", "/v1/dunning-runs/1", "collector");
  REQUIRE(first.status == 200);
  CHECK(first.json_body()["as_of"].get<std::string>().size() == 10);
  CHECK(b->call("GET", "/v1/dunning-runs/2", "collector").status == 404);
  json audit = a.call("GET", "/v1/audit?entity=dunning_run", "collector").json_body()["items"];
  REQUIRE(audit.size() == 1);
  CHECK(audit[0]["actor"].get<std::string>().starts_with("scheduler:"));
}

TEST_CASE("dunning: a lease held by an instance that died blocks the day only until it expires", "[http][mysql]") {
  Service a(GENERATE(as<std::string>{}, "sqlite", "mysql"));  // its schedule is off
  std::string why;
  sql::Database db(*sql::parse_db_url(a.url(), why));
  // As if an instance took today's lease and died mid-run: its lease still runs for a while.
  auto lease_until = [&](const char* until) {
    sql::Params p;
    sql::execute(db,
                 std::string("UPDATE job_leases SET holder = 'dead:1', expires_at = ") + p.add(until) +
                     " WHERE job = 'dunning'",
                 p);
  };
  lease_until("9999-12-31T00:00:00.000Z");
  auto b = a.another("TALLYMAN_DUNNING_AT=00:00 TALLYMAN_SCHEDULER_SECONDS=1");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(b->call("GET", "/v1/dunning-runs/1", "collector").status == 404);  // not while the lease runs
  lease_until("2000-01-01T00:00:00.000Z");                                  // it expires
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(b->call("GET", "/v1/dunning-runs/1", "collector").status == 200);  // taken over, and run once
  CHECK(b->call("GET", "/v1/dunning-runs/2", "collector").status == 404);
}

TEST_CASE("dunning: the lease holder killed mid-run, another instance runs the day once its lease expires", "[http][mysql]") {
  // MariaDB, where the test can catch the holder mid-run: it holds a customer's row lock, which
  // the run waits for when it marks that customer's level, after it wrote its run and tasks;
  // the holder is killed with SIGKILL there.
  Service a("mysql");  // its schedule is off
  for (const char* id : {"K-1", "K-2"}) {
    post(a, "/v1/customers", {{"id", id}, {"name", id}, {"currency", "EUR"}, {"credit_limit", 1000000}});
    post(a, "/v1/invoices", {{"number", std::string("I-") + id}, {"customer", id}, {"issue_date", "2026-01-01"},
                             {"due_date", "2026-01-31"}, {"amount", 5000}, {"currency", "EUR"}});
  }
  std::string why;
  const sql::DbUrl url = *sql::parse_db_url(a.url(), why);
  sql::Database lock(url), look(url);
  auto text = [&](const std::string& sql) {
    sql::Params none;
    std::string value;
    soci::indicator ind = soci::i_null;
    sql::Query(look.session(), sql, none).into(value, ind).run();
    return ind == soci::i_ok ? value : std::string();
  };
  lock.session().begin();
  {
    sql::Params none;
    std::string id;
    sql::Query(lock.session(), "SELECT id FROM customers WHERE id = 'K-2' FOR UPDATE", none).into(id).run();
  }
  const std::string env = "TALLYMAN_DUNNING_AT=00:00 TALLYMAN_SCHEDULER_SECONDS=1 TALLYMAN_LEASE_SECONDS=4";
  auto b = a.another(env);
  std::string holder;
  for (int i = 0; i < 200 && holder.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    holder = text("SELECT holder FROM job_leases WHERE job = 'dunning'");
  }
  REQUIRE(holder.ends_with(":" + std::to_string(b->pid())));
  const std::string expires = text("SELECT expires_at FROM job_leases WHERE job = 'dunning'");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(b->stop(SIGKILL) == 128 + SIGKILL);
  auto c = a.another(env);
  lock.session().rollback();
  std::string runs;
  for (int i = 0; i < 200 && runs != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    runs = text("SELECT CAST(COUNT(*) AS CHAR) FROM dunning_runs");
  }
  REQUIRE(runs == "1");
  // The new holder ran it, after the dead one's lease expired; every customer has one task.
  CHECK(text("SELECT run_by FROM dunning_runs").ends_with(":" + std::to_string(c->pid())));
  CHECK(text("SELECT run_at FROM dunning_runs") >= expires);
  CHECK(tasks(*c).size() == 2);
  CHECK(text("SELECT CAST(COUNT(*) AS CHAR) FROM dunning_tasks") == "2");
  CHECK(text("SELECT done_for FROM job_leases WHERE job = 'dunning'").size() == 10);
}
