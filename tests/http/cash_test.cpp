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

namespace {

// A camt.053 entry of this test's statements.
struct Entry {
  std::string reference{};
  std::string amount{};  // "250.00"
  bool credit = true;
  std::string currency = "EUR";
  std::string payer_account{};
  std::string structured{};
  std::vector<std::pair<std::string, std::string>> transactions{};  // a batch: (amount, remittance text)
  std::string remittance{};
  std::string end_to_end{};
  bool reversal = false;  // RvslInd
};

std::string camt053(const std::string& id, const std::string& opening, const std::string& closing,
                    const std::vector<Entry>& entries) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt><Stmt><Id>" + id +
                  "</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>EUR</Ccy></Acct>"
                  "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">" + opening +
                  "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-01</Dt></Dt></Bal>"
                  "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">" + closing +
                  "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-01</Dt></Dt></Bal>";
  for (const Entry& e : entries) {
    x += "<Ntry><Amt Ccy=\"" + e.currency + "\">" + e.amount + "</Amt><CdtDbtInd>" + (e.credit ? "CRDT" : "DBIT") +
         "</CdtDbtInd>" + (e.reversal ? "<RvslInd>true</RvslInd>" : "") + "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-04-01</Dt></BookgDt><AcctSvcrRef>" + e.reference +
         "</AcctSvcrRef><NtryDtls>";
    auto tx = [&](const std::string& amount, const std::string& text) {
      x += "<TxDtls>";
      if (!amount.empty()) x += "<Amt Ccy=\"" + e.currency + "\">" + amount + "</Amt>";
      if (!e.end_to_end.empty()) x += "<Refs><EndToEndId>" + e.end_to_end + "</EndToEndId></Refs>";
      x += "<RltdPties><Dbtr><Pty><Nm>Payer</Nm></Pty></Dbtr>";
      if (!e.payer_account.empty()) x += "<DbtrAcct><Id><IBAN>" + e.payer_account + "</IBAN></Id></DbtrAcct>";
      x += "</RltdPties><RmtInf>";
      if (!text.empty()) x += "<Ustrd>" + text + "</Ustrd>";
      if (!e.structured.empty()) x += "<Strd><CdtrRefInf><Ref>" + e.structured + "</Ref></CdtrRefInf></Strd>";
      x += "</RmtInf></TxDtls>";
    };
    if (e.transactions.empty()) tx("", e.remittance);
    for (const auto& [amount, text] : e.transactions) tx(amount, text);
    x += "</NtryDtls></Ntry>";
  }
  return x + "</Stmt></BkToCstmrStmt></Document>";
}

void post(const Service& s, const std::string& target, const json& body) {
  auto r = s.call("POST", target, "finance", body);
  INFO(target << " " << r.body);
  REQUIRE((r.status == 201 || r.status == 200));
}

// The lines of a statement, `posted` being the answer to its POST.
json statement_lines(const Service& s, const json& posted) {
  return s.call("GET", "/v1/bank-statements/" + posted["id"].get<std::string>() + "/lines", "collector").json_body()["items"];
}

void invoice(const Service& s, const std::string& number, const std::string& customer, std::int64_t amount,
             const std::string& currency = "EUR") {
  post(s, "/v1/invoices", {{"number", number}, {"customer", customer}, {"issue_date", "2026-03-01"},
                           {"due_date", "2026-03-31"}, {"amount", amount}, {"currency", currency}});
}

}  // namespace

