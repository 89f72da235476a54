#pragma once
// "Today" for defaults such as as_of: the calendar date now in the service's time zone,
// TALLYMAN_TZ (an IANA name such as Europe/Berlin), UTC when unset.

#include "core/calendar.hpp"

namespace tallyman::app {

Date today();

}  // namespace tallyman::app
