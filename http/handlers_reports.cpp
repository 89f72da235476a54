// The reports (contract §4) and the audit trail: aging, the overdue list, statements.
#include "http/aging_document.hpp"
#include "handlers.hpp"

#include <algorithm>
#include <map>

namespace tallyman::http {

namespace {

Response malformed(const QueryErrors& qe) {
  return problem(400, "the query is malformed: " + qe.errors.front().field + " " + qe.errors.front().message, qe.errors);
}

// `currency=`, the base currency when absent.
Currency query_currency(Context& cx, QueryErrors& qe) {
  if (auto c = query_text(cx, "currency")) {
    if (auto parsed = parse_currency(*c)) return *parsed;
    qe.errors.push_back({"currency", "must be an ISO 4217 code such as EUR"});
  }
  return cx.base_currency;
}

// `from` and `to` of a period: `to` today unless given, `from` the first day of to's month;
// from after to is refused.
std::pair<Date, Date> query_period(Context& cx, QueryErrors& qe) {
  const Date to = query_date(cx, "to", qe).value_or(cx.today);
  const auto ymd = date::year_month_day(to);
  const Date from = query_date(cx, "from", qe).value_or(Date(ymd.year() / ymd.month() / 1));
  if (qe.errors.empty() && from > to) qe.errors.push_back({"from", "must not be after to"});
  return {from, to};
}

}  // namespace

Response get_aging(Context& cx) {
  QueryErrors qe;
  AgingSpec spec;
  spec.as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  if (auto basis = query_text(cx, "basis")) {
    auto b = parse_aging_basis(*basis);
    if (b) spec.basis = *b;
    else qe.errors.push_back({"basis", "must be due_date or issue_date"});
  }
  if (auto buckets = query_text(cx, "buckets")) {
    auto bounds = parse_aging_bounds(*buckets);
    if (bounds) spec.bounds = *bounds;
    else qe.errors.push_back({"buckets", "must be ascending whole numbers of days such as 30,60,90"});
  }
  const Currency currency = query_currency(cx, qe);
  auto customer = query_id(cx, "customer", qe);
  auto salesperson = query_id(cx, "salesperson", qe);
  bool with_rows = true;
  if (auto rows = query_text(cx, "customers")) {
    if (*rows == "false") with_rows = false;
    else if (*rows != "true") qe.errors.push_back({"customers", "must be true or false"});
  }
  for (const FieldError& e : validate(spec)) qe.errors.push_back(e);
  if (!qe.errors.empty()) return malformed(qe);
  const AgingReport report = cx.books.reports().aging(spec, currency, customer, salesperson);
  Response r;
  if (wants_csv(cx.request)) {
    r.content_type = "text/csv; charset=utf-8";
    r.body = aging_csv(report);
  } else {
    r.body = aging_json(report, with_rows);
  }
  return r;
}

Response get_overdue(Context& cx) {
  QueryErrors qe;
  OverdueFilter filter;
  filter.as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  filter.currency = query_currency(cx, qe);
  filter.min_days = static_cast<int>(query_int(cx, "min_days", 1, 36500, qe).value_or(1));
  filter.collector = query_id(cx, "collector", qe);
  filter.salesperson = query_id(cx, "salesperson", qe);
  if (auto g = query_text(cx, "grade")) {
    if (*g == "A" || *g == "B" || *g == "C") filter.grade = (*g)[0];
    else qe.errors.push_back({"grade", "must be A, B or C"});
  }
  // Ordered by amount, not by a key: the cursor is the offset of the next row.
  const PageRequest page = query_page(cx, qe, true);
  if (!qe.errors.empty()) return malformed(qe);
  const std::vector<OverdueRow> rows = cx.books.reports().overdue(filter);
  const std::size_t from = page.after.empty() ? 0 : std::min<std::size_t>(std::stoull(page.after), rows.size());
  const std::size_t to = std::min(rows.size(), from + page.limit);
  json items = json::array();
  for (std::size_t k = from; k < to; ++k) {
    const OverdueRow& row = rows[k];
    const Customer& c = row.customer;
    items.push_back({{"customer", c.id},
                     {"name", c.name},
                     {"currency", c.currency.str()},
                     {"overdue_amount", row.overdue_amount},
                     {"max_days_overdue", row.max_days_overdue},
                     {"invoices", row.invoices},
                     {"dunning_level", row.dunning_level ? json(*row.dunning_level) : json(nullptr)},
                     {"collector", c.collector ? json(*c.collector) : json(nullptr)},
                     {"grade", c.grade ? json(std::string(1, *c.grade)) : json(nullptr)},
                     {"on_hold", c.on_hold},
                     {"promise", row.promise ? json{{"id", std::to_string(row.promise->id)},
                                                    {"amount", row.promise->promise.amount},
                                                    {"promised_date", format_date(row.promise->promise.promised_date)},
                                                    {"paid", row.promise->paid}}
                                              : json(nullptr)}});
  }
  return list_response(cx, std::move(items), to < rows.size() ? std::optional(std::to_string(to)) : std::nullopt);
}

Response get_statement(Context& cx) {
  QueryErrors qe;
  const auto [from, to] = query_period(cx, qe);
  if (!qe.errors.empty()) return malformed(qe);
  auto customer = cx.books.ledger().customer(cx.params[0]);
  if (!customer) return problem(404, "there is no customer " + cx.params[0]);
  const Statement s = cx.books.reports().statement(*customer, from, to);
  json lines = json::array();
  for (const StatementLine& line : s.lines) {
    const Posting& p = line.posting;
    lines.push_back({{"date", format_date(p.posted_on)},
                     {"kind", std::string(to_string(p.kind))},
                     {"document", p.document},
                     {"invoice", p.invoice ? json(*p.invoice) : json(nullptr)},
                     {"payment_reference", line.payment_reference.empty() ? json(nullptr) : json(line.payment_reference)},
                     {"amount", line.amount},
                     {"balance", line.balance}});
  }
  if (wants_csv(cx.request)) {
    // The opening and closing balances are rows of their own, first and last.
    json rows = json::array();
    rows.push_back({{"date", format_date(s.from)}, {"kind", "opening_balance"}, {"document", nullptr},
                    {"invoice", nullptr}, {"payment_reference", nullptr}, {"amount", nullptr}, {"balance", s.opening}});
    for (json& line : lines) rows.push_back(std::move(line));
    rows.push_back({{"date", format_date(s.to)}, {"kind", "closing_balance"}, {"document", nullptr},
                    {"invoice", nullptr}, {"payment_reference", nullptr}, {"amount", nullptr}, {"balance", s.closing}});
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = items_csv(rows);
    return r;
  }
  return json_response(200, {{"customer", s.customer.id},
                             {"name", s.customer.name},
                             {"currency", s.customer.currency.str()},
                             {"from", format_date(s.from)},
                             {"to", format_date(s.to)},
                             {"opening_balance", s.opening},
                             {"lines", std::move(lines)},
                             {"closing_balance", s.closing}});
}

// GET /v1/reports/balances?from=&to=&currency=: the balance table (contract §8).
Response get_balances(Context& cx) {
  QueryErrors qe;
  const auto [from, to] = query_period(cx, qe);
  const Currency currency = query_currency(cx, qe);
  if (!qe.errors.empty()) return malformed(qe);
  const BalanceReport report = cx.books.reports().balances(from, to, currency);
  auto columns = [](json row, const BalanceRow& r) {
    row["opening"] = r.opening;
    row["invoiced"] = r.invoiced;
    row["received"] = r.received;
    row["credited"] = r.credited;
    row["written_off"] = r.written_off;
    row["reversed"] = r.reversed;
    row["closing"] = r.closing;
    return row;
  };
  json customers = json::array();
  for (const auto& [id, row] : report.table.customers) {
    auto name = report.names.find(id);
    customers.push_back(columns({{"customer", id}, {"name", name == report.names.end() ? "" : name->second}}, row));
  }
  if (wants_csv(cx.request)) {
    customers.push_back(columns({{"customer", "total"}, {"name", ""}}, report.table.totals));
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = items_csv(customers);
    return r;
  }
  return json_response(200, {{"from", format_date(from)},
                             {"to", format_date(to)},
                             {"currency", currency.str()},
                             {"customers", std::move(customers)},
                             {"totals", columns(json::object(), report.table.totals)}});
}

namespace {

json ratio(const std::optional<std::int64_t>& tenths) {
  return tenths ? json(static_cast<double>(*tenths) / 10) : json(nullptr);
}

// A KPI row's figures (core/kpis.hpp), after what names its group or month.
json kpi_json(json row, const KpiRow& r) {
  row["opening_ar"] = r.opening_ar;
  row["closing_ar"] = r.closing_ar;
  row["invoiced"] = r.invoiced;
  row["collected"] = r.collected;
  row["dso"] = ratio(r.dso);
  row["best_possible_dso"] = ratio(r.best_possible_dso);
  row["add"] = ratio(r.add);
  row["cei"] = ratio(r.cei);
  row["wadl"] = ratio(r.wadl);
  return row;
}

Response rows_response(Context& cx, json rows, json doc, const char* key) {
  if (wants_csv(cx.request)) {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = items_csv(rows);
    return r;
  }
  doc[key] = std::move(rows);
  return json_response(200, doc);
}

}  // namespace

// GET /v1/reports/kpis?from=&to=&currency=&group_by=none|salesperson|collector|grade
// (contract §8; core/kpis.hpp has the definitions).
Response get_kpis(Context& cx) {
  QueryErrors qe;
  const auto [from, to] = query_period(cx, qe);
  const Currency currency = query_currency(cx, qe);
  const std::string group_by = query_text(cx, "group_by").value_or("none");
  if (group_by != "none" && group_by != "salesperson" && group_by != "collector" && group_by != "grade")
    qe.errors.push_back({"group_by", "must be none, salesperson, collector or grade"});
  if (!qe.errors.empty()) return malformed(qe);
  // Each customer's group: null for a customer that has none.
  auto group_of = [&](const Customer& c) -> std::optional<std::string> {
    if (group_by == "salesperson") return c.salesperson;
    if (group_by == "collector") return c.collector;
    if (group_by == "grade") return c.grade ? std::optional(std::string(1, *c.grade)) : std::nullopt;
    return std::string("all");
  };
  std::map<std::optional<std::string>, std::vector<KpiInputs>> groups;
  if (group_by == "none") groups[std::string("all")];
  for (const KpiCustomer& k : cx.books.reports().kpi_inputs(from, to, currency))
    groups[group_of(k.customer)].push_back(k.inputs);
  const int days = static_cast<int>((to - from).count()) + 1;
  json rows = json::array();
  for (const auto& [group, members] : groups)
    rows.push_back(kpi_json({{"group", group ? json(*group) : json(nullptr)}}, kpis(members, days)));
  return rows_response(cx, std::move(rows),
                       {{"from", format_date(from)}, {"to", format_date(to)}, {"currency", currency.str()},
                        {"days", days}, {"group_by", group_by}},
                       "groups");
}

// GET /v1/reports/kpis/trend?from=&to=&currency=: the KPIs of all customers for each calendar
// month that from..to touches (each month cut to the range), for the chart. Each month is read
// as GET /v1/reports/kpis reads a period, so at most kpi_trend_months_max of them.
Response get_kpi_trend(Context& cx) {
  constexpr int kpi_trend_months_max = 36;
  QueryErrors qe;
  auto [from, to] = query_period(cx, qe);
  if (!query_text(cx, "from")) {  // a year unless said: the twelve months to `to`
    const auto last = date::year_month_day(to);
    from = Date(date::year_month_day((last.year() / last.month() / 1)) - date::months(11));
  }
  const Currency currency = query_currency(cx, qe);
  const auto first = date::year_month_day(from), last = date::year_month_day(to);
  const int months = (static_cast<int>(last.year()) - static_cast<int>(first.year())) * 12 +
                     static_cast<int>(static_cast<unsigned>(last.month())) -
                     static_cast<int>(static_cast<unsigned>(first.month())) + 1;
  if (qe.errors.empty() && months > kpi_trend_months_max)
    qe.errors.push_back({"from", "must be at most " + std::to_string(kpi_trend_months_max) + " months before to"});
  if (!qe.errors.empty()) return malformed(qe);
  json rows = json::array();
  for (date::year_month month = first.year() / first.month(); month <= last.year() / last.month();
       month += date::months(1)) {
    const Date start = std::max(from, Date(month / 1)), end = std::min(to, Date(month / date::last));
    std::vector<KpiInputs> all;
    for (const KpiCustomer& k : cx.books.reports().kpi_inputs(start, end, currency)) all.push_back(k.inputs);
    const KpiRow r = kpis(all, static_cast<int>((end - start).count()) + 1);
    rows.push_back(kpi_json({{"month", format_date(start).substr(0, 7)}, {"from", format_date(start)},
                             {"to", format_date(end)}}, r));
  }
  return rows_response(cx, std::move(rows),
                       {{"from", format_date(from)}, {"to", format_date(to)}, {"currency", currency.str()}}, "months");
}

namespace {

json provision_policy_json(const ProvisionPolicy& policy) {
  json rates = json::object();
  const std::vector<std::string> labels = provision_labels(policy);
  for (std::size_t j = 0; j < labels.size(); ++j) rates[labels[j]] = policy.rates_bp[j];
  return {{"buckets", policy.bounds}, {"rates_bp", std::move(rates)}, {"disputed_bp", policy.disputed_bp}};
}

// A provision row's columns: {"ar", "provision", "by_bucket": {label: {"ar", "provision"}, ..., "disputed": ...}}
// (each bucket's rate is the policy's, given once beside the rows).
json provision_columns(json row, const ProvisionRow& r, const std::vector<std::string>& labels) {
  row["ar"] = r.ar;
  row["provision"] = r.provision;
  json buckets = json::object();
  for (std::size_t j = 0; j < labels.size(); ++j)
    buckets[labels[j]] = {{"ar", r.buckets[j].ar}, {"provision", r.buckets[j].provision}};
  buckets["disputed"] = {{"ar", r.disputed.ar}, {"provision", r.disputed.provision}};
  row["by_bucket"] = std::move(buckets);
  return row;
}

}  // namespace

Response get_provision_policy(Context& cx) {
  return json_response(200, provision_policy_json(cx.books.reports().provision_policy()));
}

// PUT /v1/provision-policy: a field left out keeps its value; new buckets need a rate for each.
Response put_provision_policy(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  ProvisionPolicy p = cx.books.reports().provision_policy();
  const std::vector<std::string> old_labels = provision_labels(p);
  std::map<std::string, int> rates;
  for (std::size_t j = 0; j < old_labels.size(); ++j) rates[old_labels[j]] = p.rates_bp[j];
  if (const json* b = f.get("buckets")) {
    p.bounds.clear();
    if (b->is_array())
      for (const json& v : *b) p.bounds.push_back(v.is_number_integer() ? v.get<int>() : -1);
    if (!b->is_array() || !validate(AgingSpec{Date{}, AgingBasis::due_date, p.bounds}).empty())
      f.error("buckets", "must be 1 to 12 ascending whole numbers of days from 1 to 36500");
  }
  if (const json* r = f.get("rates_bp")) {
    if (!r->is_object()) f.error("rates_bp", "must be an object of a rate per bucket");
    else
      for (auto it = r->begin(); it != r->end(); ++it) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > provision_rate_bp_max)
          f.error("rates_bp." + it.key(), "must be whole basis points from 0 to 10000");
        else rates[it.key()] = it->get<int>();
      }
  }
  if (f.has("disputed_bp"))
    p.disputed_bp = static_cast<int>(f.integer("disputed_bp", Need::required, 0, provision_rate_bp_max).value_or(p.disputed_bp));
  if (errors.empty()) {
    // The rates of the policy's buckets, by label: each must be given (or kept from before).
    p.rates_bp.clear();
    const std::vector<std::string> labels = provision_labels(p);
    for (const std::string& label : labels) {
      if (auto it = rates.find(label); it != rates.end()) p.rates_bp.push_back(it->second);
      else f.error("rates_bp." + label, "must be given: a rate for every bucket");
    }
    if (const json* r = f.get("rates_bp"); r && r->is_object())
      for (auto it = r->begin(); it != r->end(); ++it)
        if (std::find(labels.begin(), labels.end(), it.key()) == labels.end())
          f.error("rates_bp." + it.key(), "is not a bucket of the policy");
  }
  if (errors.empty())
    for (const FieldError& e : validate(p)) errors.push_back(e);
  if (!errors.empty()) return problem(422, "the policy has invalid fields", errors);
  cx.books.reports().put_provision_policy(cx.actor, p);
  return json_response(200, provision_policy_json(cx.books.reports().provision_policy()));
}

