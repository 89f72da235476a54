#include "sql/ledger_store.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }
const Currency eur = *parse_currency("EUR");
const Currency usd = *parse_currency("USD");

Customer customer(const char* id, const char* terms = "NET30") {
  return Customer{id, std::string("Customer ") + id, eur, 100000, terms, std::nullopt, std::nullopt, false, {}};
}

Invoice invoice(const char* number, const char* cust, const char* issue, std::int64_t amount,
                std::optional<const char*> due = std::nullopt) {
  Invoice i{number, cust, d(issue), std::nullopt, amount, eur, std::nullopt};
  if (due) i.due_date = d(*due);
  return i;
}

template <class Post>
LedgerResult post_one(sql::Database& db, Post post) {
  sql::WriteTransaction tx(db);
  auto results = post();
  REQUIRE(results.size() == 1);
  if (results[0].accepted()) tx.commit();
  return results[0];
}

struct Book {
  explicit Book(const std::string& backend) : t(backend), store(t.db()) {
    std::vector<Customer> cs{customer("C-1"), customer("C-2", "EOM30")};
    sql::WriteTransaction tx(t.db());
    store.post_customers(cs);
    tx.commit();
  }
  LedgerResult add(const Invoice& i) {
    return post_one(t.db(), [&] { return store.post_invoices(std::vector<Invoice>{i}); });
  }
  LedgerResult pay(const Payment& p) {
    return post_one(t.db(), [&] { return store.post_payments(std::vector<Payment>{p}); });
  }
  std::int64_t open(const char* number) { return store.invoice(number).value().open_amount; }

  test::TestDb t;
  sql::LedgerStore store;
};

}  // namespace

TEST_CASE("ledger store: customers are created once - a replay is accepted, a change is a conflict", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto again = post_one(b.t.db(), [&] { return b.store.post_customers(std::vector<Customer>{customer("C-1")}); });
  CHECK(again.outcome == LedgerOutcome::replayed);
  Customer changed = customer("C-1");
  changed.name = "Another name";
  auto conflict = post_one(b.t.db(), [&] { return b.store.post_customers(std::vector<Customer>{changed}); });
  CHECK(conflict.outcome == LedgerOutcome::conflict);
  CHECK(b.store.customer("C-1").value().name == "Customer C-1");
  auto terms = post_one(b.t.db(), [&] { return b.store.post_customers(std::vector<Customer>{customer("C-9", "NET45")}); });
  CHECK(terms.outcome == LedgerOutcome::unknown_terms);
  CHECK(terms.field == "terms");
  CHECK_FALSE(b.store.customer("C-9"));
  Customer full = customer("C-3");
  full.collector = "alice";
  full.credit_limit.reset();
  full.name = "Bauer & Söhne 'KG' 🙂 \\ \\' ; DROP TABLE customers;--";
  post_one(b.t.db(), [&] { return b.store.post_customers(std::vector<Customer>{full}); });
  CHECK(b.store.customer("C-3") == full);
}

TEST_CASE("ledger store: an invoice's due date comes from the customer's terms when not given", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  CHECK(b.add(invoice("INV-1", "C-1", "2026-01-15", 250000)).outcome == LedgerOutcome::created);
  CHECK(b.add(invoice("INV-2", "C-2", "2026-01-15", 1000)).outcome == LedgerOutcome::created);
  CHECK(b.add(invoice("INV-3", "C-1", "2026-01-15", 1000, "2026-01-20")).outcome == LedgerOutcome::created);
  CHECK(b.store.invoice("INV-1").value().invoice.due_date == d("2026-02-14"));
  CHECK(b.store.invoice("INV-2").value().invoice.due_date == d("2026-03-02"));  // EOM30
  CHECK(b.store.invoice("INV-3").value().invoice.due_date == d("2026-01-20"));
  CHECK(b.open("INV-1") == 250000);
  // Every character of the id alphabet survives both backends' quoting.
  CHECK(b.add(invoice("a.b_c:d/e-F:9", "C-1", "2026-01-15", 7)).outcome == LedgerOutcome::created);
  CHECK(b.store.invoice("a.b_c:d/e-F:9").value().open_amount == 7);
}

