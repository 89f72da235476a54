#pragma once
// The HTTP server (Boost.Beast, asynchronous, keep-alive), written after Beast's advanced
// server example, with an event loop per I/O thread (each connection lives on one, so needs no
// strand): a fresh parser per request with header and body limits, a timeout on every read
// and write, one request at a time per connection. Requests that need the database go where the
// route table sends them (router.hpp, Lane): credit checks to the CreditDesk, the rest to the
// WorkerPool; the answer comes back on the connection's loop.
// SIGTERM or SIGINT: stop accepting, finish the requests in flight, close idle connections,
// return.

#include "http/credit_desk.hpp"
#include "http/limits.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"

#include <functional>
#include <string>

namespace tallyman::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (on_listening says which)
  std::size_t io_threads = 1;  // each with its own event loop; connections are dealt out in turn
  // How long a client may stay silent (idle between requests, or half-way through one).
  std::chrono::milliseconds read_timeout = http::read_timeout;
};

// Serves until a stop signal; on_listening(port) runs once the socket listens.
// Throws std::runtime_error when it cannot listen.
void serve(Router& router, WorkerPool& pool, CreditDesk& desk, const ServerOptions& options,
           const std::function<void(unsigned short)>& on_listening);

}  // namespace tallyman::http
