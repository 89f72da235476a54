#pragma once
// Internal to http/: what the endpoint handlers share. Includes nlohmann, so only the
// handler files include it; the rest of the build sees router.hpp.
//
// A handler reads its request through a Context (path parameters, query, body fields),
// calls the books, and answers with a document or a problem. It never throws for bad input:
// every field is checked by Fields, which collects one FieldError per bad field.

#include "core/books.hpp"
#include "core/text.hpp"
#include "http/message.hpp"
#include "problem.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tallyman::http {

using json = nlohmann::ordered_json;

struct Context {
  const Request& request;
  std::vector<std::string> params;  // the path's {parameters}, decoded, in order
  std::map<std::string, std::string> query;
  Books& books;
  Actor actor;
  Date today;
  Currency base_currency;
};

using Handler = Response (*)(Context&);

Response json_response(int status, const json& body);
inline json nullable(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }
// The status and problem for every refusal; 201 or 200 for what was done (exhaustive switch).
int status_of(LedgerOutcome outcome);
Response refusal(const LedgerResult& result);
// The JSON body as an object, or the problem that answers a body that is none (415, 400).
std::optional<json> read_body(const Request& request, Response& problem_out);

enum class Need { required, optional };

// Reads and checks the fields of one JSON object; `prefix` names it within the body
// ("allocations[2]."). Errors go to a list the caller owns.
class Fields {
 public:
  Fields(const json& object, FieldErrors& errors, std::string prefix = "")
      : object_(object), errors_(errors), prefix_(std::move(prefix)) {}

  bool has(const char* name) const;  // present, even as null
  bool is_null(const char* name) const;
  const json* get(const char* name) const;
  std::optional<std::string> id(const char* name, Need need);
  std::optional<std::string> text(const char* name, Need need, const TextField& field);  // core/text.hpp
  std::optional<std::int64_t> amount(const char* name, Need need);  // 1 ..= 2^53 - 1
  std::optional<std::int64_t> limit(const char* name, Need need);   // 0 ..= 2^53 - 1
  std::optional<std::int64_t> integer(const char* name, Need need, std::int64_t min, std::int64_t max);
  std::optional<Date> date(const char* name, Need need);
  std::optional<Currency> currency(const char* name, Need need);
  std::optional<bool> boolean(const char* name, Need need);
  std::optional<char> grade(const char* name, Need need);
  void error(const std::string& field, std::string message) { errors_.push_back({prefix_ + field, std::move(message)}); }

 private:
  const json* value(const char* name, Need need);  // present and not null, else error if required
  std::optional<std::int64_t> whole(const char* name, Need need, std::int64_t min, std::int64_t max, const char* what);
  const json& object_;
  FieldErrors& errors_;
  std::string prefix_;
};

// Query parameters, checked: a bad one is a 400 naming it.
struct QueryErrors {
  FieldErrors errors;
};
std::optional<std::string> query_text(Context& cx, const char* name);
std::optional<Date> query_date(Context& cx, const char* name, QueryErrors& errors);
std::optional<std::int64_t> query_int(Context& cx, const char* name, std::int64_t min, std::int64_t max,
                                      QueryErrors& errors);
std::optional<std::string> query_id(Context& cx, const char* name, QueryErrors& errors);
// `status` of a request a second person decides (write-offs, limit changes).
std::optional<WriteOffStatus> query_request_status(Context& cx, QueryErrors& errors);
// limit and cursor; `numeric` lists have numeric keys.
PageRequest query_page(Context& cx, QueryErrors& errors, bool numeric = false);
std::string encode_cursor(const std::string& key);
// A path id the service numbers itself (write-offs, limit changes); none if it is not one.
std::optional<std::int64_t> numeric_id(const std::string& text);

