// The daily early-warning look (jobs/watch_run.cpp): an event in the outbox for a customer's
// first signal, none while it goes on, and one again when it comes back after going away.
#include "jobs/runs.hpp"
#include "sql/books.hpp"
#include "sql/statement.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

long long count(sql::Database& db, const std::string& sql) {
  sql::Params none;
  long long n = 0;
  sql::Query(db.session(), sql, none).into(n).run();
  return n;
}

}  // namespace

TEST_CASE("watch run: a first signal sends an event, once, and again when it comes back", "[jobs][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::SqlBooks books(t.connect());
  LedgerBooks& ledger = books.ledger();
  const Actor clerk{"clerk", Role::finance, "", "{}"};
  const Currency eur = *parse_currency("EUR");
  REQUIRE(ledger.post_customer(clerk, Customer{"N-1", "Near", eur, 100000, "NET30", {}, {}, false, {}}).accepted());
  REQUIRE(ledger.post_customer(clerk, Customer{"N-2", "Calm", eur, 100000, "NET30", {}, {}, false, {}}).accepted());
  REQUIRE(ledger.post_invoice(clerk, Invoice{"I-1", "N-1", d("2026-03-01"), d("2026-04-30"), 95000, eur, {}}).accepted());
  REQUIRE(ledger.post_invoice(clerk, Invoice{"I-2", "N-2", d("2026-03-01"), d("2026-04-30"), 1000, eur, {}}).accepted());

  CHECK(jobs::run_watch(t.db(), d("2026-03-02")) == 1);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM notices WHERE event = 'watchlist.signal' AND customer = 'N-1'") == 1);
  const NoticeView event = books.collections().notices(std::nullopt, std::nullopt, PageRequest{}).items.at(0);
  CHECK(event.event == "watchlist.signal");
  CHECK(event.rendered.subject == "Early warning: Near (N-1)");
  CHECK(event.rendered.text.find("- near_limit: balance 950.00 is 95.0% of the credit limit 1,000.00") != std::string::npos);
  CHECK(event.rendered.total == 95000);
  // The next day the signal goes on: no new event.
  CHECK(jobs::run_watch(t.db(), d("2026-03-03")) == 0);
  // Paid down, it goes away; back over 90% later, it is new again.
  REQUIRE(ledger.post_payment(clerk, Payment{"P-1", "N-1", d("2026-03-04"), 50000, eur, {}}).accepted());
  CHECK(jobs::run_watch(t.db(), d("2026-03-04")) == 0);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM watch_signals") == 0);
  REQUIRE(ledger.post_invoice(clerk, Invoice{"I-3", "N-1", d("2026-03-05"), d("2026-05-04"), 45000, eur, {}}).accepted());
  CHECK(jobs::run_watch(t.db(), d("2026-03-05")) == 1);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM notices WHERE event = 'watchlist.signal'") == 2);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM notices WHERE event = 'watchlist.signal' AND customer = 'N-2'") == 0);
}
