// Cash application's endpoints (contract §7): bank statements in, their lines.
#include "handlers.hpp"

#include "core/bank_statement.hpp"

namespace tallyman::http {

namespace {

std::string media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

json statement_json(const StoredStatement& s) {
  auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
  return {{"id", std::to_string(s.id)}, {"account", s.account},     {"statement_id", s.statement_id},
          {"format", s.format},         {"currency", s.currency.str()}, {"lines", s.lines},
          {"matched", s.matched},       {"suggested", s.suggested}, {"unmatched", s.unmatched},
          {"ignored", s.ignored},       {"opening", opt(s.opening)}, {"closing", opt(s.closing)},
          {"balanced", s.balanced}};
}

json candidate_json(const CashCandidate& c) {
  return {{"invoice", c.invoice},
          {"customer", c.customer},
          {"open_amount", c.open},
          {"currency", c.currency.str()},
          {"due_date", format_date(c.due)},
          {"payment_reference", c.payment_reference}};
}

json line_json(const StoredLine& r) {
  const BankLine& l = r.line;
  json allocations = json::array();
  for (const Allocation& a : r.allocations) allocations.push_back({{"invoice", a.invoice}, {"amount", a.amount}});
  json candidates = json::array();
  for (const CashCandidate& c : r.candidates) candidates.push_back(candidate_json(c));
  std::string remittance = l.structured_reference;
  if (!l.remittance.empty()) remittance += (remittance.empty() ? "" : " ") + l.remittance;
  return {{"id", std::to_string(r.id)},
          {"statement", std::to_string(r.statement)},
          {"booked", format_date(l.booked)},
          {"amount", l.amount},
          {"currency", l.currency.str()},
          {"direction", l.credit ? "credit" : "debit"},
          {"payer", {{"name", l.payer_name}, {"account", l.payer_account}}},
          {"reference", l.key},
          {"end_to_end", l.end_to_end},
          {"remittance", remittance},
          {"status", std::string(to_string(r.status))},
          {"rule", r.rule.empty() ? json(nullptr) : json(r.rule)},
          {"evidence", r.evidence},
          {"payment", r.payment ? json(*r.payment) : json(nullptr)},
          {"customer", r.customer ? json(*r.customer) : json(nullptr)},
          {"allocations", std::move(allocations)},
          {"candidates", std::move(candidates)}};
}

}  // namespace

// POST /v1/bank-statements: the file as the bank sent it; application/xml is camt.053 or
// camt.054, text/plain MT940. All or nothing; a file known line for line answers 200.
Response post_bank_statement(Context& cx) {
  const std::string type = media_type(cx.request.content_type);
  StatementRead read;
  if (type == "application/xml" || type == "text/xml") read = read_camt(cx.request.body);
  else if (type == "text/plain") read = read_mt940(cx.request.body);
  else return problem(415, "a bank statement is application/xml (camt.053, camt.054) or text/plain (MT940)");
  if (!read.file) return problem(422, "the statement cannot be read: " + read.error, {{"body", read.error}});
  // The audit keeps what was imported, not the file (which may run to megabytes).
  Actor actor = cx.actor;
  json statements = json::array();
  for (const BankStatement& s : read.file->statements)
    statements.push_back({{"account", s.account}, {"id", s.id}, {"lines", s.lines.size()}});
  actor.request = json{{"format", std::string(to_string(read.file->format))}, {"bytes", cx.request.body.size()},
                       {"statements", statements}}.dump();
  const StatementImport done = cx.books.cash().import_statement(actor, *read.file);
  json all = json::array();
  StoredStatement sum = done.statements.front();
  for (std::size_t k = 0; k < done.statements.size(); ++k) {
    const StoredStatement& s = done.statements[k];
    all.push_back(statement_json(s));
    if (k == 0) continue;
    sum.lines += s.lines, sum.matched += s.matched, sum.suggested += s.suggested, sum.unmatched += s.unmatched,
        sum.ignored += s.ignored;
    sum.balanced = sum.balanced && s.balanced;
  }
  // The first statement's id and account, the counts of them all, and each.
  json body = statement_json(sum);
  body["statements"] = std::move(all);
  Response r = json_response(done.added ? 201 : 200, body);
  if (done.added) r.headers.emplace_back("Location", "/v1/bank-statements/" + std::to_string(sum.id));
  return r;
}

// GET /v1/bank-statements: the statements imported, newest first.
Response get_bank_statements(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.cash().statements(page), statement_json);
}

