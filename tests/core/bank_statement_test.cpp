// The statement readers on files written after the banks' documentation (tests/data/): both
// camt.053 statements of one file, a batch booking, a reversal, a returned payment, MT940's
// structured :86: forms; and what must be refused, naming where.
#include "core/bank_statement.hpp"
#include "core/cash.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

using namespace tallyman;

namespace {

std::string data(const char* name) {
  std::ifstream in(std::string(TALLYMAN_SOURCE_DIR) + "/tests/data/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Currency eur = *parse_currency("EUR");

// `text` with its first `from` replaced by `to`.
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("camt.053: two statements, a batch booking of two, a returned debit, pending entries left out", "[core]") {
  const StatementRead r = read_camt(data("camt053_two_statements.xml"));
  INFO(r.error);
  REQUIRE(r.file);
  CHECK(r.file->format == StatementFormat::camt053);
  REQUIRE(r.file->statements.size() == 2);
  const BankStatement& s = r.file->statements[0];
  CHECK(s.id == "STMT-2026-03-01");
  CHECK(s.account == "CH9300762011623852957");
  CHECK(s.currency == eur);
  CHECK(s.opening == 100000);
  CHECK(s.closing == 134050);
  CHECK(s.balanced());
  REQUIRE(s.lines.size() == 4);  // the pending entry is not booked
  CHECK(s.lines[0].key == "BANK-001/1");
  CHECK(s.lines[0].amount == 25000);
  CHECK(s.lines[0].credit);
  CHECK(s.lines[0].payer_name == "Muster GmbH");
  CHECK(s.lines[0].payer_account == "DE89370400440532013000");
  CHECK(s.lines[0].structured_reference == "RF18539007547034");
  CHECK(s.lines[0].end_to_end == "E2E-1");
  CHECK(s.lines[0].booked == parse_date("2026-03-01"));
  // One entry of 150.50 holding two transactions: a line each, keyed by their place.
  CHECK(s.lines[1].key == "BANK-002/1");
  CHECK(s.lines[1].amount == 10000);
  CHECK(s.lines[1].remittance == "Invoice INV-7");
  CHECK(s.lines[2].key == "BANK-002/2");
  CHECK(s.lines[2].amount == 5050);
  CHECK(s.lines[2].remittance == "INV-8 and INV-9");
  CHECK(s.lines[3].key == "N-3/1");
  CHECK_FALSE(s.lines[3].credit);
  CHECK(s.lines[3].reversal);
  CHECK(s.lines[3].return_reason == "AC04");
  CHECK(s.lines[3].end_to_end == "P-9");
  const BankStatement& t = r.file->statements[1];
  CHECK(t.account == "0532013000");
  CHECK(t.opening == 0);
  CHECK_FALSE(t.balanced());  // 0 + 100.00 is not 99.00
  CHECK(t.lines.at(0).key == "STMT-2026-03-02#1/1");  // no reference: the statement and the position
}

TEST_CASE("camt: a batch booking whose transactions give no amounts is one line of the entry's amount", "[core]") {
  std::string doc = data("camt053_two_statements.xml");
  for (const char* amount : {"<AmtDtls><TxAmt><Amt Ccy=\"EUR\">50.50</Amt></TxAmt></AmtDtls>",
                             "<AmtDtls><TxAmt><Amt Ccy=\"EUR\">100.00</Amt></TxAmt></AmtDtls>"}) {
    doc = replaced(doc, amount, "");
    // With one left out only, as with both: no transaction may take the entry's amount.
    const StatementRead r = read_camt(doc);
    INFO(r.error);
    REQUIRE(r.file);
    const BankStatement& s = r.file->statements[0];
    REQUIRE(s.lines.size() == 3);
    const BankLine& batch = s.lines[1];
    CHECK(batch.key == "BANK-002/1");
    CHECK(batch.amount == 15050);
    CHECK(batch.credit);
    CHECK(batch.unsplit_transactions == 2);
    CHECK(batch.remittance == "Alpha Invoice INV-7 Beta INV-8 and INV-9");
    CHECK(batch.payer_name.empty());
    CHECK(s.balanced());
  }
}

TEST_CASE("camt: an entry without transaction details reads its additional information as the text", "[core]") {
  std::string doc = data("camt053_two_statements.xml");
  const std::size_t from = doc.find("<NtryDtls><TxDtls>");
  const std::size_t to = doc.find("</TxDtls></NtryDtls>") + std::string_view("</TxDtls></NtryDtls>").size();
  doc.replace(from, to - from, "<AddtlNtryInf>SEPA credit INV-7</AddtlNtryInf>");
  const StatementRead r = read_camt(doc);
  INFO(r.error);
  REQUIRE(r.file);
  const BankLine& l = r.file->statements[0].lines[0];
  CHECK(l.key == "BANK-001/1");
  CHECK(l.amount == 25000);
  CHECK(l.remittance == "SEPA credit INV-7");
}

TEST_CASE("camt: what is not a statement is refused, saying where", "[core]") {
  const std::string good = data("camt053_two_statements.xml");
  CHECK(read_camt(good.substr(0, good.size() / 2)).error.starts_with("the XML is not well-formed"));
  std::string other = good;
  other.replace(other.find("camt.053.001.02"), 15, "camt.052.001.02");
  CHECK(read_camt(other).error.find("is not camt.053 or camt.054") != std::string::npos);
  std::string old = good;
  old.replace(old.find("camt.053.001.02"), 15, "camt.053.001.01");
  CHECK(read_camt(old).error.find("001.01") != std::string::npos);
  std::string bad_amount = good;
  bad_amount.replace(bad_amount.find("250.00"), 6, "25O.00");
  CHECK(read_camt(bad_amount).error.starts_with("Stmt[1]/Ntry[1]/Amt"));
  // An external entity and an entity bomb: refused for declaring a DTD, nothing read or expanded.
  const std::string xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                          "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>&x;"
                          "</BkToCstmrStmt></Document>";
  CHECK(read_camt(xxe).error.find("DTD") != std::string::npos);
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'k'; ++c)
    bomb += std::string("<!ENTITY ") + c + " \"" + std::string(10, '&') + "\">";
  for (char c = 'b'; c <= 'k'; ++c) {
    std::string refs;
    for (int k = 0; k < 10; ++k) refs += std::string("&") + static_cast<char>(c - 1) + ";";
    bomb.replace(bomb.find(std::string("<!ENTITY ") + c + " \"") + 11, 10, refs);
  }
  bomb += "]><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>&k;</BkToCstmrStmt></Document>";
  const StatementRead r = read_camt(bomb);
  CHECK_FALSE(r.file);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("camt.054: notifications read as statements without balances", "[core]") {
  std::string doc = data("camt053_two_statements.xml");
  doc.replace(doc.find("camt.053.001.02"), 15, "camt.054.001.08");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn"}, {"Stmt>", "Ntfctn>"}})
    for (std::size_t at = doc.find(from); at != std::string::npos; at = doc.find(from, at + to.size())) doc.replace(at, from.size(), to);
  const StatementRead r = read_camt(doc);
  INFO(r.error);
  REQUIRE(r.file);
  CHECK(r.file->format == StatementFormat::camt054);
  CHECK(r.file->statements.size() == 2);
  CHECK(r.file->statements[0].lines.size() == 4);
}

TEST_CASE("MT940: the envelope, :61: lines with their marks, :86: in its ?-subfield and /KEY/ forms", "[core]") {
  const StatementRead r = read_mt940(data("mt940_sample.sta"));
  INFO(r.error);
  REQUIRE(r.file);
  REQUIRE(r.file->statements.size() == 1);
  const BankStatement& s = r.file->statements[0];
  CHECK(s.id == "STARTUMSE/00042/001");
  CHECK(s.account == "DE89370400440532013000");
  CHECK(s.opening == 100000);
  CHECK(s.closing == 120000);
  CHECK(s.balanced());  // 1,000.00 + 250.00 − 40.00 − 10.00 (RC: a credit reversed, a debit)
  REQUIRE(s.lines.size() == 3);
  CHECK(s.lines[0].key == "BANK-101/1");
  CHECK(s.lines[0].credit);
  CHECK(s.lines[0].amount == 25000);
  CHECK(s.lines[0].end_to_end == "E2E-9");
  CHECK(s.lines[0].remittance == "Rechnung INV-7 und INV-8");
  CHECK(s.lines[0].payer_account == "DE02120300000000202051");
  CHECK(s.lines[0].payer_name == "Muster GmbH");
  CHECK_FALSE(s.lines[1].credit);
  CHECK(s.lines[1].end_to_end == "P-9");
  CHECK(s.lines[1].payer_name == "Alpine AG");
  CHECK(s.lines[1].payer_account == "CH9300762011623852957");
  CHECK(s.lines[1].remittance == "Ruecklastschrift");
  CHECK(s.lines[2].reversal);
  CHECK_FALSE(s.lines[2].credit);
  CHECK(s.lines[2].key == "STARTUMSE/00042/001#3/1");
}

TEST_CASE("statements: a creditor reference typed into the remittance text is what the line quotes, in both formats",
          "[core]") {
  const std::string camt =
      replaced(data("camt053_two_statements.xml"), "Invoice INV-7", "Performance fee, ref rf18 5390 0754 7034");
  const StatementRead c = read_camt(camt);
  INFO(c.error);
  REQUIRE(c.file);
  const std::vector<BankLine>& lines = c.file->statements[0].lines;
  CHECK(lines[1].structured_reference.empty());  // as the bank gave it
  CHECK(quoted_reference(lines[1]).reference == "RF18539007547034");
  CHECK(quoted_reference(lines[1]).where == "the creditor reference in the remittance text");
  CHECK(quoted_reference(lines[0]).where == "the structured reference");  // CdtrRefInf/Ref before the end-to-end id
  CHECK(quoted_reference(lines[2]).reference.empty());                    // INV-8 and INV-9: none
  const std::string mt940 = replaced(replaced(data("mt940_sample.sta"), "Rechnung INV-7 und", "PERFORMANCE RF1853900"),
                                     "?22 INV-8", "?227547034");  // the text goes on in the next subfield
  const StatementRead m = read_mt940(mt940);
  INFO(m.error);
  REQUIRE(m.file);
  const BankLine& l = m.file->statements[0].lines[0];
  CHECK(l.remittance == "PERFORMANCE RF18539007547034");
  CHECK(quoted_reference(l).reference == "RF18539007547034");  // before its end-to-end id E2E-9
}

TEST_CASE("MT940: a line is dated by its entry date when it gives one, in the year nearest its value date", "[core]") {
  const std::string sample = data("mt940_sample.sta");
  auto booked = [&](const std::string& dates) {
    const StatementRead r = read_mt940(replaced(sample, "2603010301CR250", dates + "CR250"));
    INFO(r.error);
    REQUIRE(r.file);
    return format_date(r.file->statements[0].lines[0].booked);
  };
  CHECK(booked("2603010302") == "2026-03-02");  // booked the day after its value date
  CHECK(booked("2612311231") == "2026-12-31");
  CHECK(booked("2612310102") == "2027-01-02");  // across the year's end, either way
  CHECK(booked("2701021231") == "2026-12-31");
  const StatementRead r = read_mt940(replaced(sample, "2603010301CR250", "2603011340CR250"));
  CHECK_FALSE(r.file);
  CHECK(r.error.find("\"1340\" is not an entry date MMDD") != std::string::npos);
}

TEST_CASE("statements: an entry of 0.00 moves no money and is left out, with its text", "[core]") {
  const std::string camt =
      replaced(data("camt053_two_statements.xml"), "<Amt Ccy=\"EUR\">250.00</Amt>", "<Amt Ccy=\"EUR\">0.00</Amt>");
  const StatementRead c = read_camt(camt);
  INFO(c.error);
  REQUIRE(c.file);
  REQUIRE(c.file->statements[0].lines.size() == 3);
  CHECK(c.file->statements[0].lines[0].key == "BANK-002/1");
  const std::string mt940 = replaced(data("mt940_sample.sta"), ":61:260301D40,00", ":61:260301D0,00");
  const StatementRead m = read_mt940(mt940);
  INFO(m.error);
  REQUIRE(m.file);
  const std::vector<BankLine>& lines = m.file->statements[0].lines;
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].remittance == "Rechnung INV-7 und INV-8");  // the left-out line's :86: is not its
  CHECK(lines[1].reversal);
}

TEST_CASE("statements: an entry repeating an earlier entry's reference is known by its position instead", "[core]") {
  const std::string camt = replaced(data("camt053_two_statements.xml"), "<AcctSvcrRef>BANK-002</AcctSvcrRef>",
                                    "<AcctSvcrRef>BANK-001</AcctSvcrRef>");
  const StatementRead c = read_camt(camt);
  INFO(c.error);
  REQUIRE(c.file);
  const std::vector<BankLine>& lines = c.file->statements[0].lines;
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].key == "BANK-001/1");
  CHECK(lines[1].key == "STMT-2026-03-01#2/1");  // its batch: both transactions, by the entry's place
  CHECK(lines[2].key == "STMT-2026-03-01#2/2");
  CHECK(lines[1].bank_reference == "BANK-001");  // as the bank gave it
  const std::string mt940 = replaced(data("mt940_sample.sta"), "//BANK-102", "//BANK-101");
  const StatementRead m = read_mt940(mt940);
  INFO(m.error);
  REQUIRE(m.file);
  CHECK(m.file->statements[0].lines[0].key == "BANK-101/1");
  CHECK(m.file->statements[0].lines[1].key == "STARTUMSE/00042/001#2/1");
}

