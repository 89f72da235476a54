#pragma once
// The books as the service sees them, by area: each an interface of core, with core's types
// and outcomes of its own; sql/ implements them over one database connection, each call one
// transaction (sql/books.hpp), and jobs/ the runs. A handler takes the area it needs (so a
// router test may fake one area alone); an instance serves one thread with one connection.
//
// Changes carry an Actor (the API key's name and role): each is written to the audit trail in
// the same transaction as the change itself. "Today" is always a parameter: core reads no
// clock. A failing environment (database unreachable, locked too long) throws StorageError;
// every business outcome is a value of its area's outcome enum.

#include "core/access_books.hpp"
#include "core/cash_books.hpp"
#include "core/collections_books.hpp"
#include "core/credit_books.hpp"
#include "core/errors.hpp"
#include "core/ledger_books.hpp"
#include "core/report_books.hpp"
#include "core/run_books.hpp"

namespace tallyman {

class Books {
 public:
  virtual ~Books() = default;
  virtual AccessBooks& access() = 0;
  virtual LedgerBooks& ledger() = 0;
  virtual CreditBooks& credit() = 0;
  virtual CollectionsBooks& collections() = 0;
  virtual ReportBooks& reports() = 0;
  virtual RunBooks& runs() = 0;
  virtual CashBooks& cash() = 0;
};

}  // namespace tallyman
