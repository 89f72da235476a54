// Ordinary input that once broke the MariaDB path: ":p" in ids and texts, control characters,
// texts at their limits, large bodies and notices, CSV cells that look like formulas, the
// Bearer scheme in lower case. On both databases, over real HTTP.
#include "http/support.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

json posted(const Service& s, const std::string& target, const json& body, int status = 201,
            const std::string& role = "finance") {
  auto r = s.call("POST", target, role, body);
  INFO("POST " << target << " " << body.dump().substr(0, 300) << " -> " << r.status << " " << r.body.substr(0, 500));
  REQUIRE(r.status == status);
  return r.json_body();
}

json got(const Service& s, const std::string& target) {
  auto r = s.call("GET", target, "admin");
  INFO("GET " << target << " -> " << r.status << " " << r.body.substr(0, 500));
  REQUIRE(r.status == 200);
  return r.json_body();
}

// `bytes` bytes of UTF-8 made of `piece`, repeated (its length must divide `bytes`).
std::string text_of(std::size_t bytes, const std::string& piece) {
  REQUIRE(bytes % piece.size() == 0);
  std::string out;
  while (out.size() < bytes) out += piece;
  return out;
}

// An id as a path segment: '/' is an id's character, so it travels percent-encoded.
std::string seg(const std::string& id) {
  std::string out;
  for (char c : id) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

std::string temp_file(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / test::unique_name("tallyman_plain_");
  std::ofstream(path) << text;
  return path.string();
}

json dunning_run(const Service& s, const char* as_of) {
  return posted(s, "/v1/dunning-runs", {{"as_of", as_of}});
}

}  // namespace

TEST_CASE("plain input: ':p' in every id and text field is stored as sent, and a dunning run reads it back",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const std::string name = "Acme:partners :p1 ':p2' \\:p3 \"q\"";
  auto r = s.call("PUT", "/v1/terms/T:p4", "finance", json{{"code", "T:p4"}, {"basis", "invoice_date"}, {"days", 10}});
  REQUIRE(r.status == 201);
  posted(s, "/v1/customers", {{"id", "X:p"}, {"name", name}, {"currency", "EUR"}, {"credit_limit", 100000},
                              {"terms", "T:p4"}, {"collector", "al:pha"}});
  posted(s, "/v1/customers", {{"id", "X:p2"}, {"name", "Other :p9"}, {"currency", "EUR"}, {"credit_limit", 100000}});
  posted(s, "/v1/invoices", {{"number", "INV:p9"}, {"customer", "X:p"}, {"issue_date", "2026-01-02"},
                             {"amount", 50000}, {"currency", "EUR"}, {"order_ref", "SO:p1"}});
  posted(s, "/v1/invoices", {{"number", "INV:p10"}, {"customer", "X:p"}, {"issue_date", "2026-01-03"},
                             {"amount", 7000}, {"currency", "EUR"}});
  posted(s, "/v1/invoices", {{"number", "INV:p11"}, {"customer", "X:p2"}, {"issue_date", "2026-01-03"},
                             {"amount", 7000}, {"currency", "EUR"}});
  posted(s, "/v1/payments", {{"reference", "PAY:p2"}, {"customer", "X:p"}, {"received_date", "2026-01-20"},
                             {"amount", 1000}, {"currency", "EUR"},
                             {"allocations", json::array({{{"invoice", "INV:p9"}, {"amount", 1000}}})}});
  posted(s, "/v1/credit-notes", {{"number", "CN:p3"}, {"customer", "X:p"}, {"date", "2026-01-21"}, {"amount", 500},
                                 {"currency", "EUR"}, {"invoice", "INV:p9"}});
  REQUIRE(s.call("POST", "/v1/invoices/INV:p11/dispute", "collector", json{{"reason", "wrong ':p1' goods \\:p"}})
              .status == 200);
  posted(s, "/v1/payments/PAY:p2/reverse", {{"date", "2026-01-25"}, {"reason", "bounced :p7 'x'"}});
  const json wo = posted(s, "/v1/write-offs", {{"invoice", "INV:p10"}, {"amount", 100}, {"reason", "small :p8"}});
  // A check over the limit ends in review; the override holds it.
  json check = posted(s, "/v1/credit-checks",
                      {{"customer", "X:p"}, {"order_ref", "SO:p5"}, {"amount", 90000}, {"currency", "EUR"}, {"reserve", true}},
                      200, "sales");
  CHECK(check["decision"] != "approved");
  json over = posted(s, "/v1/credit-checks/SO:p5/override", {{"reason", "known :p6 customer"}, {"reserve", true}}, 200);
  CHECK(over["decision"] == "approved");
  CHECK(over["override"]["reason"] == "known :p6 customer");
  r = s.call("PATCH", "/v1/customers/X:p", "finance", json{{"name", name + " :p"}});
  REQUIRE(r.status == 200);
  json policy = got(s, "/v1/dunning-policy");
  for (json& level : policy["levels"]) level["action"] = "act:p" + std::to_string(level["level"].get<int>());
  REQUIRE(s.call("PUT", "/v1/dunning-policy", "finance", policy).status == 200);

  const json run = dunning_run(s, "2026-03-01");
  CHECK(run["tasks_created"] == 1);  // X:p2's invoice is disputed
  CHECK(run["customers_failed"] == 0);
  CHECK(got(s, "/healthz")["status"] == "ok");

  CHECK(got(s, "/v1/customers/X:p")["name"] == name + " :p");
  CHECK(got(s, "/v1/customers/X:p")["collector"] == "al:pha");
  CHECK(got(s, "/v1/invoices/INV:p9")["order_ref"] == "SO:p1");
  CHECK(got(s, "/v1/invoices/INV:p11")["dispute_reason"] == "wrong ':p1' goods \\:p");
  CHECK(got(s, "/v1/payments/PAY:p2")["reversal_reason"] == "bounced :p7 'x'");
  CHECK(got(s, "/v1/write-offs/" + wo["id"].get<std::string>())["reason"] == "small :p8");
  CHECK(got(s, "/v1/reservations/SO:p5")["status"] == "active");
  const json tasks = got(s, "/v1/dunning-tasks?collector=al:pha")["items"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["customer"] == "X:p");
  CHECK(tasks[0]["action"] == "act:p3");
  CHECK(tasks[0]["invoices"] == json::array({"INV:p10", "INV:p9"}));
}

