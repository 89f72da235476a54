#include "sql/importer.hpp"
#include "sql/ledger_store.hpp"
#include "sql/support.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace tallyman;

namespace {

const char* const customers_csv =
    "id,name,currency,credit_limit,terms,collector,salesperson\n"
    "C-1,Acme GmbH,EUR,1000000,NET30,alice,sam\n"
    "C-2,\"Bauer, Söhne & Co\",EUR,,EOM30,,\n";

long long count(sql::Database& db, const char* table) {
  sql::Params none;
  long long n = 0;
  sql::Query(db.session(), std::string("SELECT COUNT(*) FROM ") + table, none).into(n).run();
  return n;
}

std::string invoices(int rows, int bad_row = -1) {
  std::string text = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  for (int r = 2; r < rows + 2; ++r)  // file rows: the header is row 1
    text += "INV-" + std::to_string(r) + ",C-" + std::to_string(1 + r % 2) + ",2026-01-15,," +
            (r == bad_row ? std::string("12.50") : std::to_string(1000 + r)) + ",EUR,\n";
  return text;
}

sql::ImportSummary ok(std::variant<sql::ImportSummary, sql::ImportError> r) {
  if (auto* e = std::get_if<sql::ImportError>(&r)) FAIL("row " << e->row << ": " << e->field << ": " << e->message);
  return std::get<sql::ImportSummary>(r);
}

sql::ImportError failed(std::variant<sql::ImportSummary, sql::ImportError> r) {
  REQUIRE(std::holds_alternative<sql::ImportError>(r));
  return std::get<sql::ImportError>(r);
}

}  // namespace

TEST_CASE("import: customers, invoices and payments from CSV", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  CHECK(ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv)).created == 2);
  CHECK(ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(10))).created == 10);
  auto pays = ok(sql::import_csv(t.db(), RecordKind::payments,
                                 "reference,customer,received_date,amount,currency\r\nPAY-1,C-1,2026-02-01,3000,EUR\r\n"));
  CHECK(pays.created == 1);
  sql::LedgerStore store(t.db());
  CHECK(store.customer("C-2").value().name == "Bauer, Söhne & Co");
  CHECK(store.customer("C-1").value().salesperson == "sam");
  CHECK(!store.customer("C-2").value().salesperson);
  // C-1 has INV-2, INV-4, ... INV-10, all due the same day: by number, as text.
  CHECK(store.invoice("INV-10").value().open_amount == 0);
  CHECK(store.invoice("INV-2").value().open_amount == 0);
  CHECK(store.invoice("INV-4").value().open_amount == 1004 - (3000 - 1010 - 1002));
  CHECK(store.invoice("INV-6").value().open_amount == 1006);
}

TEST_CASE("import: re-importing the same file skips every row", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(30)));
  auto again = ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(30)));
  CHECK(again.rows == 30);
  CHECK(again.created == 0);
  CHECK(again.skipped == 30);
  CHECK(count(t.db(), "postings") == 30);
  CHECK(ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv)).skipped == 2);
}

TEST_CASE("import: a bad row fails the whole file, with its row number, and stores nothing", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  SECTION("a bad amount in the first batch") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(20, 7)));
    CHECK(e.row == 7);
    CHECK(e.field == "amount");
  }
  SECTION("a bad row in a later batch rolls back the batches before it") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(2500, 2400)));
    CHECK(e.row == 2400);
  }
  SECTION("an unknown customer is found when posting, and still rolls everything back") {
    std::string text = invoices(1500);
    text += "INV-X,C-404,2026-01-15,,100,EUR,\n";
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, text));
    CHECK(e.row == 1502);
    CHECK(e.field == "customer");
    CHECK(e.message == "names no known customer");
  }
  SECTION("the same number with different content") {
    std::string text = invoices(3);
    text += "INV-2,C-1,2026-01-15,,999,EUR,\n";
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, text));
    CHECK(e.row == 5);
    CHECK(e.message == "is already stored with different content");
  }
  SECTION("a row with too few fields") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(3) + "INV-9,C-1,2026-01-15\n"));
    CHECK(e.row == 5);
    CHECK(e.message == "has 3 fields where the header has 7");
  }
  SECTION("a currency other than the customer's") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(3) + "INV-9,C-1,2026-01-15,,5,USD,\n"));
    CHECK(e.field == "currency");
  }
  SECTION("a header without a required column") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, "number,customer,amount,currency\nINV-1,C-1,5,EUR\n"));
    CHECK(e.row == 1);
    CHECK(e.field == "issue_date");
  }
  CHECK(count(t.db(), "invoices") == 0);
  CHECK(count(t.db(), "postings") == 0);
}

