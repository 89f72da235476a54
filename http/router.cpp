#include "http/router.hpp"

#include "core/ids.hpp"
#include "core/text.hpp"
#include "console.hpp"
#include "handlers.hpp"
#include "http/keys.hpp"
#include "http/limits.hpp"
#include "http/log.hpp"

#include <boost/url/parse.hpp>

#include <cctype>
#include <map>

namespace tallyman::http {

namespace {

struct Route {
  const char* method;
  const char* path;  // segments; "{name}" matches any one segment
  std::optional<Permission> permission;
  Handler handler;
  Lane lane = Lane::workers;
  bool csv = false;  // answers CSV as well as JSON (contract §1: reports and lists)
};

constexpr bool csv = true;

// Whether an Accept header (RFC 9110 §12.5.1) admits what the route answers: JSON and its
// problem documents always, CSV where the route writes it. No header admits anything; a
// range with q=0 admits nothing.
bool acceptable(std::string_view accept, bool route_csv) {
  if (accept.find_first_not_of(" \t") == std::string_view::npos) return true;
  auto trim = [](std::string_view t) {
    const std::size_t from = t.find_first_not_of(" \t");
    if (from == std::string_view::npos) return std::string_view{};
    return t.substr(from, t.find_last_not_of(" \t") - from + 1);
  };
  for (std::size_t at = 0; at <= accept.size();) {
    std::size_t end = accept.find(',', at);
    if (end == std::string_view::npos) end = accept.size();
    const std::string_view range = accept.substr(at, end - at);
    at = end + 1;
    const std::size_t semicolon = range.find(';');
    std::string media(trim(range.substr(0, semicolon)));
    for (char& ch : media) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool refused = false;  // q=0, q=0.0, ...
    for (std::size_t p = semicolon; p != std::string_view::npos;) {
      const std::size_t next = range.find(';', p + 1);
      const std::string_view param = trim(range.substr(p + 1, next == std::string_view::npos ? next : next - p - 1));
      if ((param.starts_with("q=") || param.starts_with("Q=")) && param.substr(2).find_first_not_of("0.") == std::string_view::npos)
        refused = true;
      p = next;
    }
    if (refused) continue;
    if (media == "*/*" || media == "application/*" || media == "application/json" ||
        media == "application/problem+json")
      return true;
    if (route_csv && (media == "text/*" || media == "text/csv")) return true;
  }
  return false;
}

Response healthz(Context&) { return json_response(200, {{"status", "ok"}}); }

// Who the key belongs to and what its role may do: the console shows only what that is.
Response get_me(Context& cx) {
  const Role role = cx.actor.role;
  return json_response(200, {{"name", cx.actor.name},
                             {"role", std::string(to_string(role))},
                             {"may",
                              {{"read", may(role, Permission::read)},
                               {"collect", may(role, Permission::collect)},
                               {"post", may(role, Permission::post)},
                               {"approve", may(role, Permission::approve)},
                               {"check_credit", may(role, Permission::check_credit)},
                               {"read_credit", may(role, Permission::read_credit)}}}});
}

// Every route the service answers, and who may call it (contract §1's role table).
const std::vector<Route>& table() {
  using P = Permission;
  static const std::vector<Route> routes{
      {"GET", "/healthz", std::nullopt, healthz, Lane::here},
      {"GET", "/readyz", std::nullopt, nullptr},                // handled in handle(): needs the books, no key
      {"GET", "/metrics", std::nullopt, nullptr, Lane::here},  // handled in handle(): the router's metrics
      // The web console's files (http/console/), embedded in the binary; they need no key.
      {"GET", "/", std::nullopt, nullptr, Lane::here},               // handled in handle(): console.cpp
      {"GET", "/console/{file}", std::nullopt, nullptr, Lane::here},  // handled in handle(): console.cpp
      {"GET", "/v1/me", P::identify, get_me},
      {"GET", "/v1/terms", P::read, get_terms, Lane::workers, csv},
      {"PUT", "/v1/terms/{code}", P::post, put_terms},
      {"POST", "/v1/customers", P::post, post_customer},
      {"GET", "/v1/customers", P::read, get_customers, Lane::workers, csv},
      {"GET", "/v1/customers/{id}", P::read, get_customer},
      {"PATCH", "/v1/customers/{id}", P::post, patch_customer},
      {"POST", "/v1/customers/{id}/applications", P::post, post_application},
      {"GET", "/v1/customers/{id}/statement", P::read, get_statement, Lane::workers, csv},
      {"POST", "/v1/invoices", P::post, post_invoice},
      {"GET", "/v1/invoices", P::read, get_invoices, Lane::workers, csv},
      {"GET", "/v1/invoices/{number}", P::read, get_invoice},
      {"POST", "/v1/invoices/{number}/dispute", P::collect, post_dispute},
      {"DELETE", "/v1/invoices/{number}/dispute", P::collect, delete_dispute},
      {"POST", "/v1/payments", P::post, post_payment},
      {"GET", "/v1/payments", P::read, get_payments, Lane::workers, csv},
      {"GET", "/v1/payments/{reference}", P::read, get_payment},
      {"POST", "/v1/payments/{reference}/reverse", P::post, post_reversal},
      {"POST", "/v1/credit-notes", P::post, post_credit_note},
      {"GET", "/v1/credit-notes", P::read, get_credit_notes, Lane::workers, csv},
      {"POST", "/v1/write-offs", P::post, post_write_off},
      {"GET", "/v1/write-offs", P::read, get_write_offs, Lane::workers, csv},
      {"GET", "/v1/write-offs/{id}", P::read, get_write_off},
      {"POST", "/v1/write-offs/{id}/approve", P::approve, post_write_off_approval},
      {"POST", "/v1/write-offs/{id}/reject", P::approve, post_write_off_rejection},
      {"GET", "/v1/reports/aging", P::read, get_aging, Lane::workers, csv},
      {"GET", "/v1/reports/overdue", P::read, get_overdue, Lane::workers, csv},
      {"GET", "/v1/reports/balances", P::read, get_balances, Lane::workers, csv},
      {"GET", "/v1/reports/kpis", P::read, get_kpis, Lane::workers, csv},
      {"GET", "/v1/reports/kpis/trend", P::read, get_kpi_trend, Lane::workers, csv},
      {"GET", "/v1/reports/provision", P::read, get_provision, Lane::workers, csv},
      {"GET", "/v1/reports/provision/matrix", P::read, get_provision_matrix, Lane::workers, csv},
      {"GET", "/v1/reports/watchlist", P::read, get_watchlist, Lane::workers, csv},
      {"GET", "/v1/provision-policy", P::read, get_provision_policy},
      {"PUT", "/v1/provision-policy", P::post, put_provision_policy},
      {"GET", "/v1/watch-policy", P::read, get_watch_policy},
      {"PUT", "/v1/watch-policy", P::post, put_watch_policy},
      {"GET", "/v1/audit", P::read, get_audit, Lane::workers, csv},
      {"POST", "/v1/bank-statements", P::post, post_bank_statement},
      {"GET", "/v1/bank-statements", P::read, get_bank_statements, Lane::workers, csv},
      {"GET", "/v1/bank-statements/{id}", P::read, get_bank_statement},
      {"GET", "/v1/bank-statements/{id}/lines", P::read, get_bank_statement_lines, Lane::workers, csv},
      {"GET", "/v1/bank-statement-lines", P::read, get_bank_statement_queue, Lane::workers, csv},
      {"POST", "/v1/bank-statement-lines/{id}/apply", P::post, post_line_apply},
      {"POST", "/v1/bank-statement-lines/{id}/ignore", P::post, post_line_ignore},
      {"POST", "/v1/remittances", P::post, post_remittance},
      {"POST", "/v1/credit-checks", P::check_credit, post_credit_check, Lane::credit_desk},
      {"POST", "/v1/credit-checks/{order_ref}/override", P::post, post_credit_override},
      {"GET", "/v1/credit-checks", P::read, get_refused_checks, Lane::workers, csv},
      {"GET", "/v1/reservations", P::read_credit, get_reservations, Lane::workers, csv},
      {"GET", "/v1/reservations/{order_ref}", P::read_credit, get_reservation},
      {"DELETE", "/v1/reservations/{order_ref}", P::check_credit, delete_reservation},
      {"GET", "/v1/customers/{id}/credit", P::read_credit, get_customer_credit},
      {"GET", "/v1/credit-policy", P::read, get_credit_policy},
      {"PUT", "/v1/credit-policy", P::post, put_credit_policy},
      {"GET", "/v1/limit-changes", P::read, get_limit_changes, Lane::workers, csv},
      {"GET", "/v1/limit-changes/{id}", P::read, get_limit_change},
      {"POST", "/v1/limit-changes/{id}/approve", P::approve, post_limit_change_approval},
      {"POST", "/v1/limit-changes/{id}/reject", P::approve, post_limit_change_rejection},
      {"POST", "/v1/grading-runs", P::post, post_grading_run},
      {"GET", "/v1/grading-runs", P::read, get_grading_runs, Lane::workers, csv},
      {"GET", "/v1/customers/{id}/score", P::read, get_customer_score},
      {"GET", "/v1/dunning-policy", P::read, get_dunning_policy},
      {"PUT", "/v1/dunning-policy", P::post, put_dunning_policy},
      {"POST", "/v1/dunning-runs", P::post, post_dunning_run},
      {"GET", "/v1/dunning-runs", P::read, get_dunning_runs, Lane::workers, csv},
      {"GET", "/v1/dunning-runs/{id}", P::read, get_dunning_run},
      {"GET", "/v1/dunning-tasks", P::read, get_dunning_tasks, Lane::workers, csv},
      {"PATCH", "/v1/dunning-tasks/{id}", P::collect, patch_dunning_task},
      {"POST", "/v1/promises", P::collect, post_promise},
      {"GET", "/v1/customers/{id}/promises", P::read, get_customer_promises, Lane::workers, csv},
      {"GET", "/v1/notices", P::read, get_notices, Lane::workers, csv},
      {"GET", "/v1/notices/{id}", P::read, get_notice},
  };
  return routes;
}

// A route's pattern in segments: "/v1/customers/{id}" -> v1, customers, {id}.
std::vector<std::string_view> split(std::string_view pattern) {
  std::vector<std::string_view> segments;
  for (std::size_t at = 1; at <= pattern.size() && pattern.size() > 1;) {
    std::size_t end = pattern.find('/', at);
    if (end == std::string_view::npos) end = pattern.size();
    segments.push_back(pattern.substr(at, end - at));
    at = end + 1;
  }
  return segments;
}

// A request's target as Boost.URL reads it (origin-form, RFC 9112: /path?query): the path's
// segments and the query's parameters, percent-decoded ('+' is a space in a query). None when
// it is not one, a broken percent-escape among the reasons.
struct Target {
  std::string path;  // as sent
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

std::optional<Target> read_target(const std::string& target) {
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  Target t;
  t.path = std::string(parsed->encoded_path());
  for (const std::string segment : parsed->segments()) t.segments.push_back(segment);
  for (const boost::urls::param param : parsed->params(boost::urls::encoding_opts(true, false, false)))
    if (!param.key.empty()) t.query[param.key] = param.value;
  return t;
}

// Whether the segments match the route's pattern; its parameters go to params.
bool matches(const std::vector<std::string_view>& pattern, const std::vector<std::string>& segments,
             std::vector<std::string>& params) {
  if (pattern.size() != segments.size()) return false;
  params.clear();
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    if (pattern[k].starts_with('{')) {
      if (segments[k].empty()) return false;
      params.push_back(segments[k]);
    } else if (pattern[k] != segments[k]) {
      return false;
    }
  }
  return true;
}

std::string route_name(const Route& route) { return std::string(route.method) + " " + route.path; }

// The table's patterns, split once.
const std::vector<std::vector<std::string_view>>& patterns() {
  static const std::vector<std::vector<std::string_view>> split_table = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const Route& r : table()) out.push_back(split(r.path));
    return out;
  }();
  return split_table;
}

