#pragma once
// Wall-clock time for recorded_at columns: when a row was written, as opposed to the
// business date it carries. Only sql/ and app/ read the clock.

#include <chrono>
#include <string>

namespace tallyman::sql {

// "2026-11-23T05:08:31.123Z"
std::string utc_timestamp();
// The same, `ahead` from now (a lease's expiry).
std::string utc_timestamp_in(std::chrono::milliseconds ahead);

}  // namespace tallyman::sql