TEST_CASE("import: small batches and many flushes of held postings store the same journal", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb bulk(backend), plain(backend);
  for (test::TestDb* t : {&bulk, &plain}) ok(sql::import_csv(t->db(), RecordKind::customers, customers_csv));
  const std::string pays = "reference,customer,received_date,amount,currency\n"
                           "P-1,C-1,2026-02-01,5000,EUR\nP-2,C-2,2026-02-02,2500,EUR\nP-3,C-1,2026-02-03,900,EUR\n";
  ok(sql::import_csv(bulk.db(), RecordKind::invoices, invoices(40), {3, 7}));
  ok(sql::import_csv(bulk.db(), RecordKind::payments, pays, {1, 2}));
  ok(sql::import_csv(plain.db(), RecordKind::invoices, invoices(40)));
  ok(sql::import_csv(plain.db(), RecordKind::payments, pays));
  sql::LedgerStore a(bulk.db()), b(plain.db());
  auto sorted = [](std::vector<Posting> v) {
    std::sort(v.begin(), v.end(), [](const Posting& x, const Posting& y) {
      return std::tie(x.document, x.invoice, x.kind) < std::tie(y.document, y.invoice, y.kind);
    });
    return v;
  };
  CHECK(a.postings().size() > 40 + 3);  // invoices, payments and their applications
  CHECK(sorted(a.postings()) == sorted(b.postings()));
}

TEST_CASE("import: payments allocated from open invoices kept in memory end as posted one at a time", "[sql][mysql]") {
  // A bulk load reads its customers' open invoices customer by customer until it has met a
  // tenth of the book's, then all the rest at once; those met before keep what its payments
  // did to them, written only at the end (nothing is flushed before). Posted one by one
  // instead, every payment reads the invoices as stored.
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb bulk(backend), plain(backend);
  std::string customers = "id,name,currency,credit_limit,terms,collector\n";
  std::string invoices = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  std::string pays = "reference,customer,received_date,amount,currency\n";
  for (int c = 0; c < 40; ++c) {
    customers += "C-" + std::to_string(c) + ",Name,EUR,,NET30,\n";
    for (int k = 0; k < 3; ++k)
      invoices += "INV-" + std::to_string(c) + "-" + std::to_string(k) + ",C-" + std::to_string(c) + ",2026-01-1" +
                  std::to_string(k) + ",,1000,EUR,\n";
  }
  // The first batches meet few customers; later ones come back to them.
  std::vector<Payment> posted;
  for (int r = 0; r < 80; ++r) {
    const std::string customer = "C-" + std::to_string(r < 4 ? r % 2 : (r * 7) % 40);
    const long long amount = 300 + (r * 137) % 1400;
    pays += "P-" + std::to_string(r) + "," + customer + ",2026-02-01," + std::to_string(amount) + ",EUR\n";
    posted.push_back({"P-" + std::to_string(r), customer, parse_date("2026-02-01").value(), amount,
                      *parse_currency("EUR"), {}});
  }
  for (test::TestDb* t : {&bulk, &plain}) {
    ok(sql::import_csv(t->db(), RecordKind::customers, customers));
    ok(sql::import_csv(t->db(), RecordKind::invoices, invoices));
  }
  CHECK(ok(sql::import_csv(bulk.db(), RecordKind::payments, pays, {2, 1000000})).created == 80);
  {
    sql::WriteTransaction tx(plain.db());
    sql::LedgerStore store(plain.db());
    for (const Payment& p : posted) REQUIRE(store.post_payments({&p, 1}).front().outcome == LedgerOutcome::created);
    tx.commit();
  }
  auto state = [](sql::Database& db) {
    std::vector<std::pair<std::string, long long>> out;
    for (const char* sql : {"SELECT number, open_amount FROM invoices ORDER BY number",
                            "SELECT reference, unapplied_amount FROM payments ORDER BY reference"}) {
      sql::Params none;
      std::string key;
      long long value = 0;
      sql::Query q(db.session(), sql, none);
      q.into(key).into(value);
      if (q.run()) do {
          out.emplace_back(key, value);
        } while (q.fetch());
    }
    return out;
  };
  const auto expected = state(plain.db());
  CHECK(std::count_if(expected.begin(), expected.end(), [](const auto& e) { return e.second == 0; }) > 40);
  CHECK(state(bulk.db()) == expected);
}

