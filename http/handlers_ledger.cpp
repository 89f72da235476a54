// The ledger's endpoints (contract §2): terms, customers, invoices, payments, credit notes,
// disputes, applications of unapplied credit, reversals, write-offs.
#include "handlers.hpp"

#include "core/bank.hpp"
#include "http/limits.hpp"

#include <algorithm>

namespace tallyman::http {

namespace {

// Adds the core's verdict on a document to the errors the fields gave, leaving out fields
// that have one already.
void merge(FieldErrors& errors, const FieldErrors& more) {
  for (const FieldError& e : more) {
    bool known = false;
    for (const FieldError& have : errors) known = known || have.field == e.field;
    if (!known) errors.push_back(e);
  }
}

Response invalid(const FieldErrors& errors) {
  std::string detail = "the request has " + std::to_string(errors.size()) + " invalid field";
  if (errors.size() != 1) detail += "s";
  detail += ": " + errors.front().field + " " + errors.front().message;
  return problem(422, detail, errors);
}

// The document a change answers with: the stored resource after it, or the refusal.
template <class Read>
Response answer(const LedgerResult& result, Read read, const std::string& location = "") {
  if (!result.accepted()) return refusal(result);
  Response r = json_response(status_of(result.outcome), read());
  if (result.outcome == LedgerOutcome::created && !location.empty()) r.headers.emplace_back("Location", location);
  return r;
}

Response not_found(const std::string& what) { return problem(404, "there is no " + what); }

}  // namespace

Response get_terms(Context& cx) {
  json items = json::array();
  for (const Terms& t : cx.books.ledger().terms()) items.push_back(terms_json(t));
  return list_response(cx, std::move(items), std::nullopt);
}

Response put_terms(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  Terms t;
  t.code = cx.params[0];
  if (auto code = f.id("code", Need::optional); code && *code != t.code) f.error("code", "must match the path");
  if (auto basis = f.get("basis")) {
    auto b = basis->is_string() ? parse_terms_basis(basis->get<std::string>()) : std::nullopt;
    if (b) t.basis = *b;
    else f.error("basis", "must be invoice_date or end_of_month");
  } else {
    f.error("basis", "is required");
  }
  t.days = static_cast<int>(f.integer("days", Need::required, 0, terms_days_max).value_or(0));
  if (const json* d = f.get("discount")) {
    if (!d->is_object()) {
      f.error("discount", "must be an object with days and percent_bp");
    } else {
      Fields df(*d, errors, "discount.");
      t.discount = Discount{static_cast<int>(df.integer("days", Need::required, 0, terms_days_max).value_or(0)),
                            static_cast<int>(df.integer("percent_bp", Need::required, 1, 10000).value_or(0))};
    }
  }
  merge(errors, validate(t));
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().put_terms(cx.actor, t);
  return answer(r, [&] { return terms_json(t); });
}

namespace {

// "bank_accounts": an array of IBANs or other account ids, each normalized (core/bank.hpp),
// in order, without repeats.
std::vector<std::string> read_bank_accounts(Fields& f) {
  std::vector<std::string> out;
  const json* list = f.get("bank_accounts");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array() || list->size() > bank_accounts_max) {
    f.error("bank_accounts", "must be an array of at most " + std::to_string(bank_accounts_max) + " accounts");
    return out;
  }
  for (std::size_t k = 0; k < list->size(); ++k) {
    const json& a = (*list)[k];
    auto account = a.is_string() ? normalize_account(a.get_ref<const std::string&>()) : std::nullopt;
    if (!account) {
      f.error("bank_accounts[" + std::to_string(k) + "]",
              "must be an IBAN (its check digits right) or another account id of 1 to 34 letters and digits");
      continue;
    }
    if (std::find(out.begin(), out.end(), *account) == out.end()) out.push_back(*account);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Customer> read_customer(const json& body, FieldErrors& errors) {
  Fields f(body, errors);
  Customer c;
  c.id = f.id("id", Need::required).value_or("");
  c.name = f.text("name", Need::required, name_field).value_or("");
  c.currency = f.currency("currency", Need::required).value_or(Currency{});
  c.credit_limit = f.limit("credit_limit", Need::optional);
  c.terms = f.id("terms", Need::optional).value_or("NET30");
  c.collector = f.id("collector", Need::optional);
  c.salesperson = f.id("salesperson", Need::optional);
  c.grade = f.grade("grade", Need::optional);
  c.on_hold = f.boolean("on_hold", Need::optional).value_or(false);
  c.bank_accounts = read_bank_accounts(f);
  if (errors.empty()) merge(errors, validate(c));
  if (!errors.empty()) return std::nullopt;
  return c;
}

// The customer with its balance, as GET /v1/customers/{id} and every change to it answer.
json account_json(Context& cx, const std::string& id) {
  auto a = cx.books.ledger().account(id, cx.today);
  if (!a) throw StorageError("customer " + id + " vanished between its change and its read");
  json j = customer_json(a->customer);
  j["bank_accounts"] = cx.books.ledger().bank_accounts(id);
  j["balance"] = balance_json(a->balance);
  return j;
}

}  // namespace

Response post_customer(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  auto c = read_customer(*body, errors);
  if (!c) return invalid(errors);
  const LedgerResult r = cx.books.ledger().post_customer(cx.actor, *c);
  return answer(r, [&] { return account_json(cx, c->id); }, "/v1/customers/" + c->id);
}

// GET /v1/customers?q=&currency=&sort=id|name|balance|overdue&order=asc|desc: found by id or
// name, each with its balance now.
Response get_customers(Context& cx) {
  QueryErrors qe;
  CustomerSearch search;
  search.today = cx.today;
  if (auto q = query_text(cx, "q")) {
    if (q->size() > name_field.length_max || !is_utf8_text(*q))
      qe.errors.push_back({"q", "must be at most 200 bytes of UTF-8 text"});
    else if (!q->empty())
      search.q = *q;
  }
  if (auto c = query_text(cx, "currency")) {
    if (auto parsed = parse_currency(*c)) search.currency = *parsed;
    else qe.errors.push_back({"currency", "must be an ISO 4217 code such as EUR"});
  }
  if (auto sort = query_text(cx, "sort")) {
    if (*sort == "id") search.sort = CustomerSort::id;
    else if (*sort == "name") search.sort = CustomerSort::name;
    else if (*sort == "balance") search.sort = CustomerSort::balance;
    else if (*sort == "overdue") search.sort = CustomerSort::overdue;
    else qe.errors.push_back({"sort", "must be id, name, balance or overdue"});
  }
  if (auto order = query_text(cx, "order")) {
    if (*order == "desc") search.descending = true;
    else if (*order != "asc") qe.errors.push_back({"order", "must be asc or desc"});
  }
  // Sorted by id, the cursor is the last id; sorted otherwise, a count of rows.
  const PageRequest page = query_page(cx, qe, search.sort != CustomerSort::id);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  Page<CustomerRow> found = cx.books.ledger().find_customers(search, page);
  json items = json::array();
  for (const CustomerRow& row : found.items) {
    json j = customer_json(row.customer);
    j["balance"] = {{"open", row.open},
                    {"overdue", row.overdue},
                    {"unapplied", row.unapplied},
                    {"total", row.open - row.unapplied}};
    items.push_back(std::move(j));
  }
  return list_response(cx, std::move(items), found.next_after);
}

Response get_customer(Context& cx) {
  auto a = cx.books.ledger().account(cx.params[0], cx.today);
  if (!a) return not_found("customer " + cx.params[0]);
  json j = customer_json(a->customer);
  j["bank_accounts"] = cx.books.ledger().bank_accounts(cx.params[0]);
  j["dunning_hold"] = a->dunning_hold;
  j["balance"] = balance_json(a->balance);
  return json_response(200, j);
}

Response patch_customer(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  CustomerPatch patch;
  if (auto id = f.get("id"); id && *id != cx.params[0]) f.error("id", "cannot change");
  if (f.has("currency")) {
    auto c = cx.books.ledger().customer(cx.params[0]);
    if (c && (!f.get("currency") || *f.get("currency") != c->currency.str())) f.error("currency", "cannot change");
  }
  if (f.has("name")) patch.name = f.text("name", Need::required, name_field);
  if (f.has("credit_limit")) patch.credit_limit = f.limit("credit_limit", Need::optional);
  if (f.has("terms")) patch.terms = f.id("terms", Need::required);
  if (f.has("collector")) patch.collector = f.id("collector", Need::optional);
  if (f.has("salesperson")) patch.salesperson = f.id("salesperson", Need::optional);
  if (f.has("grade")) patch.grade = f.grade("grade", Need::optional);
  if (f.has("on_hold")) patch.on_hold = f.boolean("on_hold", Need::required);
  if (f.has("bank_accounts")) patch.bank_accounts = read_bank_accounts(f);
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().patch_customer(cx.actor, cx.params[0], patch);
  if (r.outcome == LedgerOutcome::not_found) return not_found("customer " + cx.params[0]);
  return answer(r, [&] {
    json j = account_json(cx, cx.params[0]);
    // 202: the raise waits for a manager; the answer says which change to approve.
    if (r.outcome == LedgerOutcome::pending) {
      auto pending = cx.books.ledger().limit_changes(WriteOffStatus::pending, cx.params[0], {"", page_size_max}).items;
      if (!pending.empty()) j["pending_limit_change"] = limit_change_json(pending.back());
    }
    return j;
  });
}

Response post_application(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto invoice = f.id("invoice", Need::required);
  auto amount = f.amount("amount", Need::required);
  const Date date = f.date("date", Need::optional).value_or(cx.today);
  if (!errors.empty()) return invalid(errors);
  if (!cx.books.ledger().customer(cx.params[0])) return not_found("customer " + cx.params[0]);
  const LedgerResult r = cx.books.ledger().apply_credit(cx.actor, cx.params[0], *invoice, *amount, date);
  return answer(r, [&] { return invoice_json(*cx.books.ledger().invoice(*invoice)); });
}

Response post_invoice(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  Invoice i;
  i.number = f.id("number", Need::required).value_or("");
  i.customer = f.id("customer", Need::required).value_or("");
  i.issue_date = f.date("issue_date", Need::required).value_or(Date{});
  i.due_date = f.date("due_date", Need::optional);
  i.amount = f.amount("amount", Need::required).value_or(0);
  i.currency = f.currency("currency", Need::required).value_or(Currency{});
  i.order_ref = f.id("order_ref", Need::optional);
  if (errors.empty()) merge(errors, validate(i));
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().post_invoice(cx.actor, i);
  return answer(r, [&] { return invoice_json(*cx.books.ledger().invoice(i.number)); }, "/v1/invoices/" + i.number);
}

Response get_invoices(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe);
  auto customer = query_id(cx, "customer", qe);
  std::optional<InvoiceStatus> status;
  if (auto s = query_text(cx, "status")) {
    status = parse_invoice_status(*s);
    if (!status) qe.errors.push_back({"status", "must be open, paid or written_off"});
  }
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.ledger().invoices(customer, status, page), invoice_json);
}

