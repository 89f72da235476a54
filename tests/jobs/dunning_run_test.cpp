// The dunning run (jobs/dunning_run.cpp) over more customers than one page:
// every customer is looked at once, whichever page and currency it falls in.
#include "jobs/runs.hpp"
#include "sql/books.hpp"
#include "sql/importer.hpp"
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

TEST_CASE("dunning run: a book of several pages of customers in two currencies, each dunned once", "[jobs][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  // 4,500 customers (the run reads 2,000 a page), every third in USD; each has one invoice,
  // overdue unless its number is a multiple of 7; two disputed, on either side of a page's end.
  const int customers = 4500;
  std::string customers_csv = "id,name,currency,credit_limit,terms,collector\n";
  std::string invoices_csv = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  int expected_tasks = 0;
  for (int i = 1; i <= customers; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "C-%05d", i);
    const char* currency = i % 3 == 0 ? "USD" : "EUR";
    customers_csv += std::string(id) + ",Customer " + std::to_string(i) + "," + currency + ",1000000,NET30,\n";
    const bool overdue = i % 7 != 0;
    invoices_csv += "INV-" + std::to_string(i) + "," + id + ",2026-01-01," + (overdue ? "2026-01-31" : "2026-12-31") +
                    ",25000," + currency + ",\n";
    if (overdue && i != 2000 && i != 2001) ++expected_tasks;
  }
  REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(t.db(), RecordKind::customers, customers_csv)));
  REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(t.db(), RecordKind::invoices, invoices_csv)));
  sql::SqlBooks books(t.connect());
  const Actor finance{"f", Role::finance, "r1", "{}"};
  REQUIRE(books.ledger().dispute(finance, "INV-2000", std::string("wrong goods")).accepted());
  REQUIRE(books.ledger().dispute(finance, "INV-2001", std::string("wrong goods")).accepted());

  // 2026-03-05: 33 days overdue, the final notice (level 3, a credit hold, a notice each).
  const DunningRun run = jobs::run_dunning(t.db(), finance, d("2026-03-05"));
  CHECK(run.examined == expected_tasks + 2);
  CHECK(run.tasks_created == expected_tasks);
  CHECK(run.holds_set == expected_tasks);
  CHECK(count(t.db(), "SELECT COUNT(DISTINCT customer) FROM dunning_tasks WHERE level = 3") == expected_tasks);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM notices n JOIN dunning_tasks k ON k.id = n.task_id"
                      " AND k.customer = n.customer") == expected_tasks);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM customers WHERE dunning_hold = 1 AND dunning_level = 3"
                      " AND dunning_episode = 1") == expected_tasks);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM dunning_tasks WHERE customer IN ('C-02000', 'C-02001', 'C-00007')") == 0);
  CHECK(count(t.db(), "SELECT SUM(overdue_amount) FROM dunning_tasks") == 25000LL * expected_tasks);

  // Two weeks on no new level is reached; at 64 days the agency level is, for each again.
  CHECK(jobs::run_dunning(t.db(), finance, d("2026-03-20")).tasks_created == 0);
  const DunningRun later = jobs::run_dunning(t.db(), finance, d("2026-04-05"));  // 64 days: the agency
  CHECK(later.tasks_created == expected_tasks);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM dunning_tasks") == 2LL * expected_tasks);
}

TEST_CASE("dunning run: as of a past date, money received since still counts as overdue then", "[jobs][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const char* customers_csv =
      "id,name,currency,credit_limit,terms,collector\n"
      "P-1,Paid Since,EUR,1000000,NET30,\n"
      "P-2,Half Paid Since,EUR,1000000,NET30,\n"
      "P-3,Paid Before,EUR,1000000,NET30,\n";
  const char* invoices_csv =
      "number,customer,issue_date,due_date,amount,currency,order_ref\n"
      "I-1,P-1,2026-01-01,2026-01-31,40000,EUR,\n"
      "I-2,P-2,2026-01-01,2026-01-31,40000,EUR,\n"
      "I-3,P-3,2026-01-01,2026-01-31,40000,EUR,\n"
      "I-4,P-1,2026-03-01,2026-03-31,7000,EUR,\n";  // issued after the run's date
  const char* payments_csv =
      "reference,customer,received_date,amount,currency\n"
      "R-1,P-1,2026-03-10,47000,EUR\n"
      "R-2,P-2,2026-03-10,15000,EUR\n"
      "R-3,P-3,2026-02-10,40000,EUR\n";
  REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(t.db(), RecordKind::customers, customers_csv)));
  REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(t.db(), RecordKind::invoices, invoices_csv)));
  REQUIRE(std::holds_alternative<sql::ImportSummary>(sql::import_csv(t.db(), RecordKind::payments, payments_csv)));
  sql::SqlBooks books(t.connect());
  const Actor finance{"f", Role::finance, "r1", "{}"};
  // As of 2026-03-01 P-1 and P-2 owed the whole of I-1 and I-2 (paid on 03-10); P-3 had paid.
  const DunningRun run = jobs::run_dunning(t.db(), finance, d("2026-03-01"));
  CHECK(run.tasks_created == 2);
  CHECK(count(t.db(), "SELECT SUM(overdue_amount) FROM dunning_tasks WHERE customer IN ('P-1', 'P-2')") == 80000);
  CHECK(count(t.db(), "SELECT COUNT(*) FROM dunning_tasks WHERE customer = 'P-3'") == 0);
  // As of today's books P-2 still owes 25,000 of I-2; P-1 owes nothing: its episode ends.
  const DunningRun later = jobs::run_dunning(t.db(), finance, d("2026-04-15"));
  CHECK(later.tasks_created == 1);  // P-2, 74 days overdue now, reaches the agency level
  CHECK(later.tasks_resolved == 1);
  CHECK(count(t.db(), "SELECT overdue_amount FROM dunning_tasks WHERE customer = 'P-2' ORDER BY id DESC LIMIT 1") ==
        25000);
}
