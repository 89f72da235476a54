#pragma once
// A request and its response as the router sees them: plain values, no sockets, no Beast.
// The server (server.cpp) fills a Request from the wire and writes the Response back.

#include <string>
#include <utility>
#include <vector>

namespace tallyman::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/v1/customers?limit=10", as sent
  std::string authorization;
  std::string content_type;
  std::string accept;
  std::string request_id;  // the client's X-Request-Id, or one the server made up
  std::string body;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more, such as Location
  std::string route = "unmatched";                           // "GET /v1/customers/{id}": for metrics and the log
  // A 503 because the database connection was lost before anything committed: the worker may
  // run the request again on a new connection. Never sent.
  bool connection_lost = false;
};

}  // namespace tallyman::http