TEST_CASE("cash: a camt.053 statement's lines go down the ladder, each posted, suggested, left or ignored, once",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"},
                            {"bank_accounts", {"DE89370400440532013000"}}});
  post(s, "/v1/customers", {{"id", "C-2"}, {"name", "Other"}, {"currency", "EUR"}});
  for (const auto& [number, amount] : std::vector<std::pair<std::string, std::int64_t>>{
           {"INV-1", 25000}, {"INV-7", 10000}, {"INV-8", 3000}, {"INV-9", 2050}, {"INV-10", 7000}, {"INV-11", 9000},
           {"INV-12", 5000}, {"INV-20", 1000}})
    invoice(s, number, "C-1", amount);
  invoice(s, "INV-21", "C-2", 1000);
  post(s, "/v1/payments", {{"reference", "P-OLD"}, {"customer", "C-2"}, {"received_date", "2026-03-20"},
                           {"amount", 6000}, {"currency", "EUR"}});
  const std::string rf = s.call("GET", "/v1/invoices/INV-1", "collector").json_body()["payment_reference"];

  const std::vector<Entry> entries{
      {.reference = "B-1", .amount = "250.00", .structured = rf},                           // structured_reference
      {.reference = "B-2", .amount = "150.50", .transactions = {{"100.00", "Invoice INV-7"}, {"50.50", "INV-8 and INV-9"}}},
      {.reference = "B-3", .amount = "70.00", .payer_account = "DE89 3704 0044 0532 0130 00"},  // account_amount
      {.reference = "B-4", .amount = "12.34", .payer_account = "DE89370400440532013000"},       // account
      {.reference = "B-5", .amount = "99.99", .remittance = "thank you"},                      // unmatched
      {.reference = "B-6", .amount = "60.00", .credit = false, .end_to_end = "P-OLD"},         // returns P-OLD
      {.reference = "B-7", .amount = "5.00", .credit = false, .remittance = "fees"},           // ignored
      {.reference = "B-8", .amount = "90.00", .currency = "USD", .remittance = "INV-11"},      // another currency
      {.reference = "B-9", .amount = "20.00", .remittance = "INV-20 INV-21"},                   // two customers: suggested
  };
  // 1,000.00 + 250.00 + 150.50 + 70.00 + 12.34 + 99.99 − 60.00 − 5.00 + 90.00 + 20.00
  const std::string file = camt053("S-2026-04-01", "1000.00", "1627.83", entries);
  const test::Headers xml{{"Content-Type", "application/xml"}};
  auto first = s.call("POST", "/v1/bank-statements", "finance", file, xml);
  INFO(first.body);
  REQUIRE(first.status == 201);
  const json summary = first.json_body();
  CHECK(summary["lines"] == 10);
  CHECK(summary["matched"] == 6);
  CHECK(summary["suggested"] == 1);
  CHECK(summary["unmatched"] == 2);
  CHECK(summary["ignored"] == 1);
  CHECK(summary["balanced"] == true);
  CHECK(summary["opening"] == 100000);
  CHECK(summary["closing"] == 162783);
  const std::string id = summary["id"];

  auto open = [&](const char* number) { return s.call("GET", std::string("/v1/invoices/") + number, "collector").json_body()["open_amount"]; };
  CHECK(open("INV-1") == 0);
  CHECK(open("INV-7") == 0);
  CHECK(open("INV-8") == 0);
  CHECK(open("INV-9") == 0);
  CHECK(open("INV-10") == 0);
  CHECK(open("INV-11") == 9000 - 1234);  // the account's payment, oldest due first (INV-11 before INV-12 by number)
  CHECK(open("INV-20") == 1000);
  CHECK(s.call("GET", "/v1/payments/P-OLD", "collector").json_body()["reversed_on"] == "2026-04-01");

  json lines = s.call("GET", "/v1/bank-statements/" + id + "/lines", "collector").json_body()["items"];
  REQUIRE(lines.size() == 10);
  auto line = [&](const std::string& reference) {
    for (const json& l : lines)
      if (l["reference"] == reference) return l;
    return json();
  };
  CHECK(line("B-1/1")["rule"] == "structured_reference");
  CHECK(line("B-1/1")["payment"] == "B-1/1");
  CHECK(line("B-1/1")["allocations"] == json::array({{{"invoice", "INV-1"}, {"amount", 25000}}}));
  CHECK(line("B-1/1")["evidence"].get<std::string>().find(rf) != std::string::npos);
  CHECK(line("B-2/1")["rule"] == "invoice_numbers");
  CHECK(line("B-2/2")["rule"] == "invoice_numbers");
  CHECK(line("B-2/2")["allocations"].size() == 2);
  CHECK(line("B-3/1")["rule"] == "account_amount");
  CHECK(line("B-4/1")["rule"] == "account");
  CHECK(line("B-4/1")["customer"] == "C-1");
  CHECK(line("B-5/1")["status"] == "unmatched");
  CHECK(line("B-6/1")["rule"] == "returned_payment");
  CHECK(line("B-6/1")["payment"] == "P-OLD");
  CHECK(line("B-7/1")["status"] == "ignored");
  CHECK(line("B-8/1")["status"] == "unmatched");
  CHECK(line("B-9/1")["status"] == "suggested");
  CHECK(line("B-9/1")["candidates"].size() == 2);
  CHECK(s.call("GET", "/v1/bank-statements/" + id + "/lines?status=matched", "collector").json_body()["items"].size() == 6);

  // The same file again: 200, the same answer, nothing posted twice.
  const std::size_t payments = s.call("GET", "/v1/payments?limit=1000", "collector").json_body()["items"].size();
  auto again = s.call("POST", "/v1/bank-statements", "finance", file, xml);
  CHECK(again.status == 200);
  CHECK(again.json_body()["matched"] == 6);
  CHECK(s.call("GET", "/v1/payments?limit=1000", "collector").json_body()["items"].size() == payments);
}