// GET /v1/reports/provision?as_of=&currency=&compare_to=: the provision as of a date under the
// policy; with compare_to (an earlier date), each row's provision then under the same policy
// and the movement between.
Response get_provision(Context& cx) {
  QueryErrors qe;
  const Date as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  const Currency currency = query_currency(cx, qe);
  const std::optional<Date> compare_to = query_date(cx, "compare_to", qe);
  if (qe.errors.empty() && compare_to && *compare_to > as_of)
    qe.errors.push_back({"compare_to", "must not be after as_of"});
  if (!qe.errors.empty()) return malformed(qe);
  ProvisionReport report = cx.books.reports().provision(as_of, currency);
  const ProvisionTable& t = report.table;
  std::map<std::string, std::int64_t> previous;
  std::int64_t previous_total = 0;
  if (compare_to) {
    const ProvisionReport then = cx.books.reports().provision(*compare_to, currency);
    for (const ProvisionRow& row : then.table.customers) {
      previous[row.customer] = row.provision;
      previous_total += row.provision;
    }
    report.names.insert(then.names.begin(), then.names.end());
  }
  auto movement = [&](json& row, const std::string& id, std::int64_t now, std::int64_t then) {
    if (!compare_to) return;
    row["previous_provision"] = then;
    row["movement"] = now - then;
    previous.erase(id);
  };
  json customers = json::array();
  for (const ProvisionRow& row : t.customers) {
    auto name = report.names.find(row.customer);
    json j = provision_columns({{"customer", row.customer}, {"name", name == report.names.end() ? "" : name->second}},
                               row, t.labels);
    auto then = previous.find(row.customer);
    movement(j, row.customer, row.provision, then == previous.end() ? 0 : then->second);
    customers.push_back(std::move(j));
  }
  // Customers provided for then and not now: their whole provision released.
  const ProvisionRow none{"", std::vector<ProvisionCell>(t.labels.size()), {}, 0, 0};
  for (const auto& [id, then] : std::map<std::string, std::int64_t>(previous)) {
    auto name = report.names.find(id);
    json j = provision_columns({{"customer", id}, {"name", name == report.names.end() ? "" : name->second}}, none, t.labels);
    movement(j, id, 0, then);
    customers.push_back(std::move(j));
  }
  json totals = provision_columns(json::object(), t.totals, t.labels);
  if (compare_to) {
    totals["previous_provision"] = previous_total;
    totals["movement"] = t.totals.provision - previous_total;
  }
  if (wants_csv(cx.request)) {
    totals["customer"] = "total";
    customers.push_back(std::move(totals));
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = items_csv(customers);
    return r;
  }
  return json_response(200, {{"as_of", format_date(as_of)},
                             {"currency", currency.str()},
                             {"compare_to", compare_to ? json(format_date(*compare_to)) : json(nullptr)},
                             {"policy", provision_policy_json(report.policy)},
                             {"customers", std::move(customers)},
                             {"totals", std::move(totals)}});
}

