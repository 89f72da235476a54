#include "core/bank.hpp"
#include "sql/database.hpp"
#include "sql/migrations.hpp"
#include "sql/bulk.hpp"
#include "sql/statement.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace tallyman;

TEST_CASE("database: URLs of both forms are understood", "[sql]") {
  std::string why;
  auto s = sql::parse_db_url("sqlite:tallyman.db", why);
  REQUIRE(s);
  CHECK(s->dialect == sql::Dialect::sqlite);
  auto m = sql::parse_db_url("mysql://u:p%40ss@127.0.0.1:3307/books", why);
  REQUIRE(m);
  CHECK(m->dialect == sql::Dialect::mysql);
  CHECK(m->connect.find("password='p@ss'") != std::string::npos);
  CHECK(m->connect.find("port=3307") != std::string::npos);
  CHECK(m->display == "mysql://u:***@127.0.0.1:3307/books");
  for (const char* bad : {"", "postgres://x", "sqlite:", "mysql://u:p@host:99999/db", "mysql://host/db",
                          "mysql://u:p@host:3306/", "mysql://u:p@host:x/db", "mysql://u:%zz@h:1/d"}) {
    CHECK_FALSE(sql::parse_db_url(bad, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("database: an unreachable server is a DatabaseError, not a crash", "[sql]") {
  std::string why;
  auto url = sql::parse_db_url("mysql://u:p@127.0.0.1:1/db", why);
  CHECK_THROWS_AS(sql::Database(*url), sql::DatabaseError);
}

TEST_CASE("migrations: a new database is brought to the latest version, once", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb t(backend, false);
  CHECK(sql::schema_version(t.db()) == 0);
  auto first = sql::migrate(t.db());
  CHECK(first.from_version == 0);
  CHECK(first.to_version == sql::latest_schema_version());
  auto again = sql::migrate(t.db());
  CHECK(again.from_version == again.to_version);
  CHECK(sql::schema_version(t.db()) == sql::latest_schema_version());
}

TEST_CASE("migrations: two processes migrating at once both succeed", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb t(backend, false);
  auto other = t.connect();
  std::string failure;
  std::thread racer([&] {
    try {
      sql::migrate(*other);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  sql::migrate(t.db());
  racer.join();
  CHECK(failure == "");
  CHECK(sql::schema_version(t.db()) == sql::latest_schema_version());
}

TEST_CASE("migrations: a migration cut short is finished by running it again", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb t(backend);
  // As if the process died after the tables were made but before the version was recorded.
  sql::Params none;
  sql::execute(t.db(), "DELETE FROM schema_version", none);
  sql::execute(t.db(), "DELETE FROM terms WHERE code = 'NET60'", none);
  CHECK(sql::schema_version(t.db()) == 0);
  auto again = sql::migrate(t.db());
  CHECK(again.from_version == 0);
  CHECK(again.to_version == sql::latest_schema_version());
  long long terms = 0;
  sql::Query(t.db().session(), "SELECT COUNT(*) FROM terms", none).into(terms).run();
  CHECK(terms == 3);
}

TEST_CASE("database: a transaction whose statement fails is rolled back, its locks let go", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb t(backend);
  auto other = t.connect();
  if (backend == "mysql") {
    sql::Params none;
    sql::execute(*other, "SET SESSION innodb_lock_wait_timeout = 2", none);
  }
  // A write that locks the policy's row, then a statement that fails.
  auto failing = [&] {
    sql::WriteTransaction tx(t.db());
    sql::Params none;
    sql::execute(t.db(), "UPDATE credit_policy SET reservation_days = 31 WHERE id = 1", none);
    sql::execute(t.db(), "SELECT no_such_column FROM credit_policy", none);
    tx.commit();
  };
  REQUIRE_THROWS_AS(failing(), sql::DatabaseError);
  // Another connection may write the row at once, and never saw the first write.
  auto days = [](sql::Database& db) {
    sql::Params none;
    long long d = 0;
    sql::Query q(db.session(), "SELECT reservation_days FROM credit_policy WHERE id = 1", none);
    q.into(d);
    REQUIRE(q.run());
    return d;
  };
  CHECK(days(*other) == 30);
  {
    sql::WriteTransaction tx(*other);
    sql::Params none;
    sql::execute(*other, "UPDATE credit_policy SET reservation_days = 32 WHERE id = 1", none);
    tx.commit();
  }
  // And the first connection goes on working.
  sql::WriteTransaction tx(t.db());
  tx.commit();
  CHECK(days(t.db()) == 32);
}

namespace {
std::string journal_mode(sql::Database& db) {
  std::string mode;
  sql::Params none;
  sql::Query(db.session(), "PRAGMA journal_mode", none).into(mode).run();
  return mode;
}
long long count_terms(sql::Database& db) {
  long long n = 0;
  sql::Params none;
  sql::Query(db.session(), "SELECT COUNT(*) FROM terms", none).into(n).run();
  return n;
}
}  // namespace

TEST_CASE("database: a bulk write alone on a SQLite file goes through a rollback journal, then WAL again",
          "[sql][mysql]") {
  SECTION("alone on the file") {
    test::TestDb t("sqlite");
    REQUIRE(journal_mode(t.db()) == "wal");
    const long long terms = count_terms(t.db());
    REQUIRE(t.db().begin_bulk_journal());
    CHECK(journal_mode(t.db()) == "truncate");
    {
      sql::WriteTransaction tx(t.db());
      sql::Params p;
      sql::execute(t.db(), "DELETE FROM terms WHERE code = 'NET60'", p);
      // A connection opened meanwhile cannot set WAL (the writer has the file), opens all the
      // same and reads what was committed before.
      auto reader = t.connect();
      CHECK(journal_mode(*reader) != "wal");
      CHECK(count_terms(*reader) == terms);
      tx.commit();
    }
    t.db().end_bulk_journal();
    CHECK(journal_mode(t.db()) == "wal");
    CHECK(count_terms(*t.connect()) == terms - 1);
  }
  SECTION("another connection open: the WAL as always") {
    test::TestDb t("sqlite");
    auto other = t.connect();
    CHECK_FALSE(t.db().begin_bulk_journal());
    CHECK(journal_mode(t.db()) == "wal");
    CHECK(journal_mode(*other) == "wal");
  }
  SECTION("MariaDB: nothing to do") {
    test::TestDb t("mysql");
    CHECK_FALSE(t.db().begin_bulk_journal());
    t.db().end_bulk_journal();
  }
}

TEST_CASE("database: on SQLite execute() runs a kept statement again with new values, after a failure too",
          "[sql]") {
  test::TestDb t("sqlite");
  sql::Database& db = t.db();
  auto days_of = [&](const std::string& code) {
    long long days = -1;
    sql::Params p;
    sql::Query(db.session(), "SELECT days FROM terms WHERE code = " + p.add(code), p).into(days).run();
    return days;
  };
  const std::string insert = "INSERT INTO terms (code, basis, days) VALUES (:p1, 'net', :p2)";
  for (long long k = 1; k <= 3; ++k) {  // one text, its values bound afresh each time
    sql::Params p;
    p.add("T-" + std::to_string(k));
    p.add(k * 10);
    sql::execute(db, insert, p);
  }
  CHECK(days_of("T-1") == 10);
  CHECK(days_of("T-3") == 30);
  sql::Params twice;
  twice.add("T-2");
  twice.add(99LL);
  CHECK_THROWS_AS(sql::execute(db, insert, twice), sql::DatabaseError);  // the key is taken
  sql::Params next;  // the same statement, reset after the failure
  next.add("T-4");
  next.add(40LL);
  sql::execute(db, insert, next);
  CHECK(days_of("T-2") == 20);
  CHECK(days_of("T-4") == 40);
  // Past the bound the kept statements are dropped; every text still runs.
  for (std::size_t k = 0; k < sql::sqlite_statements_max + 10; ++k) {
    sql::Params p;
    const std::string code = p.add("T-1");
    sql::execute(db, "UPDATE terms SET days = days + 1 WHERE code = " + code + " AND " + std::to_string(k) + " >= 0", p);
  }
  CHECK(db.sqlite_statements().by_text.size() <= sql::sqlite_statements_max);
  CHECK(days_of("T-1") == 10 + static_cast<long long>(sql::sqlite_statements_max) + 10);
  sql::Params again;
  again.add("T-5");
  again.add(50LL);
  sql::execute(db, insert, again);
  CHECK(days_of("T-5") == 50);
}

TEST_CASE("statements: hostile text is bound and read back byte for byte, by few and by many rows", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  // Few rows take MariaDB's multi-row INSERT through SOCI, many its array insert.
  const std::size_t rows = GENERATE(3, 100);
  sql::Params none;
  sql::execute(t.db(),
               t.db().dialect() == sql::Dialect::mysql
                   ? "CREATE TABLE hostile (k VARCHAR(64) NOT NULL PRIMARY KEY, t TEXT NOT NULL, n BIGINT NULL)"
                     " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
                   : "CREATE TABLE hostile (k TEXT NOT NULL PRIMARY KEY, t TEXT NOT NULL, n INTEGER NULL)",
               none);
  const std::vector<std::string> texts{":p1",  ":p",   "':p2'", "\\",   "'",     "\\'",  "\"",  "?",
                                       "%s",   "--",   "/*",    ";",    ":p0 ?", "\xc3\xa9\xf0\x9f\x98\x80",
                                       "a\nb", "\t\r"};
  std::vector<std::vector<sql::Cell>> cells;
  std::vector<std::pair<std::string, long long>> updates;
  for (std::size_t k = 0; k < rows; ++k) {
    const std::string key = texts[k % texts.size()] + std::to_string(k);
    cells.push_back({key, texts[k % texts.size()] + texts[(k + 1) % texts.size()],
                     k % 2 == 0 ? sql::Cell(nullptr) : sql::Cell(static_cast<long long>(k))});
    updates.emplace_back(key, static_cast<long long>(1000 + k));
  }
  sql::insert_rows(t.db().session(), "INSERT INTO hostile (k, t, n)", cells);
  std::string k, text;
  long long n = 0;
  sql::Params p;
  sql::Query q(t.db().session(), "SELECT k, t FROM hostile WHERE k = " + p.add(std::get<std::string>(cells.back()[0])), p);
  q.into(k).into(text);
  REQUIRE(q.run());
  CHECK(text == std::get<std::string>(cells.back()[1]));
  for (const auto& row : cells) {
    sql::Params one;
    sql::Query read(t.db().session(), "SELECT t FROM hostile WHERE k = " + one.add(std::get<std::string>(row[0])), one);
    read.into(text);
    REQUIRE(read.run());
    CHECK(text == std::get<std::string>(row[1]));
  }
  sql::update_rows(t.db().session(), "hostile", "k", "n", updates);
  sql::Query sum(t.db().session(), "SELECT SUM(n) FROM hostile", none);
  sum.into(n);
  REQUIRE(sum.run());
  CHECK(n == static_cast<long long>(1000 * rows + rows * (rows - 1) / 2));
}

TEST_CASE("statements: a constant literal with ':p' in the text is not taken for a placeholder", "[sql][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  sql::Params p;
  std::string a, b;
  sql::Query q(t.db().session(), "SELECT ':p1 :p9', " + p.add(std::string(":p1")) + " FROM credit_policy WHERE id = 1", p);
  q.into(a).into(b);
  REQUIRE(q.run());
  CHECK(a == ":p1 :p9");
  CHECK(b == ":p1");
}

TEST_CASE("migrations: invoices without a payment reference (posted by an older version) are given one", "[sql][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::TestDb t(backend);
  sql::Params none;
  sql::execute(t.db(), "INSERT INTO customers (id, name, currency, terms, on_hold, created_at) VALUES"
                       " ('M-1', 'Old', 'EUR', 'NET30', 0, '2026-01-01T00:00:00Z')", none);
  for (const char* number : {"OLD-1", "OLD-2", "OLD-3"}) {
    sql::Params p;
    sql::execute(t.db(),
                 "INSERT INTO invoices (number, customer, issue_date, due_date, due_date_given, amount, currency,"
                 " open_amount, recorded_at) VALUES (" + p.add(number) + ", 'M-1', '2026-01-01', '2026-01-31', 1, 100,"
                 " 'EUR', 100, '2026-01-01T00:00:00Z')",
                 p);
  }
  sql::migrate(t.db());
  std::set<std::string> references;
  std::string reference;
  long long serial = 0;
  sql::Query q(t.db().session(), "SELECT payment_serial FROM invoices WHERE payment_serial IS NOT NULL", none);
  q.into(serial);
  if (q.run()) do {
      reference = invoice_payment_reference(serial);
      CHECK(parse_creditor_reference(reference) == reference);
      references.insert(reference);
    } while (q.fetch());
  CHECK(references.size() == 3);
}