// {"items": [...], "next_cursor": ...} or, with Accept: text/csv, the items as CSV.
Response list_response(Context& cx, json items, const std::optional<std::string>& next_after);
// A page of the books as a list: each item as `to_json` writes it.
template <class T, class ToJson>
Response page_response(Context& cx, const Page<T>& found, ToJson to_json) {
  json items = json::array();
  for (const T& item : found.items) items.push_back(to_json(item));
  return list_response(cx, std::move(items), found.next_after);
}
bool wants_csv(const Request& request);
// A CSV of objects: a column per key (first seen first), an object's fields as columns of
// their own ("balance.open"), arrays as JSON text.
std::string items_csv(const json& items);

// Documents.
json customer_json(const Customer& c);
json balance_json(const Balance& b);
json invoice_json(const InvoiceView& v);
json payment_json(const PaymentView& v);
json terms_json(const Terms& t);
json write_off_json(const WriteOffRequest& w);
json limit_change_json(const LimitChange& c);

// Handlers, one per route (router.cpp's table).
Response get_terms(Context& cx);
Response put_terms(Context& cx);
Response post_customer(Context& cx);
Response get_customers(Context& cx);
Response get_customer(Context& cx);
Response patch_customer(Context& cx);
Response post_application(Context& cx);
Response post_invoice(Context& cx);
Response get_invoices(Context& cx);
Response get_invoice(Context& cx);
Response post_dispute(Context& cx);
Response delete_dispute(Context& cx);
Response post_payment(Context& cx);
Response get_payment(Context& cx);
Response get_payments(Context& cx);
Response get_credit_notes(Context& cx);
Response post_reversal(Context& cx);
Response post_credit_note(Context& cx);
Response post_write_off(Context& cx);
Response get_write_offs(Context& cx);
Response get_write_off(Context& cx);
Response post_write_off_approval(Context& cx);
Response post_write_off_rejection(Context& cx);
Response get_aging(Context& cx);
Response get_overdue(Context& cx);
Response get_statement(Context& cx);
Response get_balances(Context& cx);
Response get_kpis(Context& cx);
Response get_kpi_trend(Context& cx);
Response get_provision_policy(Context& cx);
Response put_provision_policy(Context& cx);
Response get_provision(Context& cx);
Response get_provision_matrix(Context& cx);
Response get_watch_policy(Context& cx);
Response put_watch_policy(Context& cx);
Response get_watchlist(Context& cx);
Response post_bank_statement(Context& cx);
Response get_bank_statement(Context& cx);
Response get_bank_statements(Context& cx);
Response get_bank_statement_lines(Context& cx);
Response get_bank_statement_queue(Context& cx);
Response post_line_apply(Context& cx);
Response post_line_ignore(Context& cx);
Response post_remittance(Context& cx);
Response get_audit(Context& cx);
Response post_credit_check(Context& cx);  // a batch of one: the credit desk batches many
// POST /v1/credit-checks in two halves, for the credit desk (credit_desk.cpp): the check a
// request asks for (none: `bad` answers it), and the answer to its decision.
std::optional<CreditCheckInput> credit_check_input(Context& cx, Response& bad);
Response credit_check_response(const CreditCheck& check);
Response post_credit_override(Context& cx);
Response get_reservation(Context& cx);
Response delete_reservation(Context& cx);
Response get_customer_credit(Context& cx);
Response get_reservations(Context& cx);
Response get_refused_checks(Context& cx);
Response get_credit_policy(Context& cx);
Response put_credit_policy(Context& cx);
Response get_limit_changes(Context& cx);
Response get_limit_change(Context& cx);
Response post_limit_change_approval(Context& cx);
Response post_limit_change_rejection(Context& cx);
Response post_grading_run(Context& cx);
Response get_grading_runs(Context& cx);
Response get_customer_score(Context& cx);
Response get_dunning_policy(Context& cx);
Response put_dunning_policy(Context& cx);
Response post_dunning_run(Context& cx);
Response get_dunning_run(Context& cx);
Response get_dunning_runs(Context& cx);
Response get_dunning_tasks(Context& cx);
Response patch_dunning_task(Context& cx);
Response post_promise(Context& cx);
Response get_customer_promises(Context& cx);
Response get_notice(Context& cx);
Response get_notices(Context& cx);

}  // namespace tallyman::http