TEST_CASE("import: into an empty SQLite book the indexes are rebuilt, and restored on failure", "[sql]") {
  test::TestDb t("sqlite");
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  auto indexes = [&] {
    sql::Params none;
    long long n = 0;
    sql::Query(t.db().session(),
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('postings_aging', 'invoices_customer_due')",
               none)
        .into(n)
        .run();
    return n;
  };
  REQUIRE(indexes() == 2);
  failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(3000, 2999)));  // dropped, then rolled back
  CHECK(indexes() == 2);
  ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(3000)));  // dropped, loaded, built again
  CHECK(indexes() == 2);
  CHECK(count(t.db(), "postings") == 3000);
  // The rebuilt index serves aging.
  sql::LedgerStore store(t.db());
  AgingSpec spec{parse_date("2026-03-31").value(), AgingBasis::due_date, {30, 60, 90}};
  CHECK(store.aging(spec, *parse_currency("EUR")).totals.total() == 3000 * 1000 + (2 + 3001) * 3000 / 2);
}

TEST_CASE("import: a number twice in one file is skipped when the same and refused when not, batches apart or not",
          "[sql][mysql]") {
  // Into an empty book (on SQLite the load that looks numbers up only among those it posted).
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const sql::ImportLimits limits = GENERATE(sql::ImportLimits{}, sql::ImportLimits{2, 7});
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  SECTION("the same content again") {
    auto summary = ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(5) + "INV-3,C-2,2026-01-15,,1003,EUR,\n",
                                      limits));
    CHECK(summary.created == 5);
    CHECK(summary.skipped == 1);
    CHECK(count(t.db(), "postings") == 5);
  }
  SECTION("other content under the same number") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(5) + "INV-3,C-2,2026-01-15,,1004,EUR,\n",
                                    limits));
    CHECK(e.row == 7);
    CHECK(e.message == "is already stored with different content");
    CHECK(count(t.db(), "invoices") == 0);
    CHECK(count(t.db(), "postings") == 0);
  }
}

TEST_CASE("import: references are checked by the import itself, and SQLite's own checks are on again after",
          "[sql][mysql]") {
  // On SQLite an import turns the connection's foreign key checks off for its transaction.
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto e = failed(sql::import_csv(t.db(), RecordKind::customers,
                                  "id,name,currency,credit_limit,terms,collector\nC-9,Nine,EUR,,NET999,\n"));
  CHECK(e.row == 2);
  CHECK(e.field == "terms");
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  e = failed(sql::import_csv(t.db(), RecordKind::invoices, invoices(3) + "INV-9,C-404,2026-01-15,,5,EUR,\n"));
  CHECK(e.field == "customer");
  ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(3)));
  CHECK(count(t.db(), "customers") == 2);
  CHECK(count(t.db(), "invoices") == 3);
  // The same connection refuses an invoice of no customer again.
  sql::Params p;
  CHECK_THROWS_AS(sql::execute(t.db(),
                               "INSERT INTO invoices (number, customer, issue_date, due_date, due_date_given, amount,"
                               " currency, order_ref, open_amount, recorded_at) VALUES ('INV-X', 'C-404', '2026-01-15',"
                               " '2026-02-14', 0, 5, 'EUR', NULL, 5, 'now')",
                               p),
                  sql::DatabaseError);
  CHECK(count(t.db(), "invoices") == 3);
}

