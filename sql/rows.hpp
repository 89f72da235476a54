#pragma once
// Internal to sql/: converting between the domain's values and column values.

#include "core/calendar.hpp"
#include "core/ledger.hpp"
#include "core/money.hpp"
#include "sql/database.hpp"
#include "bulk.hpp"

#include <string>
#include <vector>

namespace tallyman::sql {

// Values read back are trusted only as far as they parse: a bad one means the database was
// changed behind tallyman's back, reported as a DatabaseError.
Date db_date(const std::string& text);
Currency db_currency(const std::string& text);

// Explicit allocations as a column holds them: "INV-1=250000;INV-2=100" (a payment's as posted,
// a statement line's as decided).
std::string allocations_text(const std::vector<Allocation>& allocations);
std::vector<Allocation> db_allocations(const std::string& text);

// Appends the cells of a postings row (postings_insert_head's columns) to `row`.
void posting_cells(const Posting& p, const std::string& recorded_at, std::vector<Cell>& row);
extern const char* const postings_insert_head;

}  // namespace tallyman::sql
