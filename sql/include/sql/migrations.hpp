#pragma once
// The schema, created and upgraded by numbered migrations. One sequence serves both
// dialects; the few differences (column types for ids and dates, auto-increment, table
// options) are tokens substituted per dialect, listed in migrations.cpp.

#include "sql/database.hpp"

namespace tallyman::sql {

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
};

// Applies every migration not yet applied, each recorded in schema_version. Safe to run from
// several processes at once (SQLite: they take turns on the write lock; MySQL: every statement
// may run twice), and while older instances serve: every step adds (tables, columns with
// defaults, indexes) or widens, never removes or renames.
MigrationReport migrate(Database& db);

int schema_version(Database& db);   // 0 when nothing is applied yet
int latest_schema_version();

}  // namespace tallyman::sql