// GET /v1/reports/provision/matrix?as_of=&currency=: the rates the book's last twelve whole
// months suggest (core/provision.hpp), beside the policy's; never applied by itself.
Response get_provision_matrix(Context& cx) {
  QueryErrors qe;
  const Date as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  const Currency currency = query_currency(cx, qe);
  if (!qe.errors.empty()) return malformed(qe);
  const ProvisionPolicy policy = cx.books.reports().provision_policy();
  const std::vector<ProposedRate> proposed = cx.books.reports().provision_history(as_of, currency);
  const std::vector<std::string> labels = provision_labels(policy);
  const auto month = date::year_month_day(as_of).year() / date::year_month_day(as_of).month();
  json rows = json::array();
  for (std::size_t j = 0; j < labels.size(); ++j)
    rows.push_back({{"bucket", labels[j]},
                    {"ar", proposed[j].ar},
                    {"roll_bp", nullable(proposed[j].roll_bp)},
                    {"proposed_bp", nullable(proposed[j].rate_bp)},
                    {"policy_bp", policy.rates_bp[j]}});
  return rows_response(cx, std::move(rows),
                       {{"as_of", format_date(as_of)},
                        {"currency", currency.str()},
                        {"from", format_date(Date((month - date::months(13)) / date::last))},
                        {"to", format_date(Date((month - date::months(1)) / date::last))}},
                       "buckets");
}