Response get_invoice(Context& cx) {
  auto v = cx.books.ledger().invoice(cx.params[0]);
  if (!v) return not_found("invoice " + cx.params[0]);
  return json_response(200, invoice_json(*v));
}

Response post_dispute(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  auto reason = Fields(*body, errors).text("reason", Need::required, reason_field);
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().dispute(cx.actor, cx.params[0], reason);
  if (r.outcome == LedgerOutcome::not_found) return not_found("invoice " + cx.params[0]);
  return answer(r, [&] { return invoice_json(*cx.books.ledger().invoice(cx.params[0])); });
}

Response delete_dispute(Context& cx) {
  const LedgerResult r = cx.books.ledger().dispute(cx.actor, cx.params[0], std::nullopt);
  if (r.outcome == LedgerOutcome::not_found) return not_found("invoice " + cx.params[0]);
  return answer(r, [&] { return invoice_json(*cx.books.ledger().invoice(cx.params[0])); });
}

Response post_payment(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  Payment p;
  p.reference = f.id("reference", Need::required).value_or("");
  p.customer = f.id("customer", Need::required).value_or("");
  p.received_date = f.date("received_date", Need::required).value_or(Date{});
  p.amount = f.amount("amount", Need::required).value_or(0);
  p.currency = f.currency("currency", Need::required).value_or(Currency{});
  if (const json* list = f.get("allocations")) {
    if (!list->is_array() || list->size() > page_size_max) {
      f.error("allocations", "must be a list of at most " + std::to_string(page_size_max) + " {invoice, amount}");
    } else {
      for (std::size_t k = 0; k < list->size(); ++k) {
        const std::string prefix = "allocations[" + std::to_string(k) + "].";
        if (!(*list)[k].is_object()) {
          f.error(prefix.substr(0, prefix.size() - 1), "must be an object with invoice and amount");
          continue;
        }
        Fields af((*list)[k], errors, prefix);
        p.allocations.push_back({af.id("invoice", Need::required).value_or(""), af.amount("amount", Need::required).value_or(0)});
      }
    }
  }
  if (errors.empty()) merge(errors, validate(p));
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().post_payment(cx.actor, p);
  return answer(r, [&] { return payment_json(*cx.books.ledger().payment(p.reference)); }, "/v1/payments/" + p.reference);
}

