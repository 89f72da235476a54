// Credit control's settings and decisions beside the checks (contract §3): the credit policy,
// credit-limit raises a second person approves, grading runs and scores.
#include "handlers.hpp"

#include "http/limits.hpp"

namespace tallyman::http {

namespace {

json policy_json(const CreditPolicy& p) {
  auto opt = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  return {{"decline_on_hold", p.decline_on_hold},
          {"decline_on_dunning_hold", p.decline_on_dunning_hold},
          {"check_limit", p.check_limit},
          {"over_limit_review_bp", p.over_limit_review_bp},
          {"review_overdue_days", opt(p.review_overdue_days)},
          {"review_overdue_share_bp", opt(p.review_overdue_share_bp)},
          {"review_grade_c", p.review_grade_c},
          {"review_no_limit", p.review_no_limit},
          {"reservation_days", p.reservation_days},
          {"grading",
           {{"weight_on_time", p.grading.weight_on_time},
            {"weight_days_late", p.grading.weight_days_late},
            {"weight_overdue", p.grading.weight_overdue},
            {"weight_volume", p.grading.weight_volume},
            {"write_off_penalty", p.grading.write_off_penalty},
            {"days_late_zero", p.grading.days_late_zero},
            {"grade_a_min", p.grading.grade_a_min},
            {"grade_b_min", p.grading.grade_b_min}}}};
}

json grading_run_json(const GradingRun& run) {
  return {{"id", std::to_string(run.id)},
          {"as_of", format_date(run.as_of)},
          {"customers_examined", run.examined},
          {"customers_graded", run.graded},
          {"grades_changed", run.changed}};
}

}  // namespace

Response get_credit_policy(Context& cx) { return json_response(200, policy_json(cx.books.credit().credit_policy())); }

Response put_credit_policy(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  // A field left out keeps its value; null switches a threshold's rule off.
  CreditPolicy p = cx.books.credit().credit_policy();
  auto flag = [&](const char* name, bool& target) {
    if (f.has(name)) target = f.boolean(name, Need::required).value_or(target);
  };
  auto number = [&](const char* name, int& target, std::int64_t max) {
    if (f.has(name)) target = static_cast<int>(f.integer(name, Need::required, 0, max).value_or(target));
  };
  auto threshold = [&](const char* name, std::optional<int>& target, std::int64_t max) {
    if (!f.has(name)) return;
    if (f.is_null(name)) target.reset();
    else if (auto v = f.integer(name, Need::required, 0, max)) target = static_cast<int>(*v);
  };
  flag("decline_on_hold", p.decline_on_hold);
  flag("decline_on_dunning_hold", p.decline_on_dunning_hold);
  flag("check_limit", p.check_limit);
  number("over_limit_review_bp", p.over_limit_review_bp, credit_basis_points_max);
  threshold("review_overdue_days", p.review_overdue_days, 36500);
  threshold("review_overdue_share_bp", p.review_overdue_share_bp, credit_basis_points_max);
  flag("review_grade_c", p.review_grade_c);
  flag("review_no_limit", p.review_no_limit);
  if (f.has("reservation_days")) {
    if (auto v = f.integer("reservation_days", Need::required, 1, reservation_days_max)) p.reservation_days = static_cast<int>(*v);
  }
  if (const json* g = f.get("grading")) {
    if (!g->is_object()) {
      f.error("grading", "must be an object of weights and thresholds");
    } else {
      Fields gf(*g, errors, "grading.");
      auto points = [&](const char* name, int& target) {
        if (gf.has(name)) target = static_cast<int>(gf.integer(name, Need::required, 0, 100).value_or(target));
      };
      points("weight_on_time", p.grading.weight_on_time);
      points("weight_days_late", p.grading.weight_days_late);
      points("weight_overdue", p.grading.weight_overdue);
      points("weight_volume", p.grading.weight_volume);
      points("write_off_penalty", p.grading.write_off_penalty);
      points("grade_a_min", p.grading.grade_a_min);
      points("grade_b_min", p.grading.grade_b_min);
      if (gf.has("days_late_zero"))
        p.grading.days_late_zero =
            static_cast<int>(gf.integer("days_late_zero", Need::required, 1, 3650).value_or(p.grading.days_late_zero));
    }
  }
  if (errors.empty())
    for (const FieldError& e : validate(p)) errors.push_back(e);
  if (!errors.empty()) return problem(422, "the policy has invalid fields", errors);
  cx.books.credit().put_credit_policy(cx.actor, p);  // changed or unchanged: the policy now either way
  return json_response(200, policy_json(cx.books.credit().credit_policy()));
}

json limit_change_json(const LimitChange& c) {
  json j{{"id", std::to_string(c.id)},
         {"customer", c.customer},
         {"old_limit", nullable(c.old_limit)},
         {"new_limit", c.new_limit},
         {"status", std::string(to_string(c.status))},
         {"requested_by", c.requested_by},
         {"requested_at", c.requested_at}};
  if (c.decided_by) j["decided_by"] = *c.decided_by;
  if (c.decided_at) j["decided_at"] = *c.decided_at;
  return j;
}

namespace {

Response decide_limit(Context& cx, bool approve) {
  auto id = numeric_id(cx.params[0]);
  if (!id) return problem(404, "there is no limit change " + cx.params[0]);
  const LedgerResult r = cx.books.ledger().decide_limit_change(cx.actor, *id, approve);
  if (r.outcome == LedgerOutcome::not_found) return problem(404, "there is no limit change " + cx.params[0]);
  if (r.outcome == LedgerOutcome::same_person)
    return problem(403, "a credit-limit raise must be approved by someone other than " + cx.actor.name +
                            ", who requested it");
  if (!r.accepted()) return refusal(r);
  return json_response(200, limit_change_json(*cx.books.ledger().limit_change(*id)));
}

}  // namespace

Response get_limit_changes(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  const std::optional<WriteOffStatus> status = query_request_status(cx, qe);
  auto customer = query_id(cx, "customer", qe);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.ledger().limit_changes(status, customer, page), limit_change_json);
}

