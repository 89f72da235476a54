#pragma once
// Business dates: a calendar day with no time of day. Arithmetic is on date::sys_days;
// the text form is ISO 8601 (YYYY-MM-DD) and nothing else. Core never reads the clock:
// "today" is always a parameter.

#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>

namespace tallyman {

using Date = date::sys_days;

// Strict YYYY-MM-DD of a day that exists (no 2026-02-29), years 1900..9999.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date day);

Date end_of_month(Date day);
// Adds calendar months; a day past the end of the target month clamps to its last day
// (Jan 31 + 1 month = Feb 28 or 29).
Date add_months(Date day, int months);

}  // namespace tallyman