TEST_CASE("import: empty values are stored as NULL, in few rows and in many", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  // On MariaDB a few rows go as one INSERT written out, many through array binding
  // (sql/statement.cpp): both are read back here.
  const int rows = GENERATE(10, 200);
  test::TestDb t(backend);
  std::string customers = "id,name,currency,credit_limit,terms,collector\n";
  std::string invoices = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  for (int r = 0; r < rows; ++r) {
    const std::string id = "C-" + std::to_string(r);
    customers += id + ",Name " + std::to_string(r) + ",EUR," + (r % 2 == 0 ? "" : std::to_string(r * 100)) +
                 ",NET30," + (r % 3 == 0 ? "" : "alice") + "\n";
    invoices += "INV-" + std::to_string(r) + "," + id + ",2026-01-15,," + std::to_string(1000 + r) + ",EUR," +
                (r % 4 == 0 ? "SO-" + std::to_string(r) : "") + "\n";
  }
  CHECK(ok(sql::import_csv(t.db(), RecordKind::customers, customers)).created == static_cast<std::size_t>(rows));
  CHECK(ok(sql::import_csv(t.db(), RecordKind::invoices, invoices)).created == static_cast<std::size_t>(rows));
  sql::LedgerStore store(t.db());
  for (int r = 0; r < rows; ++r) {
    const auto c = store.customer("C-" + std::to_string(r));
    REQUIRE(c);
    CHECK(c->credit_limit == (r % 2 == 0 ? std::nullopt : std::optional<std::int64_t>(r * 100)));
    CHECK(c->collector == (r % 3 == 0 ? std::nullopt : std::optional<std::string>("alice")));
    const auto i = store.invoice("INV-" + std::to_string(r));
    REQUIRE(i);
    CHECK(i->invoice.order_ref == (r % 4 == 0 ? std::optional<std::string>("SO-" + std::to_string(r)) : std::nullopt));
    CHECK(i->invoice.amount == 1000 + r);
  }
}