TEST_CASE("cash: a payment reference typed into the remittance text, in groups of four, finds its invoice", "[http]") {
  Service s("sqlite");
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-1", "C-1", 12000);
  invoice(s, "INV-2", "C-1", 5000);
  const std::string rf = s.call("GET", "/v1/invoices/INV-2", "collector").json_body()["payment_reference"];
  std::string grouped;
  for (std::size_t at = 0; at < rf.size(); at += 4) {
    if (at > 0) grouped += ' ';
    grouped += rf.substr(at, 4);
  }
  const std::string file = camt053("S-RF", "0.00", "50.00",
                                   {{.reference = "B-1", .amount = "50.00", .remittance = "Zahlung " + grouped + " danke"}});
  auto posted = s.call("POST", "/v1/bank-statements", "finance", file, {{"Content-Type", "application/xml"}});
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  CHECK(posted.json_body()["matched"] == 1);
  const json lines = statement_lines(s, posted.json_body());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["rule"] == "structured_reference");
  CHECK(lines[0]["allocations"] == json::array({{{"invoice", "INV-2"}, {"amount", 5000}}}));
  CHECK(lines[0]["evidence"].get<std::string>().starts_with("the creditor reference in the remittance text " + rf));
  CHECK(lines[0]["remittance"] == "Zahlung " + grouped + " danke");  // as the payer wrote it
  CHECK(s.call("GET", "/v1/invoices/INV-1", "collector").json_body()["open_amount"] == 12000);  // not the oldest
}

TEST_CASE("cash: a batch booking the bank did not split is one line for a person, its amount posted once", "[http]") {
  Service s("sqlite");
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-7", "C-1", 10000);
  invoice(s, "INV-8", "C-1", 5050);
  // Two transactions without their own amounts: neither may take the entry's 150.50.
  const std::string file = camt053("S-BATCH", "0.00", "150.50",
                                   {{.reference = "B-1", .amount = "150.50", .transactions = {{"", "INV-7"}, {"", "INV-8"}}}});
  auto posted = s.call("POST", "/v1/bank-statements", "finance", file, {{"Content-Type", "application/xml"}});
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  CHECK(posted.json_body()["lines"] == 1);
  CHECK(posted.json_body()["unmatched"] == 1);
  CHECK(posted.json_body()["balanced"] == true);
  CHECK(s.call("GET", "/v1/invoices/INV-7", "collector").json_body()["open_amount"] == 10000);
  const json queue = s.call("GET", "/v1/bank-statement-lines", "collector").json_body()["items"];
  REQUIRE(queue.size() == 1);
  CHECK(queue[0]["amount"] == 15050);
  CHECK(queue[0]["remittance"] == "Payer INV-7 Payer INV-8");
  CHECK(queue[0]["evidence"].get<std::string>().starts_with("a batch booking of 2 transactions"));
  // A person posts it, once.
  auto applied = s.call("POST", "/v1/bank-statement-lines/" + queue[0]["id"].get<std::string>() + "/apply", "finance",
                        json{{"customer", "C-1"}});
  INFO(applied.body);
  CHECK(applied.status == 200);
  CHECK(s.call("GET", "/v1/customers/C-1", "collector").json_body()["balance"]["open"] == 0);
}

TEST_CASE("cash: a debit naming a payment reverses it only when it returns the payment, not a smaller fee", "[http]") {
  Service s("sqlite");
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-1", "C-1", 6000);
  post(s, "/v1/payments", {{"reference", "P-1"}, {"customer", "C-1"}, {"received_date", "2026-03-10"},
                           {"amount", 6000}, {"currency", "EUR"}});
  const std::string file =
      camt053("S-RETURNS", "100.00", "32.50",
              {{.reference = "D-1", .amount = "5.00", .credit = false, .remittance = "charges for P-1"},
               {.reference = "D-2", .amount = "62.50", .credit = false, .end_to_end = "P-1"}});  // with the fee
  auto posted = s.call("POST", "/v1/bank-statements", "finance", file, {{"Content-Type", "application/xml"}});
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  CHECK(posted.json_body()["ignored"] == 1);
  CHECK(posted.json_body()["matched"] == 1);
  const json lines = statement_lines(s, posted.json_body());
  REQUIRE(lines.size() == 2);
  for (const json& l : lines) {
    if (l["reference"] == "D-1/1") {
      CHECK(l["status"] == "ignored");
      CHECK(l["evidence"] == "a debit of 5.00 EUR naming payment P-1 of 60.00 EUR, less than the payment: not its return");
    } else {
      CHECK(l["rule"] == "returned_payment");
    }
  }
  CHECK(s.call("GET", "/v1/payments/P-1", "collector").json_body()["reversed_on"] == "2026-04-01");
  CHECK(s.call("GET", "/v1/invoices/INV-1", "collector").json_body()["open_amount"] == 6000);
}

