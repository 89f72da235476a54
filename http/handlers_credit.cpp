// Credit checks' endpoints (contract §3): the check (also the credit desk's halves of it),
// overrides, reservations, a customer's credit summary.
#include "core/check.hpp"
#include "handlers.hpp"
#include "http/limits.hpp"

namespace tallyman::http {

namespace {

json reservation_json(const Reservation& r) {
  return {{"order_ref", r.order_ref}, {"customer", r.customer},  {"amount", r.amount},
          {"currency", r.currency.str()}, {"expires", format_date(r.expires)}, {"status", std::string(to_string(r.status))}};
}

json exposure_json(const CreditPosition& p, const CreditAnswer& a) {
  json j = json::object();
  j["open"] = p.open;
  j["unapplied"] = p.unapplied;
  j["reserved"] = p.reserved;
  j["limit"] = nullable(p.limit);
  j["available"] = nullable(a.available);
  j["after_order"] = a.after_order;
  return j;
}

// The contract's answer to a check. Built member by member: every check answers with it, and
// nlohmann's initializer lists copy each value on the way (2.5 times the instructions).
json check_json(const CreditCheck& c) {
  json j = json::object();
  j["decision"] = to_string(c.answer.decision);
  json& reasons = j["reasons"] = json::array();
  for (CreditReason r : c.answer.reasons) reasons.push_back(to_string(r));
  j["customer"] = c.request.customer;
  j["order_ref"] = c.request.order_ref;
  j["amount"] = c.request.amount;
  j["exposure"] = exposure_json(c.position, c.answer);
  json& overdue = j["overdue"] = json::object();
  overdue["amount"] = c.position.overdue;
  overdue["max_days"] = c.position.max_days_overdue;
  j["grade"] = c.position.grade ? json(std::string(1, *c.position.grade)) : json(nullptr);
  json& reservation = j["reservation"] = nullptr;
  if (c.reservation) {
    reservation["order_ref"] = c.reservation->order_ref;
    reservation["expires"] = format_date(c.reservation->expires);
  }
  return j;
}

}  // namespace

std::optional<CreditCheckInput> credit_check_input(Context& cx, Response& bad) {
  auto body = read_body(cx.request, bad);
  if (!body) return std::nullopt;
  FieldErrors errors;
  Fields f(*body, errors);
  CreditCheckRequest r;
  r.customer = f.id("customer", Need::required).value_or("");
  r.order_ref = f.id("order_ref", Need::required).value_or("");
  r.amount = f.amount("amount", Need::required).value_or(0);
  r.currency = f.currency("currency", Need::required).value_or(Currency{});
  r.reserve = f.boolean("reserve", Need::optional).value_or(false);
  if (!errors.empty()) {
    bad = problem(422, "the check has invalid fields", errors);
    return std::nullopt;
  }
  return CreditCheckInput{std::move(r), cx.actor.name, false};
}

Response credit_check_response(const CreditCheck& c) {
  const CreditCheckRequest& r = c.request;
  switch (c.outcome) {
    case CreditOutcome::decided: return json_response(200, check_json(c));
    case CreditOutcome::unknown_customer:
      return problem(422, "customer names no known customer", {{"customer", "names no known customer"}});
    case CreditOutcome::currency_mismatch:
      return problem(422, "currency is not the customer's currency; tallyman never converts",
                     {{"currency", "is not the customer's currency"}});
    case CreditOutcome::held_elsewhere:
      return problem(409, "order_ref " + r.order_ref + " holds credit for another customer",
                     {{"order_ref", "holds credit for another customer"}});
    case CreditOutcome::no_check:
      return problem(404, "there is no check of order " + r.order_ref + " that ended in review or declined");
    case CreditOutcome::overridden_already:
      return problem(409, "the check of order " + r.order_ref + " was overridden already",
                     {{"order_ref", "was overridden already"}});
  }
  TM_ASSERT(false);
}

Response post_credit_check(Context& cx) {
  Response bad;
  auto input = credit_check_input(cx, bad);
  if (!input) return bad;
  return credit_check_response(cx.books.credit().check_credits({*input}, cx.today).checks.front());
}

Response post_credit_override(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto reason = f.text("reason", Need::required, reason_field);
  const bool reserve = f.boolean("reserve", Need::optional).value_or(false);
  if (!errors.empty()) return problem(422, "an override needs a reason", errors);
  const CreditCheck c = cx.books.credit().override_check(cx.actor, cx.params[0], *reason, reserve, cx.today);
  Response r = credit_check_response(c);
  if (c.outcome != CreditOutcome::decided) return r;
  json j = check_json(c);
  j["override"] = {{"by", cx.actor.name}, {"reason", *reason}};
  return json_response(200, j);
}

Response get_reservation(Context& cx) {
  auto r = cx.books.credit().reservation(cx.params[0]);
  if (!r) return problem(404, "there is no reservation for order " + cx.params[0]);
  return json_response(200, reservation_json(*r));
}

Response delete_reservation(Context& cx) {
  switch (cx.books.credit().release_reservation(cx.actor, cx.params[0])) {
    case ReleaseOutcome::released:
    case ReleaseOutcome::released_already:
      return json_response(200, reservation_json(*cx.books.credit().reservation(cx.params[0])));
    case ReleaseOutcome::no_reservation: return problem(404, "there is no reservation for order " + cx.params[0]);
    case ReleaseOutcome::ended:
      return problem(409, "the reservation of order " + cx.params[0] + " has ended already", {{"order_ref", "has ended"}});
  }
  TM_ASSERT(false);
}

// GET /v1/reservations?customer=&status=: a customer's holds, newest expiry first.
Response get_reservations(Context& cx) {
  QueryErrors qe;
  auto customer = query_id(cx, "customer", qe);
  if (!customer && qe.errors.empty()) qe.errors.push_back({"customer", "is required"});
  std::optional<ReservationStatus> status;
  if (auto s = query_text(cx, "status")) {
    for (ReservationStatus r : {ReservationStatus::active, ReservationStatus::consumed, ReservationStatus::released,
                                ReservationStatus::expired})
      if (to_string(r) == *s) status = r;
    if (!status) qe.errors.push_back({"status", "must be active, consumed, released or expired"});
  }
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  json items = json::array();
  for (const Reservation& r : cx.books.credit().reservations(*customer, status)) items.push_back(reservation_json(r));
  return list_response(cx, std::move(items), std::nullopt);
}

// GET /v1/credit-checks?waiting=true: the checks that ended in review or declined, newest
// first; waiting, only those no one has overridden.
Response get_refused_checks(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  bool waiting = false;
  if (auto w = query_text(cx, "waiting")) {
    if (*w == "true") waiting = true;
    else if (*w != "false") qe.errors.push_back({"waiting", "must be true or false"});
  }
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.credit().refused_checks(waiting, page), [](const RefusedCheck& c) {
    return json{{"order_ref", c.order_ref},
                {"customer", c.customer},
                {"amount", c.amount},
                {"currency", c.currency.str()},
                {"decision", c.decision},
                {"reasons", c.reasons},
                {"checked_at", c.checked_at},
                {"overridden_by", c.overridden_by ? json(*c.overridden_by) : json(nullptr)},
                {"override_reason", c.override_reason ? json(*c.override_reason) : json(nullptr)}};
  });
}

Response get_customer_credit(Context& cx) {
  auto account = cx.books.ledger().account(cx.params[0], cx.today);
  if (!account) return problem(404, "there is no customer " + cx.params[0]);
  const Customer& c = account->customer;
  const Balance& b = account->balance;
  return json_response(200, {{"customer", c.id},
                             {"name", c.name},
                             {"currency", c.currency.str()},
                             {"limit", nullable(c.credit_limit)},
                             {"open", b.open},
                             {"unapplied", b.unapplied},
                             {"reserved", b.reserved},
                             {"exposure", b.exposure},
                             {"available", nullable(b.available)},
                             {"overdue", b.overdue},
                             {"grade", c.grade ? json(std::string(1, *c.grade)) : json(nullptr)},
                             {"on_hold", c.on_hold},
                             {"dunning_hold", account->dunning_hold}});
}

}  // namespace tallyman::http
