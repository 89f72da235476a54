// What the handlers share: reading bodies and queries, the outcome-to-status map, lists.
#include "core/csv.hpp"
#include "core/ids.hpp"
#include "handlers.hpp"
#include "http/keys.hpp"
#include "http/limits.hpp"

#include <charconv>

namespace tallyman::http {

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

int status_of(LedgerOutcome outcome) {
  switch (outcome) {
    case LedgerOutcome::created: return 201;
    case LedgerOutcome::replayed:
    case LedgerOutcome::updated: return 200;
    case LedgerOutcome::pending: return 202;
    case LedgerOutcome::conflict:
    case LedgerOutcome::account_taken:
    case LedgerOutcome::already_decided: return 409;
    case LedgerOutcome::not_found: return 404;
    case LedgerOutcome::same_person: return 403;
    case LedgerOutcome::unknown_customer:
    case LedgerOutcome::currency_mismatch:
    case LedgerOutcome::unknown_terms:
    case LedgerOutcome::unknown_invoice:
    case LedgerOutcome::issued_after_document:
    case LedgerOutcome::exceeds_open_amount:
    case LedgerOutcome::exceeds_unapplied:
    case LedgerOutcome::dated_too_early: return 422;
  }
  return 500;
}

Response refusal(const LedgerResult& result) {
  const std::string message(describe(result.outcome));
  return problem(status_of(result.outcome), result.field + " " + message, {{result.field, message}});
}

namespace {

// The deepest nesting of arrays and objects in a JSON text, counted before parsing it: a
// parser recursing into a megabyte of '[' is an easy way to take a server down.
std::size_t nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool is_json_type(const std::string& content_type) {
  const std::string_view type = std::string_view(content_type).substr(0, content_type.find(';'));
  std::string lower;
  for (char ch : type)
    if (ch != ' ') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return lower == "application/json";
}

}  // namespace

std::optional<json> read_body(const Request& request, Response& problem_out) {
  if (request.body.empty() && request.content_type.empty()) return json::object();
  if (!is_json_type(request.content_type)) {
    problem_out = problem(415, "the body must be application/json");
    return std::nullopt;
  }
  if (nesting_depth(request.body) > json_depth_max) {
    problem_out = problem(400, "the JSON is nested more than " + std::to_string(json_depth_max) + " levels deep");
    return std::nullopt;
  }
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    problem_out = problem(400, "the body is not well-formed JSON");
    return std::nullopt;
  }
  if (!body.is_object()) {
    problem_out = problem(400, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

bool Fields::has(const char* name) const { return object_.contains(name); }

bool Fields::is_null(const char* name) const {
  auto it = object_.find(name);
  return it != object_.end() && it->is_null();
}

const json* Fields::get(const char* name) const {
  auto it = object_.find(name);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

const json* Fields::value(const char* name, Need need) {
  const json* v = get(name);
  if (!v && need == Need::required) error(name, "is required");
  return v;
}

std::optional<std::string> Fields::id(const char* name, Need need) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  if (!v->is_string() || !is_valid_id(v->get_ref<const std::string&>())) {
    error(name, "must be 1-64 characters from A-Z a-z 0-9 . _ : / -");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::string> Fields::text(const char* name, Need need, const TextField& field) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  if (!v->is_string() || !fits(field, v->get_ref<const std::string&>())) {
    error(name, field.message);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::int64_t> Fields::whole(const char* name, Need need, std::int64_t min, std::int64_t max,
                                          const char* what) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  // is_number_integer() first: a lenient read would turn 12.5 into 12.
  const bool fits = v->is_number_unsigned() ? v->get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                                            : v->is_number_integer() && v->get<std::int64_t>() <= max;
  if (!fits || v->get<std::int64_t>() < min) {
    error(name, std::string("must be ") + what + " from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v->get<std::int64_t>();
}

std::optional<std::int64_t> Fields::amount(const char* name, Need need) {
  return whole(name, need, 1, amount_minor_max, "a whole number of minor units");
}

std::optional<std::int64_t> Fields::limit(const char* name, Need need) {
  return whole(name, need, 0, amount_minor_max, "a whole number of minor units");
}

std::optional<std::int64_t> Fields::integer(const char* name, Need need, std::int64_t min, std::int64_t max) {
  return whole(name, need, min, max, "a whole number");
}

std::optional<Date> Fields::date(const char* name, Need need) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  std::optional<Date> d;
  if (v->is_string()) d = parse_date(v->get_ref<const std::string&>());
  if (!d) error(name, "must be a date that exists, as YYYY-MM-DD");
  return d;
}

std::optional<Currency> Fields::currency(const char* name, Need need) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  std::optional<Currency> c;
  if (v->is_string()) c = parse_currency(v->get_ref<const std::string&>());
  if (!c) error(name, "must be an ISO 4217 code such as EUR");
  return c;
}

std::optional<bool> Fields::boolean(const char* name, Need need) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    error(name, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<char> Fields::grade(const char* name, Need need) {
  const json* v = value(name, need);
  if (!v) return std::nullopt;
  if (!v->is_string() || (*v != "A" && *v != "B" && *v != "C")) {
    error(name, "must be A, B or C");
    return std::nullopt;
  }
  return v->get_ref<const std::string&>()[0];
}

std::optional<std::string> query_text(Context& cx, const char* name) {
  auto it = cx.query.find(name);
  if (it == cx.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<Date> query_date(Context& cx, const char* name, QueryErrors& errors) {
  auto text = query_text(cx, name);
  if (!text) return std::nullopt;
  auto d = parse_date(*text);
  if (!d) errors.errors.push_back({name, "must be a date that exists, as YYYY-MM-DD"});
  return d;
}

std::optional<std::int64_t> query_int(Context& cx, const char* name, std::int64_t min, std::int64_t max,
                                      QueryErrors& errors) {
  auto text = query_text(cx, name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    errors.errors.push_back({name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)});
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> query_id(Context& cx, const char* name, QueryErrors& errors) {
  auto text = query_text(cx, name);
  if (text && !is_valid_id(*text)) {
    errors.errors.push_back({name, "must be 1-64 characters from A-Z a-z 0-9 . _ : / -"});
    return std::nullopt;
  }
  return text;
}

std::optional<WriteOffStatus> query_request_status(Context& cx, QueryErrors& errors) {
  auto text = query_text(cx, "status");
  if (!text) return std::nullopt;
  auto status = parse_write_off_status(*text);
  if (!status) errors.errors.push_back({"status", "must be pending, approved or rejected"});
  return status;
}

namespace {

const char* const base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::optional<std::string> decode_cursor(const std::string& cursor) {
  std::string out;
  unsigned bits = 0, count = 0;
  for (char ch : cursor) {
    const char* at = std::strchr(base64url, ch);
    if (ch == '\0' || !at) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(at - base64url);
    count += 6;
    if (count >= 8) {
      out += static_cast<char>((bits >> (count - 8)) & 0xff);
      count -= 8;
    }
  }
  return out;
}

}  // namespace

std::string encode_cursor(const std::string& key) { return base64url_encode(key); }

PageRequest query_page(Context& cx, QueryErrors& errors, bool numeric) {
  PageRequest page;
  page.limit = static_cast<std::size_t>(
      query_int(cx, "limit", 1, page_size_max, errors).value_or(static_cast<std::int64_t>(page_size_default)));
  if (auto cursor = query_text(cx, "cursor")) {
    auto key = decode_cursor(*cursor);
    const bool valid = key && (numeric ? !key->empty() && key->size() < 19 &&
                                             key->find_first_not_of("0123456789") == std::string::npos
                                       : is_valid_id(*key));
    if (valid) page.after = *key;
    else errors.errors.push_back({"cursor", "is not a cursor this list gave out"});
  }
  return page;
}

std::optional<std::int64_t> numeric_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(text);
}

bool wants_csv(const Request& request) { return request.accept.find("text/csv") != std::string::npos; }

namespace {

// An object's fields as columns of their own, at any depth ("by_bucket.current.ar").
void flatten(const json& object, const std::string& prefix, json& row) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it->is_object()) flatten(*it, prefix + it.key() + ".", row);
    else row[prefix + it.key()] = *it;
  }
}

}  // namespace

std::string items_csv(const json& items) {
  // An object's fields become columns of their own ("balance.open"); arrays stay JSON text.
  std::vector<json> flat;
  for (const json& item : items) {
    json row = json::object();
    flatten(item, "", row);
    flat.push_back(std::move(row));
  }
  std::vector<std::string> columns;
  for (const json& item : flat)
    for (auto it = item.begin(); it != item.end(); ++it)
      if (std::find(columns.begin(), columns.end(), it.key()) == columns.end()) columns.push_back(it.key());
  std::string out = csv_line(columns);
  for (const json& item : flat) {
    std::vector<std::string> cells;
    for (const std::string& column : columns) {
      auto it = item.find(column);
      if (it == item.end() || it->is_null()) cells.emplace_back();
      else if (it->is_string()) cells.push_back(csv_text(it->get_ref<const std::string&>()));
      else cells.push_back(it->dump());
    }
    out += csv_line(cells);
  }
  return out;
}

Response list_response(Context& cx, json items, const std::optional<std::string>& next_after) {
  if (wants_csv(cx.request)) {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = items_csv(items);
    if (next_after) r.headers.emplace_back("Next-Cursor", encode_cursor(*next_after));
    return r;
  }
  json doc{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (next_after) doc["next_cursor"] = encode_cursor(*next_after);
  return json_response(200, doc);
}

json customer_json(const Customer& c) {
  json j{{"id", c.id}, {"name", c.name}, {"currency", c.currency.str()}};
  if (c.credit_limit) j["credit_limit"] = *c.credit_limit;
  j["terms"] = c.terms;
  if (c.collector) j["collector"] = *c.collector;
  if (c.salesperson) j["salesperson"] = *c.salesperson;
  if (c.grade) j["grade"] = std::string(1, *c.grade);
  j["on_hold"] = c.on_hold;
  return j;
}

json balance_json(const Balance& b) {
  json j{{"open", b.open},         {"overdue", b.overdue},   {"unapplied", b.unapplied},
         {"reserved", b.reserved}, {"exposure", b.exposure}, {"available", nullptr}};
  if (b.available) j["available"] = *b.available;
  return j;
}

json invoice_json(const InvoiceView& v) {
  const Invoice& i = v.invoice;
  json j{{"number", i.number},
         {"customer", i.customer},
         {"issue_date", format_date(i.issue_date)},
         {"due_date", format_date(*i.due_date)},
         {"amount", i.amount},
         {"currency", i.currency.str()}};
  if (i.order_ref) j["order_ref"] = *i.order_ref;
  j["payment_reference"] = v.payment_reference;
  j["open_amount"] = v.open_amount;
  j["status"] = std::string(to_string(v.status));
  j["disputed"] = v.disputed;
  if (v.dispute_reason) j["dispute_reason"] = *v.dispute_reason;
  return j;
}

json payment_json(const PaymentView& v) {
  const Payment& p = v.payment;
  json allocations = json::array();
  for (const Allocation& a : p.allocations) allocations.push_back({{"invoice", a.invoice}, {"amount", a.amount}});
  json j{{"reference", p.reference},
         {"customer", p.customer},
         {"received_date", format_date(p.received_date)},
         {"amount", p.amount},
         {"currency", p.currency.str()},
         {"allocations", std::move(allocations)},
         {"applications", json::array()},
         {"unapplied", v.unapplied}};
  for (const Application& a : v.applications)
    j["applications"].push_back({{"invoice", a.invoice}, {"amount", a.amount}, {"date", format_date(a.date)}});
  if (v.reversed_on) {
    j["reversed_on"] = format_date(*v.reversed_on);
    j["reversal_reason"] = v.reversal_reason.value_or("");
  }
  return j;
}

json terms_json(const Terms& t) {
  json j{{"code", t.code}, {"basis", std::string(to_string(t.basis))}, {"days", t.days}};
  if (t.discount) j["discount"] = {{"days", t.discount->days}, {"percent_bp", t.discount->percent_bp}};
  return j;
}

json write_off_json(const WriteOffRequest& w) {
  json j{{"id", std::to_string(w.id)},
         {"invoice", w.invoice},
         {"customer", w.customer},
         {"amount", w.amount},
         {"currency", w.currency.str()},
         {"reason", w.reason},
         {"status", std::string(to_string(w.status))},
         {"requested_by", w.requested_by},
         {"requested_at", w.requested_at}};
  if (w.decided_by) j["decided_by"] = *w.decided_by;
  if (w.decided_at) j["decided_at"] = *w.decided_at;
  if (w.posted_on) j["posted_on"] = format_date(*w.posted_on);
  return j;
}

}  // namespace tallyman::http
