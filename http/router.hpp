#pragma once
// The router: a Request in, a Response out, no sockets (contract §1, §2, §4). It finds the
// route, checks the API key and its role, and calls the route's handler with the books.
// Every route and the permission it needs is in the table at the top of router.cpp.
//
// Thread-safe: the server calls handle() from every database worker at once, each with its
// own Books.

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

// A route as the API description lists it: "GET", "/v1/customers/{id}".
struct RouteInfo {
  std::string method;
  std::string path;
  std::optional<Permission> permission;  // none: open to all (health, metrics)
};

class Router {
 public:
  Router(RouterOptions options, Metrics& metrics) : options_(std::move(options)), metrics_(metrics) {}

  // Whether answering needs the database (and so a worker): health and metrics do not.
  bool needs_books(const Request& request) const;
  // Whether the route is quick: a few point reads, which may be answered without a worker
  // (the credit check, a customer's credit; router.cpp's table marks them). With
  // only_read_ahead, whether it is one that read_ahead reads for: a well-formed credit check
  // without reservation (parsed here to know).
  bool quick(const Request& request, bool only_read_ahead) const;
  // For a round of quick requests about to be answered together on `books`: where reads are
  // round trips (Books::reads_ahead), reads ahead what the credit checks among them need, in
  // one statement, and says which requests may then be answered without another read (the
  // rest go to the workers). Elsewhere every request may.
  std::vector<bool> read_ahead(const std::vector<const Request*>& round, Books& books);
  // books may be null when needs_books() said no.
  Response handle(const Request& request, Books* books);

  static std::vector<RouteInfo> routes();
  Metrics& metrics() { return metrics_; }

 private:
  // The holder of the request's key, or the 401 that answers it.
  std::optional<Actor> authenticate(const Request& request, Books& books, Response& refusal);

  RouterOptions options_;
  Metrics& metrics_;
};

}  // namespace tallyman::http
