#include "problem.hpp"

#include <nlohmann/json.hpp>

namespace tallyman::http {

namespace {

struct Kind {
  const char* type;
  const char* title;
};

Kind kind_of(int status) {
  switch (status) {
    case 400: return {"/problems/malformed-request", "Malformed request"};
    case 401: return {"/problems/unauthenticated", "No valid API key"};
    case 403: return {"/problems/forbidden", "Not allowed"};
    case 404: return {"/problems/not-found", "Not found"};
    case 405: return {"/problems/method-not-allowed", "Method not allowed"};
    case 406: return {"/problems/not-acceptable", "Not acceptable"};
    case 409: return {"/problems/conflict", "Conflict"};
    case 413: return {"/problems/body-too-large", "Request body too large"};
    case 415: return {"/problems/unsupported-media-type", "Unsupported media type"};
    case 422: return {"/problems/invalid", "Invalid request"};
    case 431: return {"/problems/header-too-large", "Request header too large"};
    case 503: return {"/problems/unavailable", "Service unavailable"};
    default: return {"/problems/internal", "Internal error"};
  }
}

}  // namespace

Response problem(int status, const std::string& detail, const FieldErrors& errors) {
  const Kind kind = kind_of(status);
  nlohmann::ordered_json doc{{"type", kind.type}, {"title", kind.title}, {"status", status}, {"detail", detail}};
  if (!errors.empty()) {
    auto list = nlohmann::ordered_json::array();
    for (const FieldError& e : errors) list.push_back({{"field", e.field}, {"message", e.message}});
    doc["errors"] = std::move(list);
  }
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace tallyman::http