// The first route of the table for the method and path (its parameters in params), or none;
// path_known says whether any route has the path.
const Route* find_route(std::string_view method, const std::vector<std::string>& segments,
                        std::vector<std::string>& params, bool& path_known) {
  for (std::size_t k = 0; k < table().size(); ++k) {
    if (!matches(patterns()[k], segments, params)) continue;
    path_known = true;
    if (method == table()[k].method) return &table()[k];
  }
  return nullptr;
}

// The route of the request's method and target, or none.
const Route* route_of(const Request& request) {
  const std::optional<Target> target = read_target(request.target);
  if (!target) return nullptr;
  std::vector<std::string> params;
  bool path_known = false;
  return find_route(request.method, target->segments, params, path_known);
}

}  // namespace

std::vector<RouteInfo> Router::routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : table()) out.push_back({r.method, r.path, r.permission});
  return out;
}

Lane Router::lane(const Request& request) const {
  const Route* route = route_of(request);
  return route ? route->lane : Lane::here;  // no route: a 404 or 405, which needs no database
}

std::optional<Actor> Router::authenticate(const Request& request, Books& books, Response& refusal) {
  // "Bearer", in any case (RFC 9110 §11.1: the scheme is case-insensitive), one or more
  // spaces, the key.
  constexpr std::string_view scheme = "bearer";
  const std::string_view header = request.authorization;
  bool bearer = header.size() > scheme.size() && header[scheme.size()] == ' ';
  for (std::size_t k = 0; bearer && k < scheme.size(); ++k)
    bearer = std::tolower(static_cast<unsigned char>(header[k])) == scheme[k];
  const std::size_t key_at = bearer ? header.find_first_not_of(' ', scheme.size()) : std::string_view::npos;
  if (key_at == std::string_view::npos) {
    refusal = problem(401, "send an API key as Authorization: Bearer <key>");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
    return std::nullopt;
  }
  auto holder = books.access().key_holder(key_hash(header.substr(key_at)));
  if (!holder) {
    refusal = problem(401, "the API key is not known");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return std::nullopt;
  }
  return holder;
}

