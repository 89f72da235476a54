#pragma once
// Internal to sql/: several statements sent to MariaDB in one round trip, through its C API
// (SOCI's MySQL backend sends one statement per query). Each round trip costs both processes
// a context switch; on a small machine that, not the SQL, was most of a credit check's time
// (docs/performance.md). Batch (statement.hpp) is the way the rest of sql/ uses this.
//
// Rows come back as text (MariaDB's text protocol), none meaning SQL NULL.

#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace tallyman::sql {

using TextRow = std::vector<std::optional<std::string>>;

// Lets this MySQL connection take several statements in one query. Safe as long as no value
// is ever spliced into SQL unquoted: values are bound, or written as quoted literals
// (statement.cpp).
void allow_statement_batches(soci::session& session);

// Runs `sql`, statements separated by ';', in one round trip on a MySQL connection. Returns
// the rows of the last statement that gave a result set; the others' rows are dropped. The
// first statement that fails stops the rest (the server runs none after it) and throws
// DatabaseError.
std::vector<TextRow> run_statements(soci::session& session, const std::string& sql);

}  // namespace tallyman::sql
