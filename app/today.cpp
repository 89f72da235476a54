#include "app/today.hpp"

#include "app/cli.hpp"

#include <date/tz.h>

#include <chrono>
#include <cstdlib>

namespace tallyman::app {

Date today() {
  const auto now = std::chrono::system_clock::now();
  const char* tz = std::getenv("TALLYMAN_TZ");
  if (tz == nullptr || *tz == '\0') return std::chrono::floor<date::days>(now);
  try {
    const auto local = date::make_zoned(tz, now).get_local_time();
    return Date{std::chrono::floor<date::days>(local).time_since_epoch()};
  } catch (const std::exception&) {
    throw UsageError(std::string("TALLYMAN_TZ names no known time zone: ") + tz);
  }
}

}  // namespace tallyman::app