TEST_CASE("ledger store: invoices are idempotent by number", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  REQUIRE(b.add(invoice("INV-1", "C-1", "2026-01-15", 250000)).outcome == LedgerOutcome::created);
  CHECK(b.add(invoice("INV-1", "C-1", "2026-01-15", 250000)).outcome == LedgerOutcome::replayed);
  CHECK(b.add(invoice("INV-1", "C-1", "2026-01-15", 250000, "2026-02-14")).outcome == LedgerOutcome::replayed);
  CHECK(b.add(invoice("INV-1", "C-1", "2026-01-15", 250001)).outcome == LedgerOutcome::conflict);
  CHECK(b.add(invoice("INV-1", "C-1", "2026-01-15", 250000, "2026-02-15")).outcome == LedgerOutcome::conflict);
  CHECK(b.add(invoice("INV-1", "C-2", "2026-01-15", 250000)).outcome == LedgerOutcome::conflict);
  CHECK(b.store.postings().size() == 1);
}

TEST_CASE("ledger store: invoices for unknown customers or in another currency are refused", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto unknown = b.add(invoice("INV-1", "C-404", "2026-01-15", 100));
  CHECK(unknown.outcome == LedgerOutcome::unknown_customer);
  CHECK(unknown.field == "customer");
  Invoice dollars = invoice("INV-2", "C-1", "2026-01-15", 100);
  dollars.currency = usd;
  auto mismatch = b.add(dollars);
  CHECK(mismatch.outcome == LedgerOutcome::currency_mismatch);
  CHECK(mismatch.field == "currency");
  CHECK(b.store.postings().empty());
}

TEST_CASE("ledger store: a payment is applied oldest due first and the rest stays unapplied", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-15", 250000));
  b.add(invoice("INV-2", "C-1", "2026-01-10", 100000, "2026-03-01"));
  b.add(invoice("INV-3", "C-1", "2026-01-05", 100000));  // due Feb 4: oldest
  b.add(invoice("INV-4", "C-1", "2026-02-25", 100000));  // issued after the payment
  CHECK(b.pay({"PAY-9", "C-1", d("2026-02-20"), 400000, eur, {}}).outcome == LedgerOutcome::created);
  CHECK(b.open("INV-3") == 0);
  CHECK(b.open("INV-1") == 0);
  CHECK(b.open("INV-2") == 50000);
  CHECK(b.open("INV-4") == 100000);
  CHECK(b.store.unapplied("C-1") == 0);
  CHECK(b.pay({"PAY-10", "C-1", d("2026-03-01"), 200000, eur, {}}).outcome == LedgerOutcome::created);
  CHECK(b.open("INV-2") == 0);
  CHECK(b.open("INV-4") == 0);
  CHECK(b.store.unapplied("C-1") == 50000);
}

TEST_CASE("ledger store: explicit allocations first - a refused one posts nothing", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-05", 100000));
  b.add(invoice("INV-2", "C-1", "2026-01-20", 100000));
  b.add(invoice("INV-X", "C-2", "2026-01-20", 100000));
  const std::size_t postings_before = b.store.postings().size();

  auto over = b.pay({"PAY-1", "C-1", d("2026-02-20"), 300000, eur, {{"INV-2", 100001}}});
  CHECK(over.outcome == LedgerOutcome::exceeds_open_amount);
  CHECK(over.field == "allocations[0].amount");
  auto other = b.pay({"PAY-1", "C-1", d("2026-02-20"), 300000, eur, {{"INV-X", 10}}});
  CHECK(other.outcome == LedgerOutcome::unknown_invoice);
  CHECK(other.field == "allocations[0].invoice");
  auto early = b.pay({"PAY-1", "C-1", d("2026-01-10"), 300000, eur, {{"INV-2", 10}}});
  CHECK(early.outcome == LedgerOutcome::issued_after_document);
  auto stranger = b.pay({"PAY-1", "C-404", d("2026-02-20"), 300000, eur, {}});
  CHECK(stranger.outcome == LedgerOutcome::unknown_customer);
  CHECK(b.store.postings().size() == postings_before);

  REQUIRE(b.pay({"PAY-1", "C-1", d("2026-02-20"), 150000, eur, {{"INV-2", 100000}}}).outcome == LedgerOutcome::created);
  CHECK(b.open("INV-2") == 0);
  CHECK(b.open("INV-1") == 50000);
  CHECK(b.pay({"PAY-1", "C-1", d("2026-02-20"), 150000, eur, {{"INV-2", 100000}}}).outcome == LedgerOutcome::replayed);
  CHECK(b.pay({"PAY-1", "C-1", d("2026-02-20"), 150000, eur, {}}).outcome == LedgerOutcome::conflict);
  CHECK(b.open("INV-1") == 50000);
}