TEST_CASE("plain input: PATCH refuses the names POST refuses, and changes nothing", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  posted(s, "/v1/customers", {{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}});
  for (const std::string& bad : {std::string("a\0b", 3), std::string("two\nlines"), std::string("cr\rhere"),
                                std::string("bell\x07"), std::string("del\x7f"), std::string("c1 \xc2\x85 next line"),
                                std::string(""), std::string(201, 'n')}) {
    INFO("name " << json(bad).dump());
    auto post = s.call("POST", "/v1/customers", "finance", json{{"id", "C-2"}, {"name", bad}, {"currency", "EUR"}});
    CHECK(post.status == 422);
    auto patch = s.call("PATCH", "/v1/customers/C-1", "finance", json{{"name", bad}});
    CHECK(patch.status == 422);
    CHECK(patch.body.find("\"name\"") != std::string::npos);
  }
  CHECK(got(s, "/v1/customers/C-1")["name"] == "One");
  CHECK(s.call("GET", "/v1/customers/C-2", "admin").status == 404);
  // Reasons and notes may span lines, but hold no other control character.
  posted(s, "/v1/invoices", {{"number", "I-1"}, {"customer", "C-1"}, {"issue_date", "2026-01-02"}, {"amount", 100},
                             {"currency", "EUR"}});
  CHECK(s.call("POST", "/v1/invoices/I-1/dispute", "collector", json{{"reason", std::string("a\0b", 3)}}).status == 422);
  CHECK(s.call("POST", "/v1/invoices/I-1/dispute", "collector", json{{"reason", "line one\r\nline two\tend"}}).status ==
        200);
  CHECK(got(s, "/v1/invoices/I-1")["dispute_reason"] == "line one\r\nline two\tend");
}

