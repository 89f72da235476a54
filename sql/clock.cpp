#include "sql/clock.hpp"

#include <date/date.h>

namespace tallyman::sql {

std::string utc_timestamp() {
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  return date::format("%FT%TZ", now);
}

}  // namespace tallyman::sql
