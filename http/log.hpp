#pragma once
// The service's log: one JSON object per line on stderr. Lines are gathered in memory and
// written a block at a time (a write per request would cost more than the request), at the
// latest when flush() runs, which the server does every log_flush_interval and on exit.

#include "core/books.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace tallyman::http {

constexpr auto log_flush_interval = std::chrono::milliseconds(200);
constexpr std::size_t log_buffer_bytes_max = 64 * 1024;

void log_line(const std::string& line);  // a whole JSON object, without the newline
void log_flush();
// One line per customer a dunning run went on without (core/books.hpp DunningRun::failures),
// with the database's words and the request (or job) that ran it.
void log_dunning_failures(const DunningRun& run, std::string_view request_id);
// For a JSON string's contents: quotes, backslashes and control characters escaped.
std::string json_escape(std::string_view text);

}  // namespace tallyman::http