TEST_CASE("plain input: every text field at its limit is stored and read back byte for byte", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const std::string id64 = text_of(64, "a:p/-._0");
  const std::string name = text_of(200, "\xf0\x9f\x98\x80");  // 50 emoji, 4 bytes each
  const std::string reason = text_of(500, "\xc3\xa9");        // 250 accented letters, 2 bytes each
  const std::string note = text_of(500, "n\xe2\x82\xac\n");   // "n€\n"
  posted(s, "/v1/customers", {{"id", id64}, {"name", name}, {"currency", "EUR"}, {"credit_limit", 100},
                              {"collector", id64}});
  posted(s, "/v1/invoices", {{"number", id64}, {"customer", id64}, {"issue_date", "2026-01-02"}, {"amount", 5000},
                             {"currency", "EUR"}, {"order_ref", id64}});
  posted(s, "/v1/invoices", {{"number", "I-2"}, {"customer", id64}, {"issue_date", "2026-01-02"}, {"amount", 5000},
                             {"currency", "EUR"}});
  posted(s, "/v1/payments", {{"reference", id64}, {"customer", id64}, {"received_date", "2026-01-03"}, {"amount", 10},
                             {"currency", "EUR"}});
  REQUIRE(s.call("POST", "/v1/invoices/I-2/dispute", "collector", json{{"reason", reason}}).status == 200);
  posted(s, "/v1/payments/" + seg(id64) + "/reverse", {{"date", "2026-01-04"}, {"reason", reason}});
  const json wo = posted(s, "/v1/write-offs", {{"invoice", id64}, {"amount", 1}, {"reason", reason}});
  const std::string order = text_of(64, "o");
  posted(s, "/v1/credit-checks", {{"customer", id64}, {"order_ref", order}, {"amount", 900}, {"currency", "EUR"}}, 200,
         "sales");
  const json over = posted(s, "/v1/credit-checks/" + order + "/override", {{"reason", reason}}, 200);
  CHECK(over["override"]["reason"] == reason);
  const std::string action = text_of(32, "a:p/-._0");  // an action is an id of at most 32
  json policy = got(s, "/v1/dunning-policy");
  for (json& level : policy["levels"]) level["action"] = action;
  REQUIRE(s.call("PUT", "/v1/dunning-policy", "finance", policy).status == 200);
  REQUIRE(dunning_run(s, "2026-03-01")["tasks_created"] == 1);
  const json task = got(s, "/v1/dunning-tasks")["items"][0];
  auto r = s.call("PATCH", "/v1/dunning-tasks/" + task["id"].get<std::string>(), "collector",
                  json{{"status", "done"}, {"note", note}});
  REQUIRE(r.status == 200);

  const json customer = got(s, "/v1/customers/" + seg(id64));
  CHECK(customer["name"] == name);
  CHECK(customer["collector"] == id64);
  CHECK(got(s, "/v1/invoices/I-2")["dispute_reason"] == reason);
  CHECK(got(s, "/v1/invoices/" + seg(id64))["order_ref"] == id64);
  CHECK(got(s, "/v1/payments/" + seg(id64))["reversal_reason"] == reason);
  CHECK(got(s, "/v1/write-offs/" + wo["id"].get<std::string>())["reason"] == reason);
  CHECK(got(s, "/v1/dunning-tasks?status=done")["items"][0]["note"] == note);
  CHECK(got(s, "/v1/dunning-tasks?status=done")["items"][0]["action"] == action);
  // A byte more is refused.
  CHECK(s.call("PATCH", "/v1/customers/" + seg(id64), "finance", json{{"name", name + "x"}}).status == 422);
  CHECK(s.call("POST", "/v1/invoices/" + seg(id64) + "/dispute", "collector", json{{"reason", reason + "x"}}).status == 422);
  CHECK(s.call("POST", "/v1/invoices/" + seg(id64) + "/dispute", "collector", "{\"reason\":\"" + reason + "\xc3\"}",
               {{"Content-Type", "application/json"}})
            .status == 400);  // not UTF-8
}

