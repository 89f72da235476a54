#pragma once
// The books (core/books.hpp) over SQLite or MySQL, a class per area, all on one connection:
// each method one transaction. Every change is written to the audit table in the transaction
// that makes it. The service keeps one per database worker and credit desk (with the runs:
// jobs/books.hpp).
//   SqlAccess       access_books.hpp       keys, health
//   SqlLedger       ledger_books.hpp       terms, customers, invoices, payments, credit notes,
//                                          write-offs, limit changes (LedgerStore posts)
//   SqlCredit       credit_books.hpp       credit checks in batches, overrides, reservations, policy
//   SqlCollections  collections_books.hpp  dunning policy, tasks, promises, notices; the outbox
//   SqlReports      report_books.hpp       aging, overdue, statement, audit, finance reports
//   SqlCash         cash_books.hpp         bank statements, their lines, cash application
// The runs' stores are in run_stores.hpp (the runs themselves are jobs/').

#include "sql/access_books.hpp"
#include "sql/cash_books.hpp"
#include "sql/collections_books.hpp"
#include "sql/credit_books.hpp"
#include "sql/database.hpp"
#include "sql/ledger_books.hpp"
#include "sql/report_books.hpp"

#include <memory>

namespace tallyman::sql {

// Every area on one connection (the runs are jobs/': jobs/books.hpp joins them to these).
class SqlBooks {
 public:
  explicit SqlBooks(std::unique_ptr<Database> db);
  ~SqlBooks();
  SqlAccess& access() { return access_; }
  SqlLedger& ledger() { return ledger_; }
  SqlCredit& credit() { return credit_; }
  SqlCollections& collections() { return collections_; }
  SqlReports& reports() { return reports_; }
  SqlCash& cash() { return cash_; }
  Database& database() { return *db_; }

 private:
  std::unique_ptr<Database> db_;
  SqlAccess access_{*db_};
  SqlLedger ledger_{*db_};
  SqlCredit credit_{*db_};
  SqlCollections collections_{*db_};
  SqlReports reports_{*db_};
  SqlCash cash_{*db_};
};

}  // namespace tallyman::sql