namespace {

json watch_policy_json(const WatchPolicy& p) {
  auto opt = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  return {{"window_days", p.window_days},         {"near_limit_bp", opt(p.near_limit_bp)},
          {"slower_by_days", opt(p.slower_by_days)}, {"broken_promise", p.broken_promise},
          {"bounced_payment", p.bounced_payment}, {"grade_drop", p.grade_drop},
          {"due_soon_days", opt(p.due_soon_days)},   {"due_soon_limit_bp", p.due_soon_limit_bp}};
}

}  // namespace

Response get_watch_policy(Context& cx) { return json_response(200, watch_policy_json(cx.books.reports().watch_policy())); }

// PUT /v1/watch-policy: a field left out keeps its value; null switches a threshold's signal off.
Response put_watch_policy(Context& cx) {
  Response bad;
  auto body = read_body(cx.request, bad);
  if (!body) return bad;
  FieldErrors errors;
  Fields f(*body, errors);
  WatchPolicy p = cx.books.reports().watch_policy();
  auto flag = [&](const char* name, bool& target) {
    if (f.has(name)) target = f.boolean(name, Need::required).value_or(target);
  };
  auto threshold = [&](const char* name, std::optional<int>& target) {
    if (!f.has(name)) return;
    if (f.is_null(name)) target.reset();
    else if (auto v = f.integer(name, Need::required, -1000000, 1000000)) target = static_cast<int>(*v);
  };
  auto number = [&](const char* name, int& target) {
    if (f.has(name)) target = static_cast<int>(f.integer(name, Need::required, -1000000, 1000000).value_or(target));
  };
  number("window_days", p.window_days);
  threshold("near_limit_bp", p.near_limit_bp);
  threshold("slower_by_days", p.slower_by_days);
  flag("broken_promise", p.broken_promise);
  flag("bounced_payment", p.bounced_payment);
  flag("grade_drop", p.grade_drop);
  threshold("due_soon_days", p.due_soon_days);
  number("due_soon_limit_bp", p.due_soon_limit_bp);
  if (errors.empty())
    for (const FieldError& e : validate(p)) errors.push_back(e);
  if (!errors.empty()) return problem(422, "the policy has invalid fields", errors);
  cx.books.reports().put_watch_policy(cx.actor, p);
  return json_response(200, watch_policy_json(cx.books.reports().watch_policy()));
}