TEST_CASE("cash: the bank's reversal of a credit reverses the payment it became, in its statement or a later one",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-7", "C-1", 10000);
  invoice(s, "INV-8", "C-1", 5000);
  const test::Headers xml{{"Content-Type", "application/xml"}};
  // Two credits, each naming its invoice; the second reversed by the bank in the same statement.
  auto first = s.call("POST", "/v1/bank-statements", "finance",
                      camt053("S-1", "0.00", "100.00",
                              {{.reference = "B-1", .amount = "100.00", .remittance = "INV-7", .end_to_end = "E2E-7"},
                               {.reference = "B-2", .amount = "50.00", .remittance = "INV-8", .end_to_end = "E2E-8"},
                               {.reference = "B-3", .amount = "50.00", .credit = false, .end_to_end = "E2E-8",
                                .reversal = true}}),
                      xml);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(first.json_body()["matched"] == 3);
  CHECK(s.call("GET", "/v1/payments/B-2%2F1", "collector").json_body()["reversed_on"] == "2026-04-01");
  CHECK(s.call("GET", "/v1/invoices/INV-8", "collector").json_body()["open_amount"] == 5000);
  CHECK(s.call("GET", "/v1/invoices/INV-7", "collector").json_body()["open_amount"] == 0);
  // A later statement: a reversal of another amount undoes nothing; the first credit's does.
  auto second = s.call("POST", "/v1/bank-statements", "finance",
                       camt053("S-2", "100.00", "0.00",
                               {{.reference = "B-4", .amount = "30.00", .credit = false, .end_to_end = "E2E-7",
                                 .reversal = true},
                                {.reference = "B-5", .amount = "70.00", .credit = false, .end_to_end = "E2E-7",
                                 .reversal = true}}),
                       xml);
  INFO(second.body);
  REQUIRE(second.status == 201);
  CHECK(second.json_body()["matched"] == 0);
  CHECK(second.json_body()["ignored"] == 2);
  CHECK(s.call("GET", "/v1/invoices/INV-7", "collector").json_body()["open_amount"] == 0);
  auto third = s.call("POST", "/v1/bank-statements", "finance",
                      camt053("S-3", "100.00", "0.00",
                              {{.reference = "B-6", .amount = "100.00", .credit = false, .end_to_end = "E2E-7",
                                .reversal = true}}),
                      xml);
  INFO(third.body);
  REQUIRE(third.status == 201);
  CHECK(third.json_body()["matched"] == 1);
  const json lines = statement_lines(s, third.json_body());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["rule"] == "returned_payment");
  CHECK(lines[0]["evidence"] ==
        "a reversal by the bank of the credit of end-to-end id E2E-7, posted as payment B-1/1 of 100.00 EUR: the "
        "payment is reversed");
  CHECK(s.call("GET", "/v1/payments/B-1%2F1", "collector").json_body()["reversal_reason"] == "reversed by the bank");
  CHECK(s.call("GET", "/v1/invoices/INV-7", "collector").json_body()["open_amount"] == 10000);
}

TEST_CASE("cash: two entries with one reference are both taken, once", "[http]") {
  Service s("sqlite");
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-7", "C-1", 10000);
  invoice(s, "INV-8", "C-1", 5000);
  const std::string file = camt053("S-DUP", "0.00", "150.00",
                                   {{.reference = "B-1", .amount = "100.00", .remittance = "INV-7"},
                                    {.reference = "B-1", .amount = "50.00", .remittance = "INV-8"}});
  const test::Headers xml{{"Content-Type", "application/xml"}};
  auto first = s.call("POST", "/v1/bank-statements", "finance", file, xml);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(first.json_body()["lines"] == 2);
  CHECK(first.json_body()["matched"] == 2);
  CHECK(s.call("GET", "/v1/customers/C-1", "collector").json_body()["balance"]["open"] == 0);
  CHECK(s.call("POST", "/v1/bank-statements", "finance", file, xml).status == 200);
  CHECK(statement_lines(s, first.json_body()).size() == 2);
}

