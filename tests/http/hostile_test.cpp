// Bad and hostile input: each answered with the right problem, the books unchanged, the
// server alive (contract §1: "A bad request never changes stored data, and never stops the
// server").
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

// Everything a client can read of the books, to compare before and after.
std::string snapshot(const Service& s) {
  std::string all;
  for (const char* target : {"/v1/customers?limit=1000", "/v1/invoices?limit=1000", "/v1/audit?limit=1000",
                             "/v1/reports/aging?as_of=2030-01-01", "/v1/write-offs?limit=1000", "/v1/terms"})
    all += s.call("GET", target, "admin").body + "\n";
  return all;
}

json good_invoice() {
  return {{"number", "INV-9"}, {"customer", "C-1"}, {"issue_date", "2026-01-15"}, {"amount", 1000}, {"currency", "EUR"}};
}

// Posts the body as finance; checks the status, that it is a problem and names `field`.
void refused(const Service& s, const std::string& target, const std::string& body, int status,
             const std::string& field = "") {
  auto r = s.call("POST", target, "finance", body, {{"Content-Type", "application/json"}});
  INFO(target << " " << body.substr(0, 200) << " -> " << r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/problem+json");
  if (!field.empty()) {
    bool named = false;
    const json problem = r.json_body();
    for (const json& e : problem["errors"]) named = named || e["field"] == field;
    CHECK(named);
  }
}

void refused_invoice(const Service& s, const char* field, const json& value) {
  json body = good_invoice();
  body[field] = value;
  refused(s, "/v1/invoices", body.dump(), 422, field);
}

}  // namespace

