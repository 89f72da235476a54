// Collections' endpoints (contract §5): the dunning policy, runs, and the collector's tasks.
#include "core/check.hpp"
#include "handlers.hpp"
#include "http/log.hpp"
#include "http/limits.hpp"

namespace tallyman::http {

namespace {

json policy_json(const DunningPolicy& p) {
  json levels = json::array();
  for (const DunningLevel& l : p.levels) {
    json j{{"level", l.level}, {"days_overdue", l.days_overdue}, {"action", l.action}};
    if (l.credit_hold) j["credit_hold"] = true;
    if (!l.grade_days.empty()) {
      json grades = json::object();
      for (const auto& [grade, days] : l.grade_days) grades[std::string(1, grade)] = days;
      j["grade_days"] = std::move(grades);
    }
    levels.push_back(std::move(j));
  }
  return {{"min_amount", p.min_amount}, {"net_unapplied", p.net_unapplied}, {"levels", std::move(levels)}};
}

json run_json(const DunningRun& r) {
  return {{"id", std::to_string(r.id)},          {"as_of", format_date(r.as_of)},
          {"customers_examined", r.examined},    {"tasks_created", r.tasks_created},
          {"holds_set", r.holds_set},            {"holds_released", r.holds_released},
          {"tasks_resolved", r.tasks_resolved},  {"promises_broken", r.promises_broken},
          {"duration_ms", r.duration_ms},        {"customers_failed", r.customers_failed}};
}

json promise_json(const PromiseView& v) {
  return {{"id", std::to_string(v.id)},
          {"customer", v.customer},
          {"amount", v.promise.amount},
          {"made_on", format_date(v.promise.made_on)},
          {"promised_date", format_date(v.promise.promised_date)},
          {"status", std::string(to_string(v.state))},
          {"paid", v.paid},
          {"made_by", v.made_by}};
}

json task_json(const DunningTask& t) {
  json j{{"id", std::to_string(t.id)},
         {"customer", t.customer},
         {"name", t.customer_name},
         {"currency", t.currency.str()},
         {"level", t.level},
         {"action", t.action},
         {"overdue_amount", t.overdue_amount},
         {"unapplied_credit", t.unapplied_credit},
         {"days_overdue", t.days_overdue},
         {"invoices", t.invoices},
         {"created", format_date(t.created)},
         {"status", std::string(to_string(t.status))},
         {"note", t.note ? json(*t.note) : json(nullptr)},
         {"collector", t.collector ? json(*t.collector) : json(nullptr)},
         {"notice", t.notice ? json(std::to_string(*t.notice)) : json(nullptr)}};
  return j;
}

}  // namespace

Response get_dunning_policy(Context& cx) { return json_response(200, policy_json(cx.books.collections().dunning_policy())); }

Response put_dunning_policy(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  DunningPolicy p;
  p.min_amount = f.limit("min_amount", Need::required).value_or(0);
  p.net_unapplied = f.boolean("net_unapplied", Need::optional).value_or(true);
  const json* levels = f.get("levels");
  if (!levels || !levels->is_array() || levels->size() > dunning_levels_max) {
    f.error("levels", "must be a list of 1 to " + std::to_string(dunning_levels_max) + " levels");
  } else {
    for (std::size_t k = 0; k < levels->size(); ++k) {
      const std::string prefix = "levels[" + std::to_string(k) + "].";
      if (!(*levels)[k].is_object()) {
        f.error(prefix.substr(0, prefix.size() - 1), "must be an object");
        continue;
      }
      Fields lf((*levels)[k], errors, prefix);
      DunningLevel l;
      l.level = static_cast<int>(lf.integer("level", Need::required, 1, dunning_levels_max).value_or(0));
      l.days_overdue = static_cast<int>(lf.integer("days_overdue", Need::required, 1, 36500).value_or(0));
      l.action = lf.id("action", Need::required).value_or("");
      l.credit_hold = lf.boolean("credit_hold", Need::optional).value_or(false);
      if (const json* grades = lf.get("grade_days")) {
        if (!grades->is_object()) {
          lf.error("grade_days", "must map grades A, B, C to days");
        } else {
          Fields gf(*grades, errors, prefix + "grade_days.");
          for (const char* g : {"A", "B", "C"})
            if (auto days = gf.integer(g, Need::optional, 1, 36500)) l.grade_days[g[0]] = static_cast<int>(*days);
        }
      }
      p.levels.push_back(std::move(l));
    }
  }
  if (errors.empty())
    for (const FieldError& e : validate(p)) errors.push_back(e);
  if (!errors.empty()) return problem(422, "the dunning policy has invalid fields", errors);
  cx.books.collections().put_dunning_policy(cx.actor, p);  // changed or unchanged: the policy now either way
  return json_response(200, policy_json(cx.books.collections().dunning_policy()));
}

Response post_dunning_run(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  const Date as_of = Fields(*body, errors).date("as_of", Need::optional).value_or(cx.today);
  if (errors.empty() && as_of > cx.today) errors.push_back({"as_of", "must not be after today, " + format_date(cx.today)});
  if (!errors.empty()) return problem(422, "the run has invalid fields", errors);
  const DunningRun run = cx.books.runs().run_dunning(cx.actor, as_of);
  log_dunning_failures(run, cx.request.request_id);
  json doc = run_json(run);
  doc["replayed"] = run.replayed;
  return json_response(run.replayed ? 200 : 201, doc);
}

Response get_dunning_runs(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.collections().dunning_runs(page), run_json);
}