TEST_CASE("cash: statements that cannot be read are refused and change nothing, an unbalanced one is imported",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const test::Headers xml{{"Content-Type", "application/xml"}};
  const std::string good = camt053("S-1", "0", "10.00", {{.reference = "R-1", .amount = "10.00"}});
  auto truncated = s.call("POST", "/v1/bank-statements", "finance", good.substr(0, good.size() - 40), xml);
  CHECK(truncated.status == 422);
  CHECK(truncated.body.find("not well-formed") != std::string::npos);
  std::string wrong = good;
  wrong.replace(wrong.find("camt.053.001.08"), 15, "pain.001.001.09");
  CHECK(s.call("POST", "/v1/bank-statements", "finance", wrong, xml).status == 422);
  const std::string xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                          "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">&x;</Document>";
  CHECK(s.call("POST", "/v1/bank-statements", "finance", xxe, xml).status == 422);
  CHECK(s.call("POST", "/v1/bank-statements", "finance", good, {{"Content-Type", "application/json"}}).status == 415);
  CHECK(s.call("POST", "/v1/bank-statements", "collector", good, xml).status == 403);
  CHECK(s.call("GET", "/v1/bank-statements/1", "collector").status == 404);  // nothing stored
  CHECK(s.call("GET", "/healthz", "").status == 200);
  // Balances that do not add up: imported, and said so.
  auto off = s.call("POST", "/v1/bank-statements", "finance", camt053("S-2", "0", "11.00", {{.reference = "R-1", .amount = "10.00"}}), xml);
  REQUIRE(off.status == 201);
  CHECK(off.json_body()["balanced"] == false);
  CHECK(off.json_body()["unmatched"] == 1);
}

TEST_CASE("cash: an MT940 statement is read and matched by the payer's account", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "M-1"}, {"name", "Muster"}, {"currency", "EUR"}, {"bank_accounts", {"DE02120300000000202051"}}});
  invoice(s, "INV-7", "M-1", 25000);
  const std::string mt940 =
      ":20:STARTUMSE\r\n:25:DE89370400440532013000\r\n:28C:00001/001\r\n:60F:C260401EUR0,00\r\n"
      ":61:2604010401CR250,00NTRFNONREF//BANK-1\r\n:86:166?00GUTSCHRIFT?20SVWZ+Zahlung?31DE02120300000000202051?32Muster\r\n"
      ":62F:C260401EUR250,00\r\n-\r\n";
  auto r = s.call("POST", "/v1/bank-statements", "finance", mt940, {{"Content-Type", "text/plain"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(r.json_body()["matched"] == 1);
  CHECK(r.json_body()["balanced"] == true);
  CHECK(s.call("GET", "/v1/invoices/INV-7", "collector").json_body()["open_amount"] == 0);

  // A file in ISO 8859-1 ("M\xfcller": Müller), as many banks write names, is read as that.
  std::string latin1 = mt940;
  latin1.replace(latin1.find("STARTUMSE"), 9, "STATEMENT2");
  latin1.replace(latin1.find("BANK-1"), 6, "BANK-2");
  latin1.replace(latin1.find("?32Muster"), 9, "?32M\xfcller");
  auto second = s.call("POST", "/v1/bank-statements", "finance", latin1, {{"Content-Type", "text/plain"}});
  INFO(second.body);
  REQUIRE(second.status == 201);
  const auto lines = s.call("GET", "/v1/bank-statements/" + second.json_body()["id"].get<std::string>() +
                                       "/lines", "finance").json_body()["items"];
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["payer"]["name"] == "M\u00fcller");
}

TEST_CASE("cash: a statement whose texts would not fit their columns is refused, naming the line", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const std::string long_reference(201, 'R');
  auto r = s.call("POST", "/v1/bank-statements", "finance",
                  camt053("S-1", "0", "10.00", {{.reference = long_reference, .amount = "10.00"}}),
                  {{"Content-Type", "application/xml"}});
  CHECK(r.status == 422);
  CHECK(r.body.find("statement 1, line 1: the reference is longer than 200 bytes") != std::string::npos);
  CHECK(s.call("GET", "/v1/bank-statements/1", "finance").status == 404);
  // An account that is no IBAN is kept as written, cut to its column's 34 characters, never
  // inside a character.
  std::string account = "X";
  for (int k = 0; k < 20; ++k) account += "\u00c4";
  const std::string mt940 = ":20:S-9\r\n:25:" + account + "\r\n:28C:1\r\n:60F:C260401EUR0,00\r\n"
                            ":61:2604010401CR1,00NTRFNONREF//B-9\r\n:86:?20x\r\n:62F:C260401EUR1,00\r\n-\r\n";
  auto kept = s.call("POST", "/v1/bank-statements", "finance", mt940, {{"Content-Type", "text/plain"}});
  INFO(kept.body);
  REQUIRE(kept.status == 201);
  CHECK(kept.json_body()["account"] == account.substr(0, 33));
}

TEST_CASE("cash: a line the payer's account suggests shows the invoices of its amount, then the oldest others, each once",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "Q-9"}, {"name", "Many"}, {"currency", "EUR"}, {"bank_accounts", {"DE89370400440532013000"}}});
  for (int k = 1; k <= 7; ++k) invoice(s, "INV-5" + std::to_string(k), "Q-9", k <= 2 ? 700 : 500);
  auto r = s.call("POST", "/v1/bank-statements", "finance",
                  camt053("S-A", "0", "7.00", {{.reference = "A-1", .amount = "7.00", .payer_account = "DE89370400440532013000"}}),
                  {{"Content-Type", "application/xml"}});
  REQUIRE(r.status == 201);
  const json line = s.call("GET", "/v1/bank-statement-lines", "collector").json_body()["items"].at(0);
  CHECK(line["status"] == "suggested");
  CHECK(line["rule"] == "account_amount");
  std::vector<std::string> shown;
  for (const json& c : line["candidates"]) shown.push_back(c["invoice"]);
  CHECK(shown == std::vector<std::string>{"INV-51", "INV-52", "INV-53", "INV-54", "INV-55"});
}