TEST_CASE("hostile: bad bodies are answered with problems and change nothing", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  REQUIRE(s.call("POST", "/v1/customers", "finance", json{{"id", "C-1"}, {"name", "One"}, {"currency", "EUR"}}).status ==
          201);
  const std::string before = snapshot(s);

  SECTION("malformed JSON and bodies that are not objects") {
    refused(s, "/v1/invoices", "{\"number\": \"INV-9\",", 400);
    refused(s, "/v1/invoices", "[1, 2]", 400);
    refused(s, "/v1/invoices", "\"INV-9\"", 400);
    refused(s, "/v1/invoices", "{\"a\": \"\xff\xfe\"}", 400);  // not UTF-8
  }
  SECTION("wrong types, each field named") {
    auto r = s.call("POST", "/v1/customers", "finance",
                    json{{"id", 7}, {"name", 5}, {"currency", "EUR"}, {"credit_limit", "100"}, {"on_hold", "yes"}});
    REQUIRE(r.status == 422);
    std::set<std::string> fields;
    const json problem = r.json_body();
    for (const json& e : problem["errors"]) fields.insert(e["field"]);
    CHECK(fields == std::set<std::string>{"id", "name", "credit_limit", "on_hold"});
  }
  SECTION("floats for amounts") {
    refused(s, "/v1/invoices", R"({"number":"INV-9","customer":"C-1","issue_date":"2026-01-15","amount":12.5,"currency":"EUR"})",
            422, "amount");
    refused(s, "/v1/invoices", R"({"number":"INV-9","customer":"C-1","issue_date":"2026-01-15","amount":1000.0,"currency":"EUR"})",
            422, "amount");
    refused(s, "/v1/invoices", R"({"number":"INV-9","customer":"C-1","issue_date":"2026-01-15","amount":1e3,"currency":"EUR"})",
            422, "amount");
  }
  SECTION("amounts out of range") {
    for (const char* amount : {"0", "-1", "9007199254740992", "18446744073709551616", "1e30"})
      refused(s, "/v1/invoices",
              std::string(R"({"number":"INV-9","customer":"C-1","issue_date":"2026-01-15","currency":"EUR","amount":)") +
                  amount + "}",
              422, "amount");
    refused_invoice(s, "amount", "1000");
    refused(s, "/v1/customers", json{{"id", "C-2"}, {"name", "x"}, {"currency", "EUR"}, {"credit_limit", -1}}.dump(), 422,
            "credit_limit");
  }
  SECTION("dates that do not exist or are not dates") {
    for (const char* d : {"2026-02-30", "2026-13-01", "2026-1-5", "yesterday", "2026-02-29"})
      refused_invoice(s, "issue_date", d);
    refused_invoice(s, "issue_date", 20260115);
    json early = good_invoice();
    early["due_date"] = "2026-01-14";  // before the issue date
    refused(s, "/v1/invoices", early.dump(), 422, "due_date");
  }
  SECTION("unknown customers and foreign currencies") {
    refused_invoice(s, "customer", "C-404");
    refused_invoice(s, "currency", "USD");
    refused_invoice(s, "currency", "eur");
    refused(s, "/v1/payments",
            json{{"reference", "P-1"}, {"customer", "C-1"}, {"received_date", "2026-01-01"}, {"amount", 5},
                 {"currency", "EUR"}, {"allocations", {{{"invoice", "INV-404"}, {"amount", 5}}}}}
                .dump(),
            422, "allocations[0].invoice");
  }
  SECTION("ids outside the alphabet") {
    for (const char* id : {"C 1", "C;1", "\xc3\x84", "", "1' OR '1'='1"}) refused_invoice(s, "number", id);
    refused_invoice(s, "number", std::string(65, 'A'));
    CHECK(s.call("GET", "/v1/invoices?customer=%27%20OR%201%3D1%20--", "admin").status == 400);
  }
  SECTION("deeply nested JSON") {
    refused(s, "/v1/invoices", std::string(100000, '[') + std::string(100000, ']'), 400);
    refused(s, "/v1/invoices", "{\"a\":" + std::string(5000, '{') + std::string(5000, '}') + "}", 400);
  }
  SECTION("a body of 12 MiB") {
    test::HttpClient c(s.port());
    const std::string body(12 * 1024 * 1024, ' ');
    c.send_raw("POST /v1/invoices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.key("finance") +
               "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    c.send_raw(body);
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->header("content-type") == "application/problem+json");
  }
  SECTION("the wrong content type") {
    auto r = s.call("POST", "/v1/invoices", "finance", good_invoice().dump(), {{"Content-Type", "text/plain"}});
    CHECK(r.status == 415);
    CHECK(s.call("POST", "/v1/invoices", "finance", good_invoice().dump()).status == 415);  // none given
  }
  SECTION("malformed requests, queries and paths") {
    CHECK(s.call("GET", "/v1/reports/aging?as_of=2026-02-30", "admin").status == 400);
    CHECK(s.call("GET", "/v1/reports/aging?buckets=90,30", "admin").status == 400);
    CHECK(s.call("GET", "/v1/customers?limit=1001", "admin").status == 400);
    CHECK(s.call("GET", "/v1/customers?cursor=%%%", "admin").status == 400);
    CHECK(s.call("GET", "/v1/customers/C%ZZ1", "admin").status == 400);
    CHECK(s.call("GET", "/v1/nothing-here", "admin").status == 404);
    CHECK(s.call("DELETE", "/v1/customers", "admin").status == 405);
    test::HttpClient c(s.port());
    c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    auto big = c.read_response();
    REQUIRE(big);
    CHECK(big->status == 431);
    test::HttpClient garbage(s.port());
    garbage.send_raw("THIS IS NOT HTTP\r\n\r\n");
    auto g = garbage.read_response();
    CHECK((!g || g->status == 400));
  }
  SECTION("SQL-looking text is stored as text") {
    const std::string name = "Robert'); DROP TABLE customers;--";
    REQUIRE(s.call("POST", "/v1/customers", "finance", json{{"id", "C-2"}, {"name", name}, {"currency", "EUR"}}).status ==
            201);
    CHECK(s.call("GET", "/v1/customers/C-2", "admin").json_body()["name"] == name);
    return;  // a change was made on purpose: the snapshot below does not apply
  }
  CHECK(snapshot(s) == before);
  CHECK(s.call("GET", "/healthz", "").status == 200);
  CHECK(s.running());
}

TEST_CASE("hostile: half-sent requests and hundreds of idle connections starve no one", "[http]") {
  Service s("sqlite", "TALLYMAN_IDLE_TIMEOUT=1");
  const std::string before = snapshot(s);
  std::vector<std::unique_ptr<test::HttpClient>> idle;
  for (int k = 0; k < 300; ++k) idle.push_back(std::make_unique<test::HttpClient>(s.port()));
  test::HttpClient half(s.port());
  half.send_raw("POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":");
  // Everyone else is served meanwhile.
  for (int k = 0; k < 20; ++k) REQUIRE(s.call("GET", "/v1/customers", "collector").status == 200);
  CHECK(s.call("GET", "/metrics", "").body.find("tallyman_connections 30") != std::string::npos);
  // The silent ones are dropped after the idle timeout (1 s here).
  CHECK(half.closed_within(3000));
  CHECK(idle.front()->closed_within(3000));
  CHECK(snapshot(s) == before);
  CHECK(s.running());
}