Response get_dunning_run(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  auto run = id ? cx.books.collections().dunning_run(*id) : std::nullopt;
  if (!run) return problem(404, "there is no dunning run " + cx.params[0]);
  return json_response(200, run_json(*run));
}

Response get_dunning_tasks(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  TaskFilter filter;
  if (auto s = query_text(cx, "status")) {
    filter.status = parse_task_status(*s);
    if (!filter.status) qe.errors.push_back({"status", "must be open, done, cancelled or resolved"});
  }
  filter.collector = query_id(cx, "collector", qe);
  filter.customer = query_id(cx, "customer", qe);
  if (auto level = query_int(cx, "level", 1, dunning_levels_max, qe)) filter.level = static_cast<int>(*level);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.collections().dunning_tasks(filter, page), task_json);
}

Response patch_dunning_task(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  std::optional<TaskStatus> status;
  if (const json* s = f.get("status"); s && s->is_string()) status = parse_task_status(s->get<std::string>());
  if (status != TaskStatus::done && status != TaskStatus::cancelled) f.error("status", "must be done or cancelled");
  auto note = f.text("note", Need::optional, reason_field);
  if (!errors.empty()) return problem(422, "the task's change has invalid fields", errors);
  auto id = numeric_id(cx.params[0]);
  if (!id) return problem(404, "there is no dunning task " + cx.params[0]);
  switch (cx.books.collections().update_task(cx.actor, *id, *status, note)) {
    case TaskUpdate::updated:
    case TaskUpdate::unchanged: return json_response(200, task_json(*cx.books.collections().dunning_task(*id)));
    case TaskUpdate::no_task: return problem(404, "there is no dunning task " + cx.params[0]);
    case TaskUpdate::not_open:
      return problem(409, "dunning task " + cx.params[0] + " is not open", {{"status", "the task is not open"}});
  }
  TM_ASSERT(false);
}

Response post_promise(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  auto customer = f.id("customer", Need::required);
  Promise p;
  p.amount = f.amount("amount", Need::required).value_or(0);
  p.promised_date = f.date("promised_date", Need::required).value_or(Date{});
  p.made_on = f.date("made_on", Need::optional).value_or(cx.today);
  if (errors.empty() && p.promised_date < p.made_on) f.error("promised_date", "must not be before made_on");
  if (!errors.empty()) return problem(422, "the promise has invalid fields", errors);
  std::int64_t id = 0;
  switch (cx.books.collections().make_promise(cx.actor, *customer, p, id)) {
    case PromiseOutcome::made: break;
    case PromiseOutcome::unknown_customer:
      return problem(422, "customer names no known customer", {{"customer", "names no known customer"}});
  }
  for (const PromiseView& v : cx.books.collections().promises(*customer, cx.today))
    if (v.id == id) {
      Response created = json_response(201, promise_json(v));
      created.headers.emplace_back("Location", "/v1/customers/" + *customer + "/promises");
      return created;
    }
  throw StorageError("promise " + std::to_string(id) + " vanished between its making and its read");
}

Response get_customer_promises(Context& cx) {
  QueryErrors qe;
  const Date as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  if (!cx.books.ledger().customer(cx.params[0])) return problem(404, "there is no customer " + cx.params[0]);
  json items = json::array();
  for (const PromiseView& v : cx.books.collections().promises(cx.params[0], as_of)) items.push_back(promise_json(v));
  return list_response(cx, std::move(items), std::nullopt);
}

namespace {

json notice_json(const NoticeView& n, bool with_bodies) {
  json j{{"id", std::to_string(n.id)}, {"event", n.event},  {"task", std::to_string(n.task)},
         {"customer", n.customer},      {"level", n.level}, {"subject", n.rendered.subject}};
  if (with_bodies) {
    j["text"] = n.rendered.text;
    j["html"] = n.rendered.html;
  }
  j["total"] = n.rendered.total;
  j["currency"] = n.currency.str();
  j["delivery"] = {{"status", n.status}, {"attempts", n.attempts}};
  j["created_at"] = n.created_at;
  return j;
}

}  // namespace

Response get_notice(Context& cx) {
  auto id = numeric_id(cx.params[0]);
  auto n = id ? cx.books.collections().notice(*id) : std::nullopt;
  if (!n) return problem(404, "there is no notice " + cx.params[0]);
  return json_response(200, notice_json(*n, true));
}

// The notices, newest first, without their bodies (GET /v1/notices/{id} has them).
Response get_notices(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  auto customer = query_id(cx, "customer", qe);
  auto status = query_text(cx, "status");
  if (status && *status != "pending" && *status != "sent" && *status != "failed")
    qe.errors.push_back({"status", "must be pending, sent or failed"});
  if (!qe.errors.empty()) return problem(400, "the query is malformed", qe.errors);
  return page_response(cx, cx.books.collections().notices(customer, status, page),
                       [](const NoticeView& n) { return notice_json(n, false); });
}

}  // namespace tallyman::http