TEST_CASE("cash: the work queue, a person's apply and ignore, and a remittance advice applied all or nothing, once",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "Q-1"}, {"name", "Queue"}, {"currency", "EUR"}});
  post(s, "/v1/customers", {{"id", "Q-2"}, {"name", "Other"}, {"currency", "EUR"}});
  invoice(s, "INV-40", "Q-1", 1000);
  invoice(s, "INV-41", "Q-2", 1000);
  const test::Headers xml{{"Content-Type", "application/xml"}};
  auto r = s.call("POST", "/v1/bank-statements", "finance",
                  camt053("S-Q", "0", "70.00",
                          {{.reference = "Q-A", .amount = "20.00", .remittance = "INV-40 INV-41"},
                           {.reference = "Q-B", .amount = "30.00", .remittance = "who knows"},
                           {.reference = "Q-C", .amount = "20.00", .currency = "USD", .remittance = "dollars"}}),
                  xml);
  REQUIRE(r.status == 201);
  json queue = s.call("GET", "/v1/bank-statement-lines", "collector").json_body()["items"];
  REQUIRE(queue.size() == 3);
  CHECK(queue[0]["reference"] == "Q-C/1");  // newest first
  CHECK(queue[2]["status"] == "suggested");
  CHECK(queue[2]["candidates"].size() == 2);
  CHECK(s.call("GET", "/v1/bank-statement-lines?status=suggested", "collector").json_body()["items"].size() == 1);
  const std::string suggested = queue[2]["id"], unknown = queue[1]["id"], dollars = queue[0]["id"];

  // Applied as a person decided: posted as the line's payment, then decided.
  CHECK(s.call("POST", "/v1/bank-statement-lines/" + suggested + "/apply", "collector",
               json{{"customer", "Q-1"}, {"allocations", {{{"invoice", "INV-40"}, {"amount", 1000}}}}})
            .status == 403);
  auto applied = s.call("POST", "/v1/bank-statement-lines/" + suggested + "/apply", "finance",
                        json{{"customer", "Q-1"}, {"allocations", {{{"invoice", "INV-40"}, {"amount", 1000}}}}});
  INFO(applied.body);
  REQUIRE(applied.status == 200);
  CHECK(applied.json_body()["status"] == "matched");
  CHECK(applied.json_body()["rule"] == "manual");
  CHECK(applied.json_body()["payment"] == "Q-A/1");
  CHECK(s.call("GET", "/v1/invoices/INV-40", "collector").json_body()["open_amount"] == 0);
  CHECK(s.call("GET", "/v1/payments/Q-A%2F1", "collector").json_body()["amount"] == 2000);  // the slash encoded
  CHECK(s.call("POST", "/v1/bank-statement-lines/" + suggested + "/apply", "finance",
               json{{"customer", "Q-1"}, {"allocations", json::array()}})
            .status == 409);
  // Another currency than the customer's is refused; nothing changes.
  CHECK(s.call("POST", "/v1/bank-statement-lines/" + dollars + "/apply", "finance", json{{"customer", "Q-1"}}).status == 422);
  // Set aside, with the reason; once.
  auto ignored = s.call("POST", "/v1/bank-statement-lines/" + unknown + "/ignore", "finance", json{{"reason", "a refund"}});
  REQUIRE(ignored.status == 200);
  CHECK(ignored.json_body()["status"] == "ignored");
  CHECK(ignored.json_body()["evidence"] == "set aside by t-finance: a refund");
  CHECK(s.call("POST", "/v1/bank-statement-lines/" + unknown + "/ignore", "finance", json{{"reason", "again"}}).status == 409);
  CHECK(s.call("GET", "/v1/bank-statement-lines", "collector").json_body()["items"].size() == 1);

  // A remittance advice: the payment's unapplied money to the invoices it names, all or nothing.
  post(s, "/v1/customers", {{"id", "Q-3"}, {"name", "Remitter"}, {"currency", "EUR"}});
  post(s, "/v1/payments", {{"reference", "P-R"}, {"customer", "Q-3"}, {"received_date", "2026-03-01"},
                           {"amount", 10000}, {"currency", "EUR"}});
  invoice(s, "INV-50", "Q-3", 6000);
  invoice(s, "INV-51", "Q-3", 4000);
  auto over = s.call("POST", "/v1/remittances", "finance",
                     json{{"customer", "Q-3"}, {"payment", "P-R"},
                          {"lines", {{{"invoice", "INV-50"}, {"amount", 6000}}, {{"invoice", "INV-51"}, {"amount", 5000}}}}});
  CHECK(over.status == 422);
  CHECK(over.body.find("lines[1].amount") != std::string::npos);
  CHECK(s.call("GET", "/v1/invoices/INV-50", "collector").json_body()["open_amount"] == 6000);  // nothing applied
  auto remitted = s.call("POST", "/v1/remittances", "finance",
                         json{{"customer", "Q-3"}, {"payment", "P-R"},
                              {"lines", {{{"invoice", "INV-50"}, {"amount", 6000}}, {{"invoice", "INV-51"}, {"amount", 4000}}}}});
  INFO(remitted.body);
  REQUIRE(remitted.status == 201);
  CHECK(remitted.json_body()["unapplied"] == 0);
  CHECK(remitted.json_body()["applications"].size() == 2);
  CHECK(s.call("GET", "/v1/invoices/INV-51", "collector").json_body()["open_amount"] == 0);
  // The same advice again, its lines in another order, changes nothing.
  auto again = s.call("POST", "/v1/remittances", "finance",
                      json{{"customer", "Q-3"}, {"payment", "P-R"},
                           {"lines", {{{"invoice", "INV-51"}, {"amount", 4000}}, {{"invoice", "INV-50"}, {"amount", 6000}}}}});
  INFO(again.body);
  CHECK(again.status == 200);
  CHECK(again.json_body()["applications"].size() == 2);
  // Part of a payment's money: the same advice again is a replay while the invoice and the
  // payment would still have room for it twice; another amount is another advice.
  post(s, "/v1/payments", {{"reference", "P-S"}, {"customer", "Q-3"}, {"received_date", "2026-03-01"},
                           {"amount", 5000}, {"currency", "EUR"}});
  invoice(s, "INV-52", "Q-3", 2000);
  const json part{{"customer", "Q-3"}, {"payment", "P-S"}, {"lines", {{{"invoice", "INV-52"}, {"amount", 600}}}}};
  CHECK(s.call("POST", "/v1/remittances", "finance", part).status == 201);
  CHECK(s.call("POST", "/v1/remittances", "finance", part).status == 200);
  CHECK(s.call("GET", "/v1/invoices/INV-52", "collector").json_body()["open_amount"] == 1400);
  auto rest = s.call("POST", "/v1/remittances", "finance",
                     json{{"customer", "Q-3"}, {"payment", "P-S"}, {"lines", {{{"invoice", "INV-52"}, {"amount", 1400}}}}});
  CHECK(rest.status == 201);
  CHECK(rest.json_body()["unapplied"] == 3000);
  CHECK(s.call("GET", "/v1/invoices/INV-52", "collector").json_body()["open_amount"] == 0);
  CHECK(s.call("POST", "/v1/remittances", "finance",
               json{{"customer", "Q-2"}, {"payment", "P-R"}, {"lines", {{{"invoice", "INV-41"}, {"amount", 1}}}}})
            .status == 422);
  CHECK(s.call("POST", "/v1/remittances", "finance",
               json{{"customer", "Q-3"}, {"payment", "P-NONE"}, {"lines", {{{"invoice", "INV-50"}, {"amount", 1}}}}})
            .status == 404);
}

