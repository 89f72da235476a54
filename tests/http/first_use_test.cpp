// What a finance team meets on first use, over HTTP on SQLite and MariaDB: dunning that holds
// however a customer reached its level and nets the customer's own credit, runs that refuse
// the future and answer a date that ran, every limit raise held for a second person, reports
// one currency at a time, content negotiation, finding a customer, where a payment went, keys.
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <date/date.h>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

void post(const Service& s, const std::string& target, const json& body, int status = 201) {
  auto r = s.call("POST", target, "finance", body);
  INFO(target << " " << r.body);
  REQUIRE(r.status == status);
}

json get(const Service& s, const std::string& target, const std::string& role = "collector") {
  auto r = s.call("GET", target, role);
  INFO(target << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json_body();
}

json customer(const std::string& id, const std::string& name, const char* currency = "EUR") {
  return {{"id", id}, {"name", name}, {"currency", currency}, {"credit_limit", 10000000}};
}

json invoice(const std::string& number, const std::string& customer, const char* due, std::int64_t amount,
             const char* currency = "EUR") {
  return {{"number", number}, {"customer", customer}, {"issue_date", "2026-01-01"}, {"due_date", due},
          {"amount", amount}, {"currency", currency}};
}

std::string days_from_today(int days) {
  const auto day = date::floor<date::days>(std::chrono::system_clock::now()) + date::days(days);
  return date::format("%F", day);
}

}  // namespace

TEST_CASE("first use: a customer jumping straight to level 4 is held, and its notice cites only what was sent",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("J-4", "Jumps Ltd"));
  post(s, "/v1/customers", customer("J-3", "Three Ltd"));
  post(s, "/v1/invoices", invoice("I-4", "J-4", "2026-01-01", 50000));  // 89 days at the run: level 4
  post(s, "/v1/invoices", invoice("I-3", "J-3", "2026-02-20", 50000));  // 39 days: level 3
  auto run = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", "2026-03-31"}});
  REQUIRE(run.status == 201);
  CHECK(run.json_body()["holds_set"] == 2);
  for (const char* id : {"J-4", "J-3"}) {
    auto check = s.call("POST", "/v1/credit-checks", "sales",
                        json{{"customer", id}, {"order_ref", std::string("SO-") + id}, {"amount", 1}, {"currency", "EUR"}});
    INFO(id << " " << check.body);
    CHECK(check.json_body()["decision"] == "declined");
    CHECK(check.json_body()["reasons"].dump().find("dunning_hold") != std::string::npos);
  }
  json task = get(s, "/v1/dunning-tasks?customer=J-4")["items"][0];
  CHECK(task["level"] == 4);
  CHECK(task["name"] == "Jumps Ltd");
  json notice = get(s, "/v1/notices/" + task["notice"].get<std::string>());
  const std::string text = notice["text"];
  CHECK(text.find("final notice") == std::string::npos);
  CHECK(text.find("cannot accept new orders on credit") != std::string::npos);
  // The notices, listed with their delivery state.
  json notices = get(s, "/v1/notices?customer=J-4")["items"];
  REQUIRE(notices.size() == 1);
  CHECK(notices[0]["delivery"]["status"] == "pending");
  CHECK(!notices[0].contains("text"));
  CHECK(get(s, "/v1/notices?status=sent")["items"].empty());
}

