// The reports (contract §4) and the audit trail: aging, the overdue list, statements.
#include "http/aging_document.hpp"
#include "handlers.hpp"

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
                     {"amount", line.amount},
                     {"balance", line.balance}});
  }
  if (wants_csv(cx.request)) {
    // The opening and closing balances are rows of their own, first and last.
    json rows = json::array();
    rows.push_back({{"date", format_date(s.from)}, {"kind", "opening_balance"}, {"document", nullptr},
                    {"invoice", nullptr}, {"amount", nullptr}, {"balance", s.opening}});
    for (json& line : lines) rows.push_back(std::move(line));
    rows.push_back({{"date", format_date(s.to)}, {"kind", "closing_balance"}, {"document", nullptr},
                    {"invoice", nullptr}, {"amount", nullptr}, {"balance", s.closing}});
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