Response get_payment(Context& cx) {
  auto v = cx.books.ledger().payment(cx.params[0]);
  if (!v) return not_found("payment " + cx.params[0]);
  return json_response(200, payment_json(*v));
}

Response get_payments(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe);
  auto customer = query_id(cx, "customer", qe);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.ledger().payments(customer, page), payment_json);
}

Response get_credit_notes(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe);
  auto customer = query_id(cx, "customer", qe);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.ledger().credit_notes(customer, page), [](const CreditNoteView& v) {
    json j{{"number", v.note.number}, {"customer", v.note.customer}, {"date", format_date(v.note.date)},
           {"amount", v.note.amount}, {"currency", v.note.currency.str()}};
    if (v.note.invoice) j["invoice"] = *v.note.invoice;
    j["unapplied"] = v.unapplied;
    return j;
  });
}

Response post_reversal(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  const Date date = f.date("date", Need::optional).value_or(cx.today);
  auto reason = f.text("reason", Need::required, reason_field);
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().reverse_payment(cx.actor, cx.params[0], date, *reason);
  if (r.outcome == LedgerOutcome::not_found) return not_found("payment " + cx.params[0]);
  return answer(r, [&] { return payment_json(*cx.books.ledger().payment(cx.params[0])); });
}

Response post_credit_note(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  CreditNote n;
  n.number = f.id("number", Need::required).value_or("");
  n.customer = f.id("customer", Need::required).value_or("");
  n.date = f.date("date", Need::required).value_or(Date{});
  n.amount = f.amount("amount", Need::required).value_or(0);
  n.currency = f.currency("currency", Need::required).value_or(Currency{});
  n.invoice = f.id("invoice", Need::optional);
  if (errors.empty()) merge(errors, validate(n));
  if (!errors.empty()) return invalid(errors);
  const LedgerResult r = cx.books.ledger().post_credit_note(cx.actor, n);
  return answer(r, [&] {
    json j{{"number", n.number}, {"customer", n.customer}, {"date", format_date(n.date)},
           {"amount", n.amount}, {"currency", n.currency.str()}};
    if (n.invoice) j["invoice"] = *n.invoice;
    return j;
  });
}