TEST_CASE("cash: a 20 MB statement goes through the endpoint's own body limit, once", "[http]") {
  Service s("sqlite");
  std::vector<Entry> entries;
  const std::string padding(900, 'x');
  for (int k = 1; k <= 20000; ++k)
    entries.push_back({.reference = "BIG-" + std::to_string(k), .amount = "1.00", .remittance = "payment " + padding});
  const std::string file = camt053("S-BIG", "0", "20000.00", entries);
  REQUIRE(file.size() > 20 * 1000 * 1000);
  const test::Headers xml{{"Content-Type", "application/xml"}};
  auto r = s.call("POST", "/v1/bank-statements", "finance", file, xml);
  INFO(r.body.substr(0, 300));
  REQUIRE(r.status == 201);
  CHECK(r.json_body()["lines"] == 20000);
  CHECK(r.json_body()["balanced"] == true);
  CHECK(s.call("POST", "/v1/bank-statements", "finance", file, xml).status == 200);
  // Other routes keep the 1 MiB limit.
  CHECK(s.call("POST", "/v1/customers", "finance", std::string(2 * 1024 * 1024, ' '),
               {{"Content-Type", "application/json"}}).status == 413);
}

TEST_CASE("cash: a line the ledger refuses to post or reverse is left unmatched, saying why", "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "U-1"}, {"name", "Taken"}, {"currency", "EUR"}});
  invoice(s, "INV-60", "U-1", 5000);
  // A payment already holds the reference the line's payment would have.
  post(s, "/v1/payments", {{"reference", "T-1/1"}, {"customer", "U-1"}, {"received_date", "2026-03-05"},
                           {"amount", 100}, {"currency", "EUR"}});
  // And a payment whose return the bank books before the payment's own date.
  post(s, "/v1/payments", {{"reference", "LATE"}, {"customer", "U-1"}, {"received_date", "2026-05-01"},
                           {"amount", 100}, {"currency", "EUR"}});
  auto r = s.call("POST", "/v1/bank-statements", "finance",
                  camt053("S-U", "0", "0", {{.reference = "T-1", .amount = "30.00", .structured = "INV-60"},
                                            {.reference = "T-2", .amount = "1.00", .credit = false, .end_to_end = "LATE"}}),
                  {{"Content-Type", "application/xml"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(r.json_body()["unmatched"] == 2);
  json lines = s.call("GET", "/v1/bank-statement-lines", "collector").json_body()["items"];
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["evidence"].get<std::string>().find("not reversed: date is earlier than what it must follow") !=
        std::string::npos);
  CHECK(lines[1]["evidence"].get<std::string>().find("not posted: reference is already stored with different content") !=
        std::string::npos);
  CHECK(s.call("GET", "/v1/invoices/INV-60", "collector").json_body()["open_amount"] == 4800);  // the two payments only
}

TEST_CASE("cash: a payment and its return in one statement, then the invoice paid again, each line seeing the last",
          "[http][mysql]") {
  // One import holds its payments and the customers' open invoices in memory: the return must
  // find the payment posted two lines before, and the line after it the invoice open again.
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "C-1"}, {"name", "Muster GmbH"}, {"currency", "EUR"}});
  invoice(s, "INV-1", "C-1", 25000);
  invoice(s, "INV-2", "C-1", 4000);
  const std::vector<Entry> entries{
      {.reference = "B-1", .amount = "250.00", .structured = "INV-1"},                       // pays INV-1
      {.reference = "B-2", .amount = "250.00", .credit = false, .end_to_end = "B-1/1"},      // returns it
      {.reference = "B-3", .amount = "250.00", .structured = "INV-1"},                       // pays it again
      {.reference = "B-4", .amount = "40.00", .remittance = "INV-2"},                         // and INV-2
  };
  auto r = s.call("POST", "/v1/bank-statements", "finance", camt053("S-1", "0", "290.00", entries),
                  {{"Content-Type", "application/xml"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(r.json_body()["matched"] == 4);
  CHECK(s.call("GET", "/v1/payments/B-1%2F1", "collector").json_body()["reversed_on"] == "2026-04-01");
  CHECK(s.call("GET", "/v1/invoices/INV-1", "collector").json_body()["open_amount"] == 0);
  CHECK(s.call("GET", "/v1/invoices/INV-2", "collector").json_body()["open_amount"] == 0);
  const json b3 = s.call("GET", "/v1/payments/B-3%2F1", "collector").json_body();
  CHECK(b3["applications"] == json::array({{{"invoice", "INV-1"}, {"amount", 25000}, {"date", "2026-04-01"}}}));
  const json customer = s.call("GET", "/v1/customers/C-1", "collector").json_body();
  CHECK(customer["balance"]["open"] == 0);
  CHECK(customer["balance"]["unapplied"] == 0);
}