TEST_CASE("plain input: a 70 kB body is kept whole in the audit", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  // A payment with 1,000 explicit allocations (the most a payment takes) of long invoice numbers.
  posted(s, "/v1/customers", {{"id", "C-1"}, {"name", "Many"}, {"currency", "EUR"}});
  std::string csv = "number,customer,issue_date,amount,currency\n";
  json allocations = json::array();
  for (int k = 0; k < 1000; ++k) {
    const std::string number = "INVOICE-WITH-A-RATHER-LONG-NUMBER-FOR-ITS-SIZE-" + std::to_string(100000 + k);
    csv += number + ",C-1,2026-01-02,100,EUR\n";
    allocations.push_back({{"invoice", number}, {"amount", 10}});
  }
  int status = -1;
  test::run_tallyman({"import", "invoices", temp_file(csv), "--db", s.url()}, &status);
  REQUIRE(status == 0);
  const json body{{"reference", "P-1"}, {"customer", "C-1"}, {"received_date", "2026-01-05"},
                  {"amount", 10000},    {"currency", "EUR"}, {"allocations", allocations}};
  REQUIRE(body.dump().size() > 70'000);
  posted(s, "/v1/payments", body);
  const json audit = got(s, "/v1/audit?entity=payment&id=P-1")["items"];
  REQUIRE(audit.size() == 1);
  CHECK(audit[0]["detail"] == body);
  CHECK(got(s, "/v1/payments/P-1")["allocations"].size() == 1000);
}

TEST_CASE("plain input: a customer with 600 overdue invoices is dunned with the others", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  std::string customers = "id,name,currency,credit_limit,terms,collector\n", invoices =
                                                                                 "number,customer,issue_date,amount,currency\n";
  for (const char* id : {"A-1", "B-BIG", "C-1"}) {
    customers += std::string(id) + ",Customer " + id + ",EUR,100000,NET30,alice\n";
    invoices += std::string("I-") + id + "," + id + ",2026-01-02,5000,EUR\n";
  }
  for (int k = 0; k < 600; ++k) {
    std::string number = "INVOICE-WITH-A-SIXTY-CHARACTER-NUMBER-" + std::to_string(1000000 + k);
    number += std::string(60 - number.size(), 'X');
    invoices += number + ",B-BIG,2026-01-02,1234,EUR\n";
  }
  int status = -1;
  test::run_tallyman({"import", "customers", temp_file(customers), "--db", s.url()}, &status);
  REQUIRE(status == 0);
  test::run_tallyman({"import", "invoices", temp_file(invoices), "--db", s.url()}, &status);
  REQUIRE(status == 0);

  const json run = dunning_run(s, "2026-02-15");
  CHECK(run["tasks_created"] == 3);
  CHECK(run["customers_failed"] == 0);
  const json tasks = got(s, "/v1/dunning-tasks?customer=B-BIG")["items"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["invoices"].size() == 601);
  const json notice = got(s, "/v1/notices/" + tasks[0]["notice"].get<std::string>());
  const std::string html = notice["html"].get<std::string>();
  CHECK(html.size() > 65'535);
  CHECK(html.find("INVOICE-WITH-A-SIXTY-CHARACTER-NUMBER-1000599") != std::string::npos);
}

TEST_CASE("plain input: a customer whose writes the database refuses is counted and the run goes on",
          "[http][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Service s(backend);
  for (const char* id : {"A-1", "B-BAD", "C-1"}) {
    posted(s, "/v1/customers", {{"id", id}, {"name", id}, {"currency", "EUR"}});
    posted(s, "/v1/invoices", {{"number", std::string("I-") + id}, {"customer", id}, {"issue_date", "2026-01-02"},
                               {"amount", 5000}, {"currency", "EUR"}});
  }
  {
    // The database itself refuses B-BAD's task: a trigger, as a constraint or a full disk might.
    std::string why;
    sql::Database db(*sql::parse_db_url(s.url(), why));
    sql::Params none;
    sql::execute(db,
                 backend == "sqlite"
                     ? "CREATE TRIGGER refuse_b BEFORE INSERT ON dunning_tasks WHEN NEW.customer = 'B-BAD'"
                       " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
                     : "CREATE TRIGGER refuse_b BEFORE INSERT ON dunning_tasks FOR EACH ROW BEGIN"
                       " IF NEW.customer = 'B-BAD' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused for the test';"
                       " END IF; END",
                 none);
  }
  const json run = dunning_run(s, "2026-02-15");
  CHECK(run["customers_examined"] == 3);
  CHECK(run["tasks_created"] == 2);
  CHECK(run["customers_failed"] == 1);
  CHECK(got(s, "/v1/dunning-runs/" + run["id"].get<std::string>())["customers_failed"] == 1);
  CHECK(got(s, "/v1/dunning-tasks?customer=A-1")["items"].size() == 1);
  CHECK(got(s, "/v1/dunning-tasks?customer=B-BAD")["items"].empty());
  CHECK(got(s, "/v1/dunning-tasks?customer=C-1")["items"].size() == 1);
  CHECK(got(s, "/v1/customers/B-BAD")["dunning_hold"] == false);
  s.stop();
  const std::string log = s.log();
  CHECK(log.find("\"customer\":\"B-BAD\"") != std::string::npos);
  CHECK(log.find("refused for the test") != std::string::npos);
}

TEST_CASE("plain input: CSV cells that a spreadsheet would run are neutralised, numbers are not", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  posted(s, "/v1/customers", {{"id", "-C1"}, {"name", "=HYPERLINK(\"http://x\",\"y\")"}, {"currency", "EUR"}});
  posted(s, "/v1/customers", {{"id", "C2"}, {"name", "@SUM(A1:A9)"}, {"currency", "EUR"}});
  posted(s, "/v1/customers", {{"id", "C3"}, {"name", "+1 plus"}, {"currency", "EUR"}});
  posted(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "C2"}, {"received_date", "2026-01-05"}, {"amount", 500},
                             {"currency", "EUR"}});
  auto list = s.call("GET", "/v1/customers", "admin", std::string(), test::Headers{{"Accept", "text/csv"}});
  REQUIRE(list.status == 200);
  CHECK(list.body.find("'-C1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"") != std::string::npos);
  CHECK(list.body.find("C2,'@SUM(A1:A9)") != std::string::npos);
  CHECK(list.body.find("C3,'+1 plus") != std::string::npos);
  auto aging = s.call("GET", "/v1/reports/aging?as_of=2026-02-01", "admin", std::string(), test::Headers{{"Accept", "text/csv"}});
  REQUIRE(aging.status == 200);
  CHECK(aging.body.find("C2,'@SUM(A1:A9),0,0,0,0,0,500,-500\r\n") != std::string::npos);
}

TEST_CASE("plain input: a body that is not UTF-8 text is refused on every route, and changes nothing",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  posted(s, "/v1/customers", {{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}});
  posted(s, "/v1/invoices", {{"number", "I-1"}, {"customer", "C-1"}, {"issue_date", "2026-01-02"}, {"amount", 100},
                             {"currency", "EUR"}});
  REQUIRE(s.call("POST", "/v1/invoices/I-1/dispute", "collector", json{{"reason", "late"}}).status == 200);
  const json policy = got(s, "/v1/credit-policy");
  const std::size_t audited = got(s, "/v1/audit?limit=200")["items"].size();
  const test::Headers json_type{{"Content-Type", "application/json"}};
  // JSON, then a NUL and bytes that are not UTF-8: nlohmann stops at the NUL.
  const std::string nul_tail = std::string("{\"over_limit_review_bp\":1}") + std::string("\0\0`\xc0\0\x08s@}", 9);
  CHECK(s.call("PUT", "/v1/credit-policy", "finance", nul_tail, json_type).status == 400);
  // A route that reads no body.
  CHECK(s.call("DELETE", "/v1/invoices/I-1/dispute", "collector", std::string("\xc0\x80"), json_type).status == 400);
  CHECK(s.call("POST", "/v1/customers", "finance", std::string("{\"id\":\"C-2\",\"name\":\"N\xff\",\"currency\":\"EUR\"}"),
               json_type)
            .status == 400);
  CHECK(got(s, "/v1/credit-policy") == policy);
  CHECK(got(s, "/v1/invoices/I-1")["dispute_reason"] == "late");
  CHECK(s.call("GET", "/v1/customers/C-2", "admin").status == 404);
  CHECK(got(s, "/v1/audit?limit=200")["items"].size() == audited);
}

TEST_CASE("plain input: the Bearer scheme is taken in any case", "[http]") {
  Service s("sqlite");
  const std::string key = s.key("collector");
  for (const std::string& auth : {"bearer " + key, "BEARER " + key, "Bearer   " + key, "bEaReR " + key}) {
    INFO(auth.substr(0, 10));
    CHECK(s.call("GET", "/v1/me", "", std::string(), test::Headers{{"Authorization", auth}}).status == 200);
  }
  for (const std::string& auth : {std::string("Bearer"), std::string("Bearer "), "Bearerx " + key, "Basic " + key, key}) {
    INFO(auth.substr(0, 10));
    CHECK(s.call("GET", "/v1/me", "", std::string(), test::Headers{{"Authorization", auth}}).status == 401);
  }
}