Response post_write_off(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto invoice = f.id("invoice", Need::required);
  auto amount = f.amount("amount", Need::required);
  auto reason = f.text("reason", Need::required, reason_field);
  if (!errors.empty()) return invalid(errors);
  std::int64_t id = 0;
  const LedgerResult r = cx.books.ledger().request_write_off(cx.actor, *invoice, *amount, *reason, id);
  return answer(r, [&] { return write_off_json(*cx.books.ledger().write_off(id)); }, "/v1/write-offs/" + std::to_string(id));
}

namespace {

Response decide(Context& cx, bool approve) {
  auto id = numeric_id(cx.params[0]);
  if (!id) return not_found("write-off " + cx.params[0]);
  const LedgerResult r = cx.books.ledger().decide_write_off(cx.actor, *id, approve, cx.today);
  if (r.outcome == LedgerOutcome::not_found) return not_found("write-off " + cx.params[0]);
  if (r.outcome == LedgerOutcome::same_person)
    return problem(403, "a write-off must be approved by someone other than " + cx.actor.name + ", who requested it");
  return answer(r, [&] { return write_off_json(*cx.books.ledger().write_off(*id)); });
}

}  // namespace

Response get_write_offs(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  const std::optional<WriteOffStatus> status = query_request_status(cx, qe);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.ledger().write_offs(status, page), write_off_json);
}

Response get_write_off(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  auto w = id ? cx.books.ledger().write_off(*id) : std::nullopt;
  if (!w) return not_found("write-off " + cx.params[0]);
  return json_response(200, write_off_json(*w));
}

Response post_write_off_approval(Context& cx) { return decide(cx, true); }
Response post_write_off_rejection(Context& cx) { return decide(cx, false); }

}  // namespace tallyman::http