TEST_CASE("MT940: a malformed :61: or a missing balance is refused, naming the line", "[core]") {
  const std::string good = data("mt940_sample.sta");
  std::string bad = good;
  bad.replace(bad.find(":61:2603010301CR250,00"), 22, ":61:2603010301XR250,00");
  CHECK(read_mt940(bad).error.starts_with("line 6 (:61:)"));
  std::string no_amount = good;
  no_amount.replace(no_amount.find("CR250,00N"), 9, "CRabcN");
  CHECK(read_mt940(no_amount).error.starts_with("line 6 (:61:)"));
  std::string no_opening = good;
  no_opening.erase(no_opening.find(":60F:"), std::string(":60F:C260301EUR1000,00\r\n").size());
  CHECK(read_mt940(no_opening).error.find("opening balance") != std::string::npos);
  CHECK(read_mt940("hello").error.find("line 1") != std::string::npos);
}

TEST_CASE("decimal amounts by the currency's digits", "[core]") {
  CHECK(parse_decimal_amount("12.5", eur) == 1250);
  CHECK(parse_decimal_amount("12,50", eur) == 1250);
  CHECK(parse_decimal_amount("12", eur) == 1200);
  CHECK(parse_decimal_amount("12.500", eur) == 1250);
  CHECK_FALSE(parse_decimal_amount("12.505", eur));
  CHECK_FALSE(parse_decimal_amount("-1", eur));
  CHECK_FALSE(parse_decimal_amount("0.00", eur));
  CHECK(parse_decimal_amount("1500", *parse_currency("JPY")) == 1500);
}

TEST_CASE("statements: texts that are no text are refused, and balances too large to add up do not add up",
          "[core]") {
  // A NUL in a name: not UTF-8, so read as ISO 8859-1, where it is still no text a column takes.
  std::string nul = data("mt940_sample.sta");
  nul.replace(nul.find("?32Muster"), 9, std::string("?32Mu\0ster", 10));
  CHECK(read_mt940(nul).error == "statement 1, line 1: the payer's name is longer than 200 bytes or not text");
  // 2,048 lines of the largest amount add up to 2^64 - 2,048 minor units: in 64 bits the sum
  // would wrap round to -20.48, the closing balance written here. It does not add up.
  std::string big = ":20:BIG\r\n:25:DE89370400440532013000\r\n:28C:1\r\n:60F:C260301EUR0,00\r\n";
  for (int k = 0; k < 2048; ++k)
    big += ":61:2603010301CR90071992547409,91NTRFNONREF//B-" + std::to_string(k) + "\r\n";
  big += ":62F:D260301EUR20,48\r\n-\r\n";
  const StatementRead r = read_mt940(big);
  REQUIRE(r.file);
  CHECK(r.file->statements[0].lines.size() == 2048);
  CHECK_FALSE(r.file->statements[0].balanced());
}