TEST_CASE("first use: dunning nets the customer's unapplied credit, and the task and notice say so", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("N-1", "Credit Ltd"));
  post(s, "/v1/customers", customer("N-2", "Covered Ltd"));
  post(s, "/v1/invoices", invoice("I-OLD", "N-1", "2026-01-15", 300000));  // 75 days overdue
  post(s, "/v1/invoices", invoice("I-NEW", "N-1", "2026-03-06", 200000));  // 25 days overdue
  post(s, "/v1/invoices", invoice("I-COV", "N-2", "2026-01-15", 100000));
  // Payments received after the invoices' dates apply to them at once; credit posted as a note
  // without an invoice stays unapplied: that is the credit the customer holds.
  post(s, "/v1/credit-notes", {{"number", "CN-1"}, {"customer", "N-1"}, {"date", "2026-02-01"}, {"amount", 460590},
                               {"currency", "EUR"}});
  post(s, "/v1/credit-notes", {{"number", "CN-2"}, {"customer", "N-2"}, {"date", "2026-02-01"}, {"amount", 100000},
                               {"currency", "EUR"}});
  // Credit dated after the run's date is not the run's to net.
  post(s, "/v1/credit-notes", {{"number", "CN-LATER"}, {"customer", "N-1"}, {"date", "2026-04-20"}, {"amount", 39410},
                               {"currency", "EUR"}});
  auto run = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", "2026-03-31"}});
  REQUIRE(run.status == 201);
  json tasks = get(s, "/v1/dunning-tasks")["items"];
  REQUIRE(tasks.size() == 1);  // N-2's credit covers all it owes
  CHECK(tasks[0]["customer"] == "N-1");
  CHECK(tasks[0]["overdue_amount"] == 500000 - 460590);
  CHECK(tasks[0]["unapplied_credit"] == 460590);
  CHECK(tasks[0]["level"] == 2);  // I-OLD is covered: 25 days, a call, not the agency
  // The policy may dun the gross amount instead.
  json policy = get(s, "/v1/dunning-policy");
  CHECK(policy["net_unapplied"] == true);
  policy["net_unapplied"] = false;
  REQUIRE(s.call("PUT", "/v1/dunning-policy", "finance", policy).status == 200);
  CHECK(get(s, "/v1/dunning-policy")["net_unapplied"] == false);
  REQUIRE(s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", "2026-04-01"}}).status == 201);
  json gross = get(s, "/v1/dunning-tasks?customer=N-1&level=4")["items"];
  REQUIRE(gross.size() == 1);
  CHECK(gross[0]["overdue_amount"] == 500000);
  CHECK(gross[0]["unapplied_credit"] == 0);
  CHECK(get(s, "/v1/dunning-tasks?customer=N-2")["items"].size() == 1);
}

TEST_CASE("first use: a run as of a future date is refused, one for a date that ran answers that run", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const std::string tomorrow = days_from_today(2);  // past tomorrow in every time zone
  auto dunning = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", tomorrow}});
  CHECK(dunning.status == 422);
  CHECK(dunning.body.find("as_of") != std::string::npos);
  CHECK(s.call("POST", "/v1/grading-runs", "finance", json{{"as_of", days_from_today(365)}}).status == 422);
  CHECK(get(s, "/v1/dunning-runs")["items"].empty());
  int status = -1;
  test::run_tallyman({"dunning", "run", "--as-of", tomorrow, "--db", s.url()}, &status);
  CHECK(status == 2);
  auto today = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", days_from_today(-1)}});
  REQUIRE(today.status == 201);
  auto again = s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", days_from_today(-1)}});
  CHECK(again.status == 200);
  CHECK(again.json_body()["id"] == today.json_body()["id"]);
  CHECK(again.json_body()["replayed"] == true);
  CHECK(get(s, "/v1/dunning-runs")["items"].size() == 1);
}

TEST_CASE("first use: the overdue list answers one currency at a time", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("E-1", "Euro GmbH"));
  post(s, "/v1/customers", customer("U-1", "Dollar Inc", "USD"));
  post(s, "/v1/invoices", invoice("I-E", "E-1", "2026-02-01", 1000));
  post(s, "/v1/invoices", invoice("I-U", "U-1", "2026-02-01", 9000000, "USD"));
  json eur = get(s, "/v1/reports/overdue?as_of=2026-03-31")["items"];
  REQUIRE(eur.size() == 1);
  CHECK(eur[0]["customer"] == "E-1");
  json usd = get(s, "/v1/reports/overdue?as_of=2026-03-31&currency=USD")["items"];
  REQUIRE(usd.size() == 1);
  CHECK(usd[0]["customer"] == "U-1");
  CHECK(usd[0]["currency"] == "USD");
  CHECK(s.call("GET", "/v1/reports/overdue?currency=euro", "collector").status == 400);
}

