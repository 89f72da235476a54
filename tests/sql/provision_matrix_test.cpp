// The proposed provision matrix (roll rates, core/provision.hpp) of a history worked out by
// hand, on both databases: each bucket's roll rate over the twelve month-ends and the rates
// they propose.
#include "sql/books.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

TEST_CASE("provision matrix: a year's history proposes the rates its roll rates give", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::SqlBooks books(t.connect());
  LedgerBooks& ledger = books.ledger();
  const Actor clerk{"clerk", Role::finance, "", "{}"}, boss{"boss", Role::manager, "", "{}"};
  const Currency eur = *parse_currency("EUR");
  auto d = [](const char* text) { return parse_date(text).value(); };
  REQUIRE(ledger.post_customer(clerk, Customer{"M-1", "Rolling", eur, std::nullopt, "NET30", {}, {}, false, {}}).accepted());
  // A and B fall due on 2026-01-31. B is paid on 2026-02-10; A is never paid, and 600.00 of it
  // is written off on 2026-06-15.
  for (const char* number : {"A", "B"})
    REQUIRE(ledger.post_invoice(clerk, Invoice{number, "M-1", d("2026-01-01"), d("2026-01-31"), 100000, eur, {}}).accepted());
  REQUIRE(ledger.post_payment(clerk, Payment{"PAY-B", "M-1", d("2026-02-10"), 100000, eur, {{"B", 100000}}}).accepted());
  std::int64_t id = 0;
  REQUIRE(ledger.request_write_off(clerk, "A", 60000, "gone", id).accepted());
  REQUIRE(ledger.decide_write_off(boss, id, true, d("2026-06-15")).accepted());

  // The month-ends 2025-11-30 .. 2026-11-30, twelve steps of a month. At 2026-01-31 both are
  // current (2,000.00); a month later A alone is 1-30: current rolled 50%. A rolls on each
  // month (100%) to 91+ at 2026-05-31; from there six steps start (1,000.00, then 400.00 five
  // times: 3,000.00), in which 600.00 was written off: 20%. So 20% for each bucket A passed
  // through, and half that for current.
  const std::vector<ProposedRate> m = books.reports().provision_history(d("2026-12-07"), eur);
  REQUIRE(m.size() == 5);
  CHECK(m[0].ar == 200000);
  CHECK(m[0].roll_bp == 5000);
  CHECK(m[0].rate_bp == 1000);
  for (std::size_t k = 1; k <= 3; ++k) {
    CHECK(m[k].ar == 100000);
    CHECK(m[k].roll_bp == 10000);
    CHECK(m[k].rate_bp == 2000);
  }
  CHECK(m[4].ar == 300000);
  CHECK(m[4].roll_bp == 2000);
  CHECK(m[4].rate_bp == 2000);
  // Seen from 2026-10-01 (month-ends up to 2026-09-30): 91+ holds 1,000.00 + 400.00 × 3, of
  // which 600.00 was written off: 27.3%, rounded half up from 27.27.
  const std::vector<ProposedRate> earlier = books.reports().provision_history(d("2026-10-01"), eur);
  CHECK(earlier[4].ar == 220000);
  CHECK(earlier[4].rate_bp == 2727);
  CHECK(earlier[0].rate_bp == 1364);  // 100,000 × 2,727 ÷ 200,000 = 1,363.5, half up
  // A year earlier the book was empty: no rates to propose.
  for (const ProposedRate& r : books.reports().provision_history(d("2025-12-31"), eur)) {
    CHECK(r.ar == 0);
    CHECK(!r.rate_bp);
  }
}
