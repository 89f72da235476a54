#pragma once
// The aging report as the contract's JSON document (§4) and as CSV, shared by
// GET /v1/reports/aging and `tallyman report aging --format json|csv`.

#include "core/aging.hpp"

#include <string>

namespace tallyman::http {

// {"as_of", "basis", "currency", "buckets", "totals", "customers"}; without_rows leaves
// "customers" out (customers=false).
std::string aging_json(const AgingReport& report, bool with_rows = true);

// A header (id,name,<buckets>,unapplied,total), a row per customer, then a TOTAL row.
std::string aging_csv(const AgingReport& report);

}  // namespace tallyman::http
