#include "today.hpp"

#include "cli.hpp"

#include <date/tz.h>

#include <chrono>
#include <cstdlib>

namespace tallyman::app {

namespace {

// Now, as the local time of `tz` ("" for UTC), counted from its epoch.
std::chrono::system_clock::duration local_now(const std::string& tz) {
  const auto now = std::chrono::system_clock::now();
  if (tz.empty()) return now.time_since_epoch();
  try {
    return date::make_zoned(tz, now).get_local_time().time_since_epoch();
  } catch (const std::exception&) {
    throw UsageError("TALLYMAN_TZ names no known time zone: " + tz);
  }
}

}  // namespace

Date today(const std::string& tz) { return Date{std::chrono::floor<date::days>(local_now(tz))}; }

int minutes_now(const std::string& tz) {
  const auto minutes = std::chrono::floor<std::chrono::minutes>(local_now(tz));
  return static_cast<int>((minutes % std::chrono::hours(24)).count());
}

Date today() {
  const char* tz = std::getenv("TALLYMAN_TZ");
  return today(tz == nullptr ? "" : tz);
}

}  // namespace tallyman::app
