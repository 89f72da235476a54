#include "clock.hpp"

#include <date/date.h>

namespace tallyman::sql {

std::string utc_timestamp() { return utc_timestamp_in(std::chrono::milliseconds(0)); }

std::string utc_timestamp_in(std::chrono::milliseconds ahead) {
  const auto at = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now() + ahead);
  return date::format("%FT%TZ", at);
}

}  // namespace tallyman::sql
