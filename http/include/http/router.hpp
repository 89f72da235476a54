#pragma once
// The router: a Request in, a Response out, no sockets (contract §1, §2, §4). It finds the
// route, checks the API key and its role, and calls the route's handler with the books.
// Every route and the permission it needs is in the table at the top of router.cpp.
//
// Thread-safe: the server calls handle() from every database worker and credit desk at once,
// each with its own Books.

#include "core/books.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tallyman::http {

struct RouterOptions {
  std::function<Date()> today;  // in the service's time zone (TALLYMAN_TZ)
  Currency base_currency;       // TALLYMAN_CURRENCY, EUR unless set
};

// Who answers a route's requests (the route table in router.cpp says, per route): the I/O
// thread itself, for what needs no database (health, metrics, the console's files); the
// credit desk, which decides credit checks in batches (credit_desk.hpp); or a database worker
// (worker_pool.hpp), for everything else.
enum class Lane { here, credit_desk, workers };

// A route as the API description lists it: "GET", "/v1/customers/{id}".
struct RouteInfo {
  std::string method;
  std::string path;
  std::optional<Permission> permission;  // none: open to all (health, metrics)
};

struct Context;  // handlers.hpp: what a handler reads its request through

class Router {
 public:
  Router(RouterOptions options, Metrics& metrics) : options_(std::move(options)), metrics_(metrics) {}

  Lane lane(const Request& request) const;
  // The route's answer; books may be null for Lane::here. With `handler`, that runs instead of
  // the route's own, after the same checks (key, role, path and query): the credit desk's way to
  // take a request's check out of its context (credit_desk.cpp).
  Response handle(const Request& request, Books* books, const std::function<Response(Context&)>& handler = nullptr);

  static std::vector<RouteInfo> routes();
  Metrics& metrics() { return metrics_; }
  Date today() const { return options_.today(); }

 private:
  // The holder of the request's key, or the 401 that answers it.
  std::optional<Actor> authenticate(const Request& request, Books& books, Response& refusal);

  RouterOptions options_;
  Metrics& metrics_;
};

}  // namespace tallyman::http