TEST_CASE("import: remittance advices apply a payment's unapplied money to the invoices they name, once",
          "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  ok(sql::import_csv(t.db(), RecordKind::customers, customers_csv));
  ok(sql::import_csv(t.db(), RecordKind::invoices, invoices(6)));  // C-1: INV-2, 4, 6 (1002, 1004, 1006)
  // P-1 is older than the invoices it will pay later: nothing open on its date, all unapplied.
  sql::Params none;
  sql::execute(t.db(), "UPDATE invoices SET issue_date = '2026-01-15'", none);
  ok(sql::import_csv(t.db(), RecordKind::payments,
                     "reference,customer,received_date,amount,currency\nP-1,C-1,2026-01-10,3000,EUR\n"
                     "P-2,C-2,2026-01-10,500,EUR\n"));
  sql::LedgerStore store(t.db());
  REQUIRE(store.unapplied("C-1") == 3000);
  const std::string advice = "payment,customer,invoice,amount,date\n"
                             "P-1,C-1,INV-6,1006,2026-02-01\nP-1,C-1,INV-2,500,2026-02-01\n";
  auto first = ok(sql::import_csv(t.db(), RecordKind::remittances, advice));
  CHECK(first.created == 2);
  CHECK(store.invoice("INV-6").value().open_amount == 0);
  CHECK(store.invoice("INV-2").value().open_amount == 502);
  CHECK(store.invoice("INV-4").value().open_amount == 1004);  // not named: untouched
  CHECK(store.unapplied("C-1") == 3000 - 1006 - 500);
  const long long postings = count(t.db(), "postings");

  SECTION("the same file again changes nothing") {
    auto again = ok(sql::import_csv(t.db(), RecordKind::remittances, advice));
    CHECK(again.created == 0);
    CHECK(again.skipped == 2);
    CHECK(count(t.db(), "postings") == postings);
  }
  SECTION("rows of one customer's payments received on different days, each applied already, are replays") {
    // P-3, received after P-1's advice was applied, takes 100 of INV-2 (the oldest open) itself.
    ok(sql::import_csv(t.db(), RecordKind::payments,
                       "reference,customer,received_date,amount,currency\nP-3,C-1,2026-02-10,100,EUR\n"));
    REQUIRE(store.invoice("INV-2").value().open_amount == 402);
    auto again = ok(sql::import_csv(t.db(), RecordKind::remittances,
                                    "payment,customer,invoice,amount,date\nP-3,C-1,INV-2,100,2026-02-10\n"
                                    "P-1,C-1,INV-6,1006,2026-02-01\n"));
    CHECK(again.created == 0);
    CHECK(again.skipped == 2);
    CHECK(count(t.db(), "postings") == postings + 2);  // P-3's receipt and its application
  }
  SECTION("a bad line fails the file, naming its row, and nothing of it is applied") {
    struct Case {
      std::string line;
      std::string field;
      std::string message;
    };
    const Case c = GENERATE(Case{"P-9,C-1,INV-4,10,2026-02-01", "payment", "names nothing stored"},
                            Case{"P-2,C-1,INV-4,10,2026-02-01", "customer", ""},
                            Case{"P-1,C-1,INV-3,10,2026-02-01", "invoice", ""},  // C-2's
                            Case{"P-1,C-1,INV-4,1005,2026-02-01", "amount", ""},
                            Case{"P-1,C-1,INV-4,x,2026-02-01", "amount", ""});
    auto e = failed(sql::import_csv(t.db(), RecordKind::remittances,
                                    "payment,customer,invoice,amount,date\nP-1,C-1,INV-4,100,2026-02-01\n" + c.line + "\n"));
    CHECK(e.row == 3);
    CHECK(e.field == c.field);
    if (!c.message.empty()) CHECK(e.message == c.message);
    CHECK(store.invoice("INV-4").value().open_amount == 1004);
    CHECK(count(t.db(), "postings") == postings);
  }
  SECTION("more than the payment has left is refused") {
    auto e = failed(sql::import_csv(t.db(), RecordKind::remittances,
                                    "payment,customer,invoice,amount,date\nP-1,C-1,INV-4,1004,2026-02-01\n"
                                    "P-1,C-1,INV-2,502,2026-02-01\n"));
    CHECK(e.row == 3);
    CHECK(e.field == "amount");
    CHECK(store.unapplied("C-1") == 1494);
  }
}

TEST_CASE("import: customers' bank accounts, apart by semicolons, normalized, one customer's each", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const std::string header = "id,name,currency,bank_accounts\n";
  CHECK(ok(sql::import_csv(t.db(), RecordKind::customers,
                           header + "C-1,Acme,EUR,ch93 0076 2011 6238 5295 7; blz acc 1\nC-2,Bauer,EUR,\n"))
            .created == 2);
  sql::LedgerStore store(t.db());
  CHECK(store.bank_accounts("C-1") == std::vector<std::string>{"BLZACC1", "CH9300762011623852957"});
  CHECK(store.bank_accounts("C-2").empty());
  auto bad = failed(sql::import_csv(t.db(), RecordKind::customers, header + "C-3,Carl,EUR,CH9400762011623852957\n"));
  CHECK(bad.row == 2);
  CHECK(bad.field == "bank_accounts");
  auto taken = failed(sql::import_csv(t.db(), RecordKind::customers, header + "C-3,Carl,EUR,CH9300762011623852957\n"));
  CHECK(taken.row == 2);
  CHECK(taken.field == "bank_accounts");
  CHECK(count(t.db(), "customers") == 2);
  // The same file again: already present.
  CHECK(ok(sql::import_csv(t.db(), RecordKind::customers, header + "C-1,Acme,EUR,BLZACC1;CH9300762011623852957\n"))
            .skipped == 1);
}