TEST_CASE("ledger store: credit notes reduce an invoice or add unapplied credit", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-05", 100000));
  auto post = [&](const CreditNote& n) {
    sql::WriteTransaction tx(b.t.db());
    auto r = b.store.post_credit_note(n);
    if (r.accepted()) tx.commit();
    return r;
  };
  CHECK(post({"CN-1", "C-1", d("2026-02-01"), 5000, eur, std::string("INV-1")}).outcome == LedgerOutcome::created);
  CHECK(b.open("INV-1") == 95000);
  CHECK(post({"CN-1", "C-1", d("2026-02-01"), 5000, eur, std::string("INV-1")}).outcome == LedgerOutcome::replayed);
  CHECK(post({"CN-1", "C-1", d("2026-02-01"), 6000, eur, std::string("INV-1")}).outcome == LedgerOutcome::conflict);
  CHECK(post({"CN-2", "C-1", d("2026-02-01"), 95001, eur, std::string("INV-1")}).outcome == LedgerOutcome::exceeds_open_amount);
  CHECK(post({"CN-2", "C-1", d("2026-01-01"), 5, eur, std::string("INV-1")}).outcome == LedgerOutcome::issued_after_document);
  CHECK(post({"CN-2", "C-2", d("2026-02-01"), 5, eur, std::string("INV-1")}).outcome == LedgerOutcome::unknown_invoice);
  CHECK(post({"CN-3", "C-1", d("2026-02-01"), 7000, eur, std::nullopt}).outcome == LedgerOutcome::created);
  CHECK(b.store.unapplied("C-1") == 7000);
  CHECK(b.open("INV-1") == 95000);
}

TEST_CASE("ledger store: unapplied credit is applied later, oldest first", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.pay({"PAY-1", "C-1", d("2026-01-10"), 300, eur, {}});  // nothing open yet: all unapplied
  {
    sql::WriteTransaction tx(b.t.db());
    REQUIRE(b.store.post_credit_note({"CN-1", "C-1", d("2026-01-05"), 200, eur, std::nullopt}).accepted());
    tx.commit();
  }
  b.add(invoice("INV-1", "C-1", "2026-01-15", 1000));
  auto apply = [&](const char* customer, const char* number, std::int64_t amount, const char* date) {
    sql::WriteTransaction tx(b.t.db());
    auto r = b.store.apply_credit(customer, number, amount, d(date));
    if (r.accepted()) tx.commit();
    return r.outcome;
  };
  CHECK(apply("C-1", "INV-1", 501, "2026-02-01") == LedgerOutcome::exceeds_unapplied);
  CHECK(apply("C-1", "INV-1", 10, "2026-01-14") == LedgerOutcome::issued_after_document);
  CHECK(apply("C-2", "INV-1", 10, "2026-02-01") == LedgerOutcome::unknown_invoice);
  CHECK(apply("C-404", "INV-1", 10, "2026-02-01") == LedgerOutcome::unknown_customer);
  CHECK(apply("C-1", "INV-1", 250, "2026-02-01") == LedgerOutcome::created);
  CHECK(b.open("INV-1") == 750);
  CHECK(b.store.unapplied("C-1") == 250);  // CN-1 (older) used up, 50 of PAY-1
  const auto journal = b.store.postings();
  CHECK(journal[journal.size() - 2].document == "CN-1");
  CHECK(journal.back().document == "PAY-1");
  CHECK(journal.back().kind == PostingKind::payment_applied);
  AgingSpec before{d("2026-01-31"), AgingBasis::due_date, {30, 60, 90}};
  CHECK(b.store.aging(before, eur).totals.unapplied == 500);  // as of before the application
  CHECK(apply("C-1", "INV-1", 250, "2026-02-02") == LedgerOutcome::created);
  CHECK(b.store.unapplied("C-1") == 0);
}

TEST_CASE("ledger store: a write-off reduces the open amount as of its date", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-05", 100000));
  auto post = [&](const char* number, std::int64_t amount, const char* date) {
    sql::WriteTransaction tx(b.t.db());
    auto r = b.store.post_write_off(number, amount, d(date), "WO-1");
    if (r.accepted()) tx.commit();
    return r.outcome;
  };
  CHECK(post("INV-9", 10, "2026-03-01") == LedgerOutcome::unknown_invoice);
  CHECK(post("INV-1", 10, "2026-01-04") == LedgerOutcome::issued_after_document);
  CHECK(post("INV-1", 100001, "2026-03-01") == LedgerOutcome::exceeds_open_amount);
  CHECK(post("INV-1", 40000, "2026-03-01") == LedgerOutcome::created);
  CHECK(b.open("INV-1") == 60000);
  AgingSpec before{d("2026-02-28"), AgingBasis::due_date, {30, 60, 90}};
  AgingSpec after{d("2026-03-01"), AgingBasis::due_date, {30, 60, 90}};
  CHECK(b.store.aging(before, eur).totals.total() == 100000);
  CHECK(b.store.aging(after, eur).totals.total() == 60000);
  CHECK(b.store.postings().back().kind == PostingKind::write_off);
}

