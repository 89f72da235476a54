#include "core/bank.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

TEST_CASE("bank accounts: IBANs by their check digits, other ids as banks write them", "[core]") {
  // Examples of ISO 13616 and of banks' documentation.
  CHECK(normalize_account("CH93 0076 2011 6238 5295 7") == "CH9300762011623852957");
  CHECK(normalize_account("de89370400440532013000") == "DE89370400440532013000");
  CHECK(normalize_account("GB29 NWBK 6016 1331 9268 19") == "GB29NWBK60161331926819");
  CHECK(!normalize_account("DE89370400440532013001"));  // one digit off
  CHECK(!normalize_account("CH93 0076 2011 6238 5295 8"));
  CHECK(normalize_account("0532013000") == "0532013000");  // another id: no IBAN's shape
  CHECK(normalize_account("acct 7") == "ACCT7");
  CHECK(!normalize_account(""));
  CHECK(!normalize_account("DE89-3704"));
  CHECK(!normalize_account(std::string(35, '1')));
}

TEST_CASE("creditor references: ISO 11649's example, and each made one checks", "[core]") {
  CHECK(creditor_reference("539007547034") == "RF18539007547034");  // the standard's example
  CHECK(parse_creditor_reference("RF18 5390 0754 7034") == "RF18539007547034");
  CHECK(parse_creditor_reference("rf18539007547034") == "RF18539007547034");
  CHECK(!parse_creditor_reference("RF19539007547034"));
  CHECK(!parse_creditor_reference("RF18"));
  CHECK(!parse_creditor_reference("XX18539007547034"));
  for (std::int64_t serial : {1LL, 9LL, 42LL, 1000000LL, 999999999999LL}) {
    const std::string r = invoice_payment_reference(serial);
    CHECK(parse_creditor_reference(r) == r);
    CHECK(r.size() <= 25);
  }
  CHECK(invoice_payment_reference(1) != invoice_payment_reference(10));
}

TEST_CASE("creditor references quoted in free text: at a word's start, whole or in groups of four, checked", "[core]") {
  CHECK(find_creditor_reference("RF18539007547034") == "RF18539007547034");
  CHECK(find_creditor_reference("Invoice rf18 5390 0754 7034, thanks") == "RF18539007547034");
  CHECK(find_creditor_reference("ref:RF18539007547034/2026") == "RF18539007547034");
  // A word holding "RF", and a reference whose digits do not check, are passed over.
  CHECK(find_creditor_reference("PERFORMANCE FEE RF18539007547034") == "RF18539007547034");
  CHECK(find_creditor_reference("RF19539007547034 or RF18 5390 0754 7034") == "RF18539007547034");
  // Its groups end where the reading stops checking: a number or a word after it is not part.
  CHECK(find_creditor_reference("RF18 5390 0754 7034 1234 EUR") == "RF18539007547034");
  CHECK(find_creditor_reference("RF18539007547034 Thanks") == "RF18539007547034");
  CHECK(find_creditor_reference("RF18 53900754 7034") == std::nullopt);  // not the standard's groups
  // RF541234 and RF5412340022 both check: the longest reading is taken.
  CHECK(find_creditor_reference("RF54 1234 0022") == "RF5412340022");
  CHECK(find_creditor_reference("RF54 1234, 0022") == "RF541234");
  CHECK(find_creditor_reference("XRF18539007547034") == std::nullopt);  // not at a word's start
  CHECK(find_creditor_reference("") == std::nullopt);
  CHECK(find_creditor_reference("RF") == std::nullopt);
  CHECK(find_creditor_reference("no reference here") == std::nullopt);
}