// GET /v1/reports/watchlist?as_of=&customer=: the customers showing early signs of trouble.
Response get_watchlist(Context& cx) {
  QueryErrors qe;
  const Date as_of = query_date(cx, "as_of", qe).value_or(cx.today);
  auto customer = query_id(cx, "customer", qe);
  if (!qe.errors.empty()) return malformed(qe);
  json rows = json::array();
  for (const WatchRow& row : cx.books.reports().watchlist(as_of, customer)) {
    const Customer& c = row.customer;
    json signals = json::array();
    for (const Signal& s : row.signals) signals.push_back({{"code", s.code}, {"detail", s.detail}});
    rows.push_back({{"customer", c.id},
                    {"name", c.name},
                    {"currency", c.currency.str()},
                    {"balance", row.balance},
                    {"credit_limit", nullable(c.credit_limit)},
                    {"grade", c.grade ? json(std::string(1, *c.grade)) : json(nullptr)},
                    {"collector", c.collector ? json(*c.collector) : json(nullptr)},
                    {"salesperson", c.salesperson ? json(*c.salesperson) : json(nullptr)},
                    {"signals", std::move(signals)}});
  }
  return rows_response(cx, std::move(rows), {{"as_of", format_date(as_of)}}, "customers");
}

Response get_audit(Context& cx) {
  QueryErrors qe;
  const PageRequest page = query_page(cx, qe, true);
  auto entity = query_text(cx, "entity");
  if (entity && (entity->size() > 32 || entity->find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos))
    qe.errors.push_back({"entity", "must be a kind of entity such as invoice or customer"});
  auto id = query_id(cx, "id", qe);
  if (!qe.errors.empty()) return malformed(qe);
  Page<AuditEntry> found = cx.books.reports().audit(entity, id, page);
  json items = json::array();
  for (const AuditEntry& e : found.items) {
    json detail = json::parse(e.detail, nullptr, false);
    if (detail.is_discarded()) detail = e.detail;
    items.push_back({{"id", std::to_string(e.id)},
                     {"at", e.at},
                     {"actor", e.actor},
                     {"role", e.role},
                     {"action", e.action},
                     {"entity", e.entity},
                     {"entity_id", e.entity_id},
                     {"request_id", e.request_id},
                     {"detail", std::move(detail)}});
  }
  return list_response(cx, std::move(items), found.next_after);
}

}  // namespace tallyman::http