TEST_CASE("first use: an Accept the route cannot answer is a 406", "[http]") {
  Service s("sqlite");
  post(s, "/v1/customers", customer("A-1", "Accept AG"));
  post(s, "/v1/invoices", invoice("I-1", "A-1", "2026-02-01", 1000));
  auto pdf = s.call("GET", "/v1/customers/A-1/statement?from=2026-01-01&to=2026-03-31", "collector", std::string(),
                    {{"Accept", "application/pdf"}});
  CHECK(pdf.status == 406);
  CHECK(pdf.header("content-type").starts_with("application/problem+json"));
  CHECK(s.call("GET", "/v1/customers/A-1", "collector", std::string(), {{"Accept", "text/csv"}}).status == 406);
  CHECK(s.call("GET", "/v1/customers/A-1", "collector", std::string(), {{"Accept", "application/json;q=0, text/html"}})
            .status == 406);
  for (const char* accept : {"*/*", "application/*", "application/json", "text/html, application/json;q=0.5", ""})
    CHECK(s.call("GET", "/v1/customers/A-1", "collector", std::string(), {{"Accept", accept}}).status == 200);
  auto csv = s.call("GET", "/v1/customers/A-1/statement?from=2026-01-01&to=2026-03-31", "collector", std::string(),
                    {{"Accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  // The statement's CSV carries its opening and closing balances.
  CHECK(csv.body.find("2026-01-01,opening_balance,,,,,0\r\n") != std::string::npos);
  CHECK(csv.body.find("2026-03-31,closing_balance,,,,,1000\r\n") != std::string::npos);
}

TEST_CASE("first use: customers are found by name, in any case and with or without accents, and by id", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("C-1001", "Bäcker & Söhne GmbH"));
  post(s, "/v1/customers", customer("C-1002", "Müller Straße KG"));
  post(s, "/v1/customers", customer("C-2001", "The Acme Corporation"));
  post(s, "/v1/customers", customer("X_9", "Œuvre Éditions"));
  for (int k = 0; k < 5; ++k) post(s, "/v1/customers", customer("P-" + std::to_string(k), "Page Test " + std::to_string(k)));
  post(s, "/v1/invoices", invoice("I-1", "C-1002", "2026-01-01", 7000));
  post(s, "/v1/invoices", invoice("I-2", "C-2001", "2099-01-01", 9000));
  auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    const json found = get(s, "/v1/customers?" + query);
    for (const json& c : found["items"]) out.push_back(c["id"]);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(ids("q=backer") == V{"C-1001"});
  CHECK(ids("q=B%C3%84CKER") == V{"C-1001"});  // ÄCKER, upper case
  CHECK(ids("q=sohne") == V{"C-1001"});        // a word's start, not the name's
  CHECK(ids("q=strasse") == V{"C-1002"});      // ß
  CHECK(ids("q=acme%20corp") == V{"C-2001"});  // every word
  CHECK(ids("q=acme%20ltd").empty());
  CHECK(ids("q=oeuvre") == V{"X_9"});
  CHECK(ids("q=editions") == V{"X_9"});
  CHECK(ids("q=c-10") == V{"C-1001", "C-1002"});  // an id's start, in any case
  CHECK(ids("q=x_") == V{"X_9"});                  // _ is no wildcard
  CHECK(ids("q=x%25").empty());                    // nor is %: no id starts "x%", no word with x
  CHECK(ids("q=me").empty());                      // inside a word: no match
  // Each row has its balance, grade and collector; sorted by what is overdue.
  json rows = get(s, "/v1/customers?q=c-&sort=overdue&order=desc")["items"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["id"] == "C-1002");
  CHECK(rows[0]["balance"]["overdue"] == 7000);
  CHECK(rows[0]["balance"]["total"] == 7000);
  CHECK(ids("q=c-&sort=balance&order=desc") == V{"C-2001", "C-1002", "C-1001"});
  CHECK(ids("sort=name&limit=2") == V{"C-1001", "C-1002"});
  // Paging, sorted by name and by id.
  for (const char* sort : {"name", "id"}) {
    V seen;
    std::string target = std::string("/v1/customers?q=page&limit=2&sort=") + sort;
    for (int pages = 0; pages < 10; ++pages) {
      json page = get(s, target);
      for (const json& c : page["items"]) seen.push_back(c["id"]);
      if (page["next_cursor"].is_null()) break;
      target = std::string("/v1/customers?q=page&limit=2&sort=") + sort + "&cursor=" + page["next_cursor"].get<std::string>();
    }
    CHECK(seen == V{"P-0", "P-1", "P-2", "P-3", "P-4"});
  }
  CHECK(s.call("GET", "/v1/customers?sort=size", "collector").status == 400);
  // A renamed customer is found by its new name.
  REQUIRE(s.call("PATCH", "/v1/customers/C-2001", "finance", json{{"name", "Zenith Ålborg"}}).status == 200);
  CHECK(ids("q=alborg") == V{"C-2001"});
  CHECK(ids("q=acme").empty());
}

TEST_CASE("first use: a payment lists where its money went, and payments and credit notes are listed", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", customer("P-1", "Payer Ltd"));
  post(s, "/v1/invoices", invoice("I-1", "P-1", "2026-02-01", 1000));
  post(s, "/v1/invoices", invoice("I-2", "P-1", "2026-02-10", 2000));
  auto pay = s.call("POST", "/v1/payments", "finance",
                    json{{"reference", "PAY-1"}, {"customer", "P-1"}, {"received_date", "2026-02-15"}, {"amount", 2500},
                         {"currency", "EUR"}});
  REQUIRE(pay.status == 201);
  json apps = pay.json_body()["applications"];
  REQUIRE(apps.size() == 2);
  CHECK(apps[0] == json{{"invoice", "I-1"}, {"amount", 1000}, {"date", "2026-02-15"}});
  CHECK(apps[1] == json{{"invoice", "I-2"}, {"amount", 1500}, {"date", "2026-02-15"}});
  CHECK(pay.json_body()["unapplied"] == 0);
  post(s, "/v1/payments", {{"reference", "PAY-2"}, {"customer", "P-1"}, {"received_date", "2026-02-20"},
                           {"amount", 900}, {"currency", "EUR"}});
  // PAY-2 pays what is left of I-2 at once; the rest waits as credit, applied later to I-3.
  post(s, "/v1/invoices", {{"number", "I-3"}, {"customer", "P-1"}, {"issue_date", "2026-02-22"},
                           {"due_date", "2026-03-22"}, {"amount", 3000}, {"currency", "EUR"}});
  REQUIRE(s.call("POST", "/v1/customers/P-1/applications", "finance",
                 json{{"invoice", "I-3"}, {"amount", 400}, {"date", "2026-02-25"}}).status == 201);
  REQUIRE(s.call("POST", "/v1/payments/PAY-1/reverse", "finance", json{{"date", "2026-03-01"}, {"reason", "bounced"}})
              .status == 201);
  json list = get(s, "/v1/payments?customer=P-1")["items"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["reference"] == "PAY-1");
  CHECK(list[0]["applications"].size() == 4);  // two applied, two undone
  CHECK(list[0]["applications"][2]["amount"] == -1000);
  CHECK(list[0]["applications"][2]["date"] == "2026-03-01");
  CHECK(list[1]["applications"] == json::array({json{{"invoice", "I-2"}, {"amount", 500}, {"date", "2026-02-20"}},
                                                json{{"invoice", "I-3"}, {"amount", 400}, {"date", "2026-02-25"}}}));
  CHECK(list[1]["unapplied"] == 0);
  CHECK(get(s, "/v1/payments?customer=nobody")["items"].empty());
  post(s, "/v1/credit-notes", {{"number", "CN-1"}, {"customer", "P-1"}, {"date", "2026-03-02"}, {"amount", 300},
                               {"currency", "EUR"}, {"invoice", "I-1"}});
  post(s, "/v1/credit-notes", {{"number", "CN-2"}, {"customer", "P-1"}, {"date", "2026-03-02"}, {"amount", 50},
                               {"currency", "EUR"}});
  json notes = get(s, "/v1/credit-notes?customer=P-1")["items"];
  REQUIRE(notes.size() == 2);
  CHECK(notes[0]["invoice"] == "I-1");
  CHECK(!notes[1].contains("invoice"));
  CHECK(notes[1]["unapplied"] == 50);
}

TEST_CASE("first use: keys are listed and revoked, and a name holds one key in use", "[http]") {
  Service s("sqlite");
  int status = -1;
  const std::string list = test::run_tallyman({"keys", "list", "--db", s.url()}, &status);
  CHECK(status == 0);
  CHECK(list.find("t-collector") != std::string::npos);
  CHECK(list.find("collector") != std::string::npos);
  test::run_tallyman({"keys", "create", "--role", "sales", "--name", "t-collector", "--db", s.url()}, &status);
  CHECK(status == 2);
  test::run_tallyman({"keys", "revoke", "nobody", "--db", s.url()}, &status);
  CHECK(status == 2);
  test::run_tallyman({"keys", "revoke", "t-collector", "--db", s.url()}, &status);
  CHECK(status == 0);
  // An instance that has not seen the key refuses it at once.
  auto other = s.another();
  CHECK(other->call("GET", "/v1/me", "collector").status == 401);
  const std::string after = test::run_tallyman({"keys", "list", "--db", s.url()}, &status);
  const std::size_t row = after.find("t-collector");
  REQUIRE(row != std::string::npos);
  CHECK(after.substr(row, after.find('\n', row) - row).find("20") != std::string::npos);  // a revoked_at stamp
  const std::string fresh = test::run_tallyman({"keys", "create", "--role", "collector", "--name", "t-collector", "--db", s.url()}, &status);
  CHECK(status == 0);
  test::HttpClient c(other->port());
  CHECK(c.request("GET", "/v1/me", "", {{"Authorization", "Bearer " + fresh.substr(0, fresh.find('\n'))}}).status == 200);
}

TEST_CASE("first use: the checks waiting for an override and a customer's holds are listed", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "S-1"}, {"name", "Sales Ltd"}, {"currency", "EUR"}, {"credit_limit", 1000}});
  auto check = [&](const char* order, std::int64_t amount) {
    auto r = s.call("POST", "/v1/credit-checks", "sales",
                    json{{"customer", "S-1"}, {"order_ref", order}, {"amount", amount}, {"currency", "EUR"}, {"reserve", true}});
    REQUIRE(r.status == 200);
    return r.json_body()["decision"].get<std::string>();
  };
  CHECK(check("SO-1", 600) == "approved");
  CHECK(check("SO-2", 300) == "approved");
  CHECK(check("SO-3", 5000) == "declined");
  CHECK(check("SO-4", 9000) == "declined");
  json waiting = get(s, "/v1/credit-checks?waiting=true")["items"];
  REQUIRE(waiting.size() == 2);
  CHECK(waiting[0]["customer"] == "S-1");
  CHECK(waiting[0]["reasons"].dump().find("over_limit") != std::string::npos);
  REQUIRE(s.call("POST", "/v1/credit-checks/SO-3/override", "finance", json{{"reason", "paid in advance"}, {"reserve", true}}).status == 200);
  waiting = get(s, "/v1/credit-checks?waiting=true")["items"];
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0]["order_ref"] == "SO-4");
  json all = get(s, "/v1/credit-checks?limit=1")["items"];
  CHECK(all.size() == 1);
  CHECK(get(s, "/v1/credit-checks")["items"].size() == 2);
  // The customer's holds, for sales as for finance; a released one is no longer active.
  REQUIRE(s.call("DELETE", "/v1/reservations/SO-2", "sales").status == 200);
  json active = get(s, "/v1/reservations?customer=S-1&status=active", "sales")["items"];
  REQUIRE(active.size() == 2);  // SO-1 and the override's SO-3
  json every = get(s, "/v1/reservations?customer=S-1", "sales")["items"];
  CHECK(every.size() == 3);
  CHECK(s.call("GET", "/v1/reservations", "sales").status == 400);
}