Response get_limit_change(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  auto c = id ? cx.books.ledger().limit_change(*id) : std::nullopt;
  if (!c) return problem(404, "there is no limit change " + cx.params[0]);
  return json_response(200, limit_change_json(*c));
}

Response post_limit_change_approval(Context& cx) { return decide_limit(cx, true); }
Response post_limit_change_rejection(Context& cx) { return decide_limit(cx, false); }

Response post_grading_run(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  const Date as_of = Fields(*body, errors).date("as_of", Need::optional).value_or(cx.today);
  if (errors.empty() && as_of > cx.today) errors.push_back({"as_of", "must not be after today, " + format_date(cx.today)});
  if (!errors.empty()) return problem(422, "the run has invalid fields", errors);
  return json_response(201, grading_run_json(cx.books.runs().run_grading(cx.actor, as_of)));
}

Response get_grading_runs(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.credit().grading_runs(page), grading_run_json);
}

Response get_customer_score(Context& cx) {
  auto customer = cx.books.ledger().customer(cx.params[0]);
  if (!customer) return problem(404, "there is no customer " + cx.params[0]);
  auto stored = cx.books.credit().score(cx.params[0]);
  if (!stored) return problem(404, "customer " + cx.params[0] + " has no score yet: no grading run found history to judge");
  const Score& s = stored->score;
  int terms_days = 30;
  for (const Terms& t : cx.books.ledger().terms())
    if (t.code == customer->terms) terms_days = t.days + (t.basis == TermsBasis::end_of_month ? 15 : 0);
  const GradingPolicy g = cx.books.credit().credit_policy().grading;
  return json_response(
      200, {{"customer", customer->id},
            {"as_of", format_date(stored->as_of)},
            {"score", s.score},
            {"grade", std::string(1, s.grade)},
            {"factors",
             {{"on_time", {{"share_bp", s.on_time_bp}, {"points", s.on_time_points}, {"weight", g.weight_on_time}}},
              {"days_late",
               {{"average_days", s.average_days_late}, {"points", s.days_late_points}, {"weight", g.weight_days_late}}},
              {"overdue", {{"share_bp", s.overdue_bp}, {"points", s.overdue_points}, {"weight", g.weight_overdue}}},
              {"volume",
               {{"invoices", s.invoices}, {"invoiced", s.invoiced}, {"points", s.volume_points}, {"weight", g.weight_volume}}},
              {"write_off", {{"recent", s.written_off}, {"points", s.write_off_points}}}}},
            {"credit_limit", nullable(customer->credit_limit)},
            {"proposed_limit", proposed_limit(s, terms_days)}});
}

}  // namespace tallyman::http
