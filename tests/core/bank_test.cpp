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
