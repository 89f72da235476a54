// Cash application's groundwork (contract §7) over HTTP: customers' bank accounts (IBANs by
// their check digits, one customer each) and every invoice's ISO 11649 payment reference.
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

// ISO 11649 checked here on its own: the reference with its first four characters moved to
// the end, letters as 10..35, leaves 1 modulo 97.
bool rf_valid(const std::string& r) {
  if (!std::regex_match(r, std::regex("RF[0-9]{2}[A-Z0-9]{1,21}"))) return false;
  const std::string moved = r.substr(4) + r.substr(0, 4);
  int rest = 0;
  for (char c : moved) {
    const int v = c >= 'A' ? c - 'A' + 10 : c - '0';
    rest = (v >= 10 ? rest * 100 + v : rest * 10 + v) % 97;
  }
  return rest == 1;
}

}  // namespace

TEST_CASE("cash: customers' bank accounts are checked, normalized, and one customer's each", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto made = s.call("POST", "/v1/customers", "finance",
                     json{{"id", "A-1"}, {"name", "Alpine AG"}, {"currency", "CHF"},
                          {"bank_accounts", {"ch93 0076 2011 6238 5295 7", "acct 7"}}});
  REQUIRE(made.status == 201);
  CHECK(made.json_body()["bank_accounts"] == json{"ACCT7", "CH9300762011623852957"});
  CHECK(s.call("GET", "/v1/customers/A-1", "collector").json_body()["bank_accounts"] ==
        json{"ACCT7", "CH9300762011623852957"});
  // The same again is a replay; an IBAN one digit off is refused, naming it; nothing stored.
  CHECK(s.call("POST", "/v1/customers", "finance",
               json{{"id", "A-1"}, {"name", "Alpine AG"}, {"currency", "CHF"}, {"bank_accounts", {"ACCT7", "CH9300762011623852957"}}})
            .status == 200);
  auto bad = s.call("POST", "/v1/customers", "finance",
                    json{{"id", "A-2"}, {"name", "Bad"}, {"currency", "CHF"}, {"bank_accounts", {"CH93 0076 2011 6238 5295 8"}}});
  CHECK(bad.status == 422);
  CHECK(bad.body.find("bank_accounts[0]") != std::string::npos);
  CHECK(s.call("GET", "/v1/customers/A-2", "collector").status == 404);
  // Another customer may not take an account that is A-1's, however it is written.
  auto taken = s.call("POST", "/v1/customers", "finance",
                      json{{"id", "A-3"}, {"name", "Copycat"}, {"currency", "CHF"}, {"bank_accounts", {"CH93007620116238 52957"}}});
  CHECK(taken.status == 409);
  CHECK(taken.body.find("belongs to another customer") != std::string::npos);
  CHECK(s.call("GET", "/v1/customers/A-3", "collector").status == 404);
  // PATCH replaces the accounts; one of another customer's is refused and changes nothing.
  REQUIRE(s.call("POST", "/v1/customers", "finance", json{{"id", "A-4"}, {"name", "Other"}, {"currency", "CHF"}}).status == 201);
  auto moved = s.call("PATCH", "/v1/customers/A-4", "finance", json{{"bank_accounts", {"DE89 3704 0044 0532 0130 00"}}});
  REQUIRE(moved.status == 200);
  CHECK(moved.json_body()["bank_accounts"] == json{"DE89370400440532013000"});
  CHECK(s.call("PATCH", "/v1/customers/A-4", "finance", json{{"bank_accounts", {"ACCT7"}}}).status == 409);
  CHECK(s.call("GET", "/v1/customers/A-4", "collector").json_body()["bank_accounts"] == json{"DE89370400440532013000"});
  REQUIRE(s.call("PATCH", "/v1/customers/A-1", "finance", json{{"bank_accounts", json::array()}}).status == 200);
  CHECK(s.call("PATCH", "/v1/customers/A-4", "finance", json{{"bank_accounts", {"ACCT7"}}}).status == 200);
  CHECK(s.call("PATCH", "/v1/customers/A-4", "finance", json{{"bank_accounts", "ACCT7"}}).status == 422);
}

TEST_CASE("cash: every invoice has its own ISO 11649 payment reference", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  REQUIRE(s.call("POST", "/v1/customers", "finance", json{{"id", "R-1"}, {"name", "Ref"}, {"currency", "EUR"}}).status == 201);
  std::set<std::string> references;
  for (int k = 1; k <= 12; ++k) {
    auto r = s.call("POST", "/v1/invoices", "finance",
                    json{{"number", "INV-" + std::to_string(k)}, {"customer", "R-1"}, {"issue_date", "2026-03-01"},
                         {"amount", 1000 * k}, {"currency", "EUR"}});
    REQUIRE(r.status == 201);
    const std::string reference = r.json_body()["payment_reference"];
    CHECK(rf_valid(reference));
    references.insert(reference);
  }
  CHECK(references.size() == 12);
  // The same invoice again keeps its reference; the list shows each.
  auto again = s.call("POST", "/v1/invoices", "finance",
                      json{{"number", "INV-3"}, {"customer", "R-1"}, {"issue_date", "2026-03-01"}, {"amount", 3000},
                           {"currency", "EUR"}});
  REQUIRE(again.status == 200);
  CHECK(references.contains(again.json_body()["payment_reference"].get<std::string>()));
  for (const json& i : s.call("GET", "/v1/invoices?customer=R-1", "collector").json_body()["items"])
    CHECK(references.contains(i["payment_reference"].get<std::string>()));
}
