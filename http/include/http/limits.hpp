#pragma once
// Every limit of the HTTP layer, in one place (docs/architecture.md "Limits").

#include "core/text.hpp"

#include <chrono>
#include <cstddef>

namespace tallyman::http {

constexpr std::size_t request_header_bytes_max = 8 * 1024;
// request_body_bytes_max (larger: 413) is core's (core/text.hpp): the audit keeps a body whole.
constexpr std::size_t json_depth_max = 32;                   // deeper: 400, before parsing
constexpr std::size_t page_size_default = 100;
constexpr std::size_t page_size_max = 1000;
// bank_accounts_max, a customer's bank accounts, is core's (core/bank.hpp): the CSV import's too.
// POST /v1/bank-statements' own body limit: a day's statement of a busy account runs to tens of
// megabytes (larger files: `tallyman import statement FILE`).
constexpr std::size_t statement_body_bytes_max = 32 * 1024 * 1024;
constexpr std::string_view statement_target = "/v1/bank-statements";

// A client that sends nothing for this long (idle keep-alive, or half a request) is dropped.
constexpr auto read_timeout = std::chrono::seconds(30);
constexpr auto write_timeout = std::chrono::seconds(30);
// After a 413 the rest of the body is read and thrown away for at most this long, so that the
// client sees the answer rather than a reset.
constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr std::size_t connections_max = 10'000;

// Database workers and credit desks: a request waits at most this long for one, then gets a
// 503 and is never run.
constexpr auto worker_wait_max = std::chrono::milliseconds(500);
constexpr std::size_t worker_queue_max = 1024;  // the default of TALLYMAN_WORKER_QUEUE
// How often a pool or a desk looks for requests that have waited longer than worker_wait_max.
constexpr auto worker_reap_interval = std::chrono::milliseconds(50);
static_assert(worker_reap_interval < worker_wait_max);
constexpr std::size_t workers_max = 64;  // TALLYMAN_WORKERS
// A request whose database connection was lost before anything committed runs again on a new
// one, at most this many times in all, pausing a little longer each time (haproxy marks a lost
// Galera node down within about two seconds).
constexpr int lost_connection_attempts_max = 4;
constexpr auto lost_connection_pause = std::chrono::milliseconds(700);

// The credit desk (credit_desk.hpp): its desks (TALLYMAN_DESKS), each with a queue of at most
// desk_queue_max checks, taken desk_batch_max at a time.
constexpr std::size_t desks_max = 16;
constexpr std::size_t desk_queue_max = 1024;
constexpr std::size_t desk_batch_max = 64;
static_assert(desk_batch_max <= desk_queue_max);

static_assert(page_size_default <= page_size_max);
static_assert(request_header_bytes_max < request_body_bytes_max);

}  // namespace tallyman::http
