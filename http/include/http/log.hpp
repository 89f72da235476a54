#pragma once
// The service's log: one JSON object per line on stderr, each written by nlohmann (every value
// escaped as JSON has it). Lines are gathered in memory and written a block at a time (a write
// per request would cost more than the request), at the latest when flush() runs, which the
// server does every log_flush_interval and on exit.

#include "core/books.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <variant>

namespace tallyman::http {

constexpr auto log_flush_interval = std::chrono::milliseconds(200);
constexpr std::size_t log_buffer_bytes_max = 64 * 1024;

// A member of a log line: its name, and a text, a whole number or a decimal.
using LogValue = std::variant<std::string_view, std::int64_t, double>;
using LogField = std::pair<const char*, LogValue>;

// A line of these members, in this order.
void log_event(std::initializer_list<LogField> fields);
void log_flush();
// One line per customer a dunning run went on without (core's DunningRun::failures), with the
// database's words and the request (or job) that ran it.
void log_dunning_failures(const DunningRun& run, std::string_view request_id);

}  // namespace tallyman::http