TEST_CASE("ledger store: aging as of a past date ignores what was posted for later dates", "[sql][mysql]") {
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-01", 100000));                // due Jan 31
  b.pay({"PAY-1", "C-1", d("2026-03-10"), 120000, eur, {}});         // settles it on Mar 10
  b.add(invoice("INV-2", "C-1", "2026-03-15", 50000));                 // after Mar 9
  AgingSpec before{d("2026-03-09"), AgingBasis::due_date, {30, 60, 90}};
  auto r = b.store.aging(before, eur);
  REQUIRE(r.customers.size() == 1);
  CHECK(r.customers[0].name == "Customer C-1");
  CHECK(r.customers[0].buckets == std::vector<std::int64_t>{0, 0, 100000, 0, 0});
  AgingSpec after{d("2026-03-31"), AgingBasis::due_date, {30, 60, 90}};
  auto now = b.store.aging(after, eur);
  CHECK(now.customers[0].buckets == std::vector<std::int64_t>{50000, 0, 0, 0, 0});
  CHECK(now.customers[0].unapplied == 20000);
  CHECK(now.totals.total() == 30000);
  CHECK(b.store.aging(after, eur, std::string("C-2")).customers.empty());
  CHECK(b.store.aging(after, usd).customers.empty());
}

TEST_CASE("ledger store: concurrent payments never apply more than an invoice's open amount", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  INFO(backend);
  Book b(backend);
  b.add(invoice("INV-1", "C-1", "2026-01-05", 60));
  const int writers = 6, payments_each = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      try {
        auto db = b.t.connect();
        for (int k = 0; k < payments_each; ++k) {
          sql::LedgerStore store(*db);
          sql::WriteTransaction tx(*db);
          const std::string ref = "PAY-" + std::to_string(w) + "-" + std::to_string(k);
          if (store.post_payments(std::vector<Payment>{{ref, "C-1", d("2026-02-01"), 1, eur, {}}}).at(0).outcome ==
              LedgerOutcome::created)
            tx.commit();
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  // 120 payments of 1 against an invoice of 60: 60 applied, 60 left unapplied, and the
  // projection agrees with the journal.
  CHECK(b.open("INV-1") == 0);
  CHECK(b.store.unapplied("C-1") == 60);
  std::int64_t applied = 0;
  for (const Posting& p : b.store.postings())
    if (p.kind == PostingKind::payment_applied) applied -= p.open_delta;
  CHECK(applied == 60);
}

TEST_CASE("ledger store: a bulk load that forgets what it read (a credit note between payments) reads it again",
          "[sql][mysql]") {
  // The load reads every customer's open invoices at once (this small book's customers are all
  // met by the first payment); a credit note makes it write what it holds and forget what it
  // read, and the next payment must read the invoices anew, not find none.
  Book b(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  b.add(invoice("INV-1", "C-1", "2026-01-10", 1000));
  b.add(invoice("INV-2", "C-1", "2026-01-20", 1000));
  sql::WriteTransaction tx(b.t.db());
  sql::LedgerStore store(b.t.db());
  store.bulk_load(false, 1000);
  const Payment first{"P-1", "C-1", d("2026-02-01"), 600, eur, {}};
  REQUIRE(store.post_payments({&first, 1}).front().outcome == LedgerOutcome::created);
  REQUIRE(store.post_credit_note({"CN-1", "C-1", d("2026-02-02"), 100, eur, std::string("INV-2")}).outcome ==
          LedgerOutcome::created);
  const Payment second{"P-2", "C-1", d("2026-02-03"), 900, eur, {}};
  REQUIRE(store.post_payments({&second, 1}).front().outcome == LedgerOutcome::created);
  store.flush();
  tx.commit();
  CHECK(b.open("INV-1") == 0);    // 600 + 400
  CHECK(b.open("INV-2") == 400);  // 1000 - 100 - 500
  CHECK(b.store.unapplied("C-1") == 0);
}