Response get_bank_statement(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  auto s = id ? cx.books.cash().statement(*id) : std::nullopt;
  if (!s) return problem(404, "there is no bank statement " + cx.params[0]);
  return json_response(200, statement_json(*s));
}

// GET /v1/bank-statements/{id}/lines?status=: the lines in their order in the statement.
Response get_bank_statement_lines(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  std::optional<LineStatus> status;
  if (auto s = query_text(cx, "status")) {
    status = parse_line_status(*s);
    if (!status) qe.errors.push_back({"status", "must be matched, suggested, unmatched or ignored"});
  }
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  auto id = numeric_id(cx.params[0]);
  if (!id || !cx.books.cash().statement(*id)) return problem(404, "there is no bank statement " + cx.params[0]);
  return page_response(cx, cx.books.cash().lines(*id, status, page), line_json);
}

// GET /v1/bank-statement-lines?status=suggested|unmatched: the work queue, newest first.
Response get_bank_statement_queue(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  std::optional<LineStatus> status;
  if (auto s = query_text(cx, "status")) {
    status = parse_line_status(*s);
    if (!status || *status == LineStatus::matched || *status == LineStatus::ignored)
      qe.errors.push_back({"status", "must be suggested or unmatched"});
  }
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.cash().queue(status, page), line_json);
}

namespace {

// {"invoice", "amount"} objects of a body's array `name`.
std::vector<Allocation> read_allocations(Fields& f, const char* name, FieldErrors& errors) {
  std::vector<Allocation> out;
  const json* list = f.get(name);
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array() || list->size() > 1000) {
    f.error(name, "must be an array of at most 1000 {\"invoice\", \"amount\"}");
    return out;
  }
  for (std::size_t k = 0; k < list->size(); ++k) {
    const json& item = (*list)[k];
    if (!item.is_object()) {
      f.error(std::string(name) + "[" + std::to_string(k) + "]", "must be an object");
      continue;
    }
    Fields a(item, errors, std::string(name) + "[" + std::to_string(k) + "].");
    auto invoice = a.id("invoice", Need::required);
    auto amount = a.amount("amount", Need::required);
    if (invoice && amount) out.push_back({*invoice, *amount});
  }
  return out;
}

Response decided_line(Context& cx, std::int64_t id, const LedgerResult& r) {
  if (r.outcome == LedgerOutcome::not_found) return problem(404, "there is no statement line " + cx.params[0]);
  if (!r.accepted()) return refusal(r);
  return json_response(200, line_json(*cx.books.cash().line(id)));
}

}  // namespace

// POST /v1/bank-statement-lines/{id}/apply {"customer", "allocations"}: a person's decision.
Response post_line_apply(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  if (!id) return problem(404, "there is no statement line " + cx.params[0]);
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto customer = f.id("customer", Need::required);
  const std::vector<Allocation> allocations = read_allocations(f, "allocations", errors);
  if (!errors.empty()) return problem(422, "the decision has invalid fields", errors);
  return decided_line(cx, *id, cx.books.cash().apply_line(cx.actor, *id, *customer, allocations));
}

// POST /v1/bank-statement-lines/{id}/ignore {"reason"}
Response post_line_ignore(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  if (!id) return problem(404, "there is no statement line " + cx.params[0]);
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  auto reason = Fields(*body, errors).text("reason", Need::required, reason_field);
  if (!errors.empty()) return problem(422, "the decision has invalid fields", errors);
  return decided_line(cx, *id, cx.books.cash().ignore_line(cx.actor, *id, *reason));
}

// POST /v1/remittances {"customer", "payment", "lines"}: the payment's unapplied money to the
// invoices named, all or nothing; answers the payment with where its money went (201, or 200
// when the same advice comes again).
Response post_remittance(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto customer = f.id("customer", Need::required);
  auto payment = f.id("payment", Need::required);
  const std::vector<Allocation> lines = read_allocations(f, "lines", errors);
  if (errors.empty() && lines.empty()) f.error("lines", "must name at least one invoice");
  if (!errors.empty()) return problem(422, "the remittance has invalid fields", errors);
  const LedgerResult r = cx.books.ledger().apply_remittance(cx.actor, *customer, *payment, lines, cx.today);
  if (r.outcome == LedgerOutcome::not_found) return problem(404, "there is no payment " + *payment);
  if (!r.accepted()) return refusal(r);
  return json_response(status_of(r.outcome), payment_json(*cx.books.ledger().payment(*payment)));
}

}  // namespace tallyman::http
