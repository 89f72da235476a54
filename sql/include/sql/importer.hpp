#pragma once
// CSV import (contract §6): customers, invoices or payments from one file, all or nothing.
// The whole file is posted in one write transaction, in batches; the first bad row stops it,
// the transaction rolls back and nothing of the file is stored. Rows already stored with the
// same content are skipped. A process killed mid-import leaves no trace: the transaction
// never committed.

#include "core/records.hpp"
#include "core/books.hpp"
#include "sql/database.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace tallyman::sql {

constexpr std::size_t import_batch_rows = 5000;
// Postings held back and written in index order at most this many at a time (about 250
// bytes each in memory).
constexpr std::size_t import_held_postings_max = 500000;
// SQLite page cache for an import's transaction (see Database::set_page_cache).
constexpr std::size_t import_cache_kib = 1024 * 1024;

struct ImportSummary {
  std::size_t rows = 0;     // data rows read
  std::size_t created = 0;  // posted now
  std::size_t skipped = 0;  // already present with the same content
};

struct ImportError {
  std::size_t row = 0;  // the row of the file, counting the header as row 1
  std::string field;    // empty when the row as a whole is at fault
  std::string message;
};

struct ImportLimits {
  std::size_t batch_rows = import_batch_rows;
  std::size_t held_postings_max = import_held_postings_max;
};

// With `audit_as`, the import is recorded in the audit trail (action "import.<kind>", the
// counts as detail), in its own transaction.
std::variant<ImportSummary, ImportError> import_csv(Database& db, RecordKind kind, std::string_view text,
                                                    ImportLimits limits = {}, const Actor* audit_as = nullptr);

}  // namespace tallyman::sql
