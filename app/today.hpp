#pragma once
// "Today" for defaults such as as_of: the calendar date now in the service's time zone,
// TALLYMAN_TZ (an IANA name such as Europe/Berlin), UTC when unset.

#include "core/calendar.hpp"

#include <string>

namespace tallyman::app {

// In the time zone `tz` ("" for UTC); a usage error when it names none.
Date today(const std::string& tz);
// The minutes since midnight now, in `tz`.
int minutes_now(const std::string& tz);
// In TALLYMAN_TZ.
Date today();

}  // namespace tallyman::app