Response Router::handle(const Request& request, Books* books, const std::function<Response(Context&)>& handler) {
  const std::optional<Target> target = read_target(request.target);
  if (!target) return problem(400, "the request target is not a path with an optional query, well percent-encoded");
  const std::string& path = target->path;
  bool path_known = false;
  std::vector<std::string> params;
  const Route* found = find_route(request.method, target->segments, params, path_known);
  if (!found) {
    if (!path_known) return problem(404, "there is no such resource");
    return problem(405, request.method + " is not allowed here");
  }

  Response response = [&]() -> Response {
    if (!found->handler && path != "/readyz" && path != "/metrics") return console_file(path);
    if (path == "/metrics") {
      Response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics_.prometheus();
      return r;
    }
    try {
      if (path == "/readyz") {
        books->access().ping();
        return json_response(200, {{"status", "ready"}});
      }
      std::optional<Actor> actor;
      if (found->permission) {
        Response refusal;
        actor = authenticate(request, *books, refusal);
        if (!actor) return refusal;
        if (!may(actor->role, *found->permission))
          return problem(403, "the role " + std::string(to_string(actor->role)) + " may not " + route_name(*found));
        if (!acceptable(request.accept, found->csv))
          return problem(406, std::string("this resource is answered as application/json") +
                                  (found->csv ? " or text/csv" : "") + ", which the Accept header does not admit");
        // Every body but a bank statement's is JSON, so UTF-8 text (RFC 8259), and the audit of
        // a change keeps it whole. Refused here for every route that changes the books, those
        // that read no body too: a MariaDB text column refuses other bytes, and nlohmann takes
        // a NUL for the end of the input, so `{}\0…` would parse as `{}`. A GET's body is never
        // read. A statement is a file as the bank sent it: its reader checks its bytes (an
        // MT940 may be ISO 8859-1) and the audit keeps what was read of it.
        if (request.method != "GET" && path != statement_target && !is_utf8_text(request.body))
          return problem(400, "the body is not UTF-8 text, so not JSON");
        actor->request_id = request.request_id;
        actor->request = request.body.empty() ? "{}" : request.body;
      }
      // Every path parameter is an id (or a number the service gave out, which is one too):
      // what is not an id names nothing. A PUT creates what its path names; its handler
      // checks the id and says why.
      if (request.method != "PUT")
        for (const std::string& param : params)
          if (!is_valid_id(param)) return problem(404, "there is no such resource");
      Context cx{request, params, target->query, *books, actor.value_or(Actor{}), options_.today(),
                 options_.base_currency};
      return handler ? handler(cx) : found->handler(cx);
    } catch (const StorageError& e) {
      metrics_.database_error();
      log_event({{"level", "error"}, {"request_id", request.request_id}, {"database", e.what()}});
      Response unavailable = problem(503, "the database is unavailable; try again shortly");
      unavailable.connection_lost = dynamic_cast<const StorageLost*>(&e) != nullptr;
      return unavailable;
    }
  }();
  response.route = route_name(*found);
  return response;
}

}  // namespace tallyman::http
