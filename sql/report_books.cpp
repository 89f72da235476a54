// The reports (core/report_books.hpp): aging as of any date (LedgerStore and aging_query.cpp),
// the overdue list, a customer's statement, the audit trail.
#include "core/bank.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "customer_ranges.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace tallyman::sql {

AgingReport SqlReports::aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer,
                              const std::optional<std::string>& salesperson) {
  return guarded([&] {
    AgingReport all = LedgerStore(db_).aging(spec, currency, customer, report_parts);
    if (!salesperson) return all;
    // One salesperson's customers: their rows, and totals of those rows alone.
    Params p;
    std::string id;
    std::set<std::string> theirs;
    Query q(db_.session(), "SELECT id FROM customers WHERE salesperson = " + p.add(*salesperson), p);
    q.into(id);
    if (q.run()) do {
        theirs.insert(id);
      } while (q.fetch());
    AgingReport report = empty_aging(spec, currency);
    for (AgingRow& row : all.customers)
      if (theirs.contains(row.id)) add_aging_row(report, std::move(row));
    return report;
  });
}

std::vector<OverdueRow> SqlReports::overdue(const OverdueFilter& filter) {
  return guarded([&] {
    // Each invoice's open amount as of the date, from its postings, where it is overdue by at
    // least min_days; summed per customer in the loop.
    const Date due_by = filter.as_of - date::days(std::max(filter.min_days, 1));
    Params p;
    const std::string sql =
        "SELECT customer, MIN(due_date), SUM(open_delta) FROM postings WHERE currency = " + p.add(filter.currency.str()) +
        " AND invoice IS NOT NULL AND posted_on <= " + p.add(format_date(filter.as_of)) + " AND due_date <= " + p.add(format_date(due_by)) +
        " GROUP BY customer, invoice HAVING SUM(open_delta) > 0";
    std::string customer, due;
    long long open = 0;
    Query q(db_.session(), sql, p);
    q.into(customer).into(due).into(open);
    std::map<std::string, OverdueRow> rows;
    if (q.run()) do {
        OverdueRow& row = rows[customer];
        row.overdue_amount += open;
        row.max_days_overdue = std::max(row.max_days_overdue, static_cast<int>((filter.as_of - db_date(due)).count()));
        ++row.invoices;
      } while (q.fetch());
    std::set<std::string> ids;
    for (const auto& [id, row] : rows) ids.insert(id);
    {
      Params lp;
      std::string id;
      long long level = 0;
      Query levels(db_.session(), "SELECT id, dunning_level FROM customers WHERE dunning_level IS NOT NULL", lp);
      levels.into(id).into(level);
      if (levels.run()) do {
          if (auto it = rows.find(id); it != rows.end()) it->second.dunning_level = static_cast<int>(level);
        } while (levels.fetch());
    }
    {
      // A promise pending as of the date, for the customers that made one around it.
      Params pp;
      const std::string d1 = pp.add(format_date(filter.as_of)), d2 = pp.add(format_date(filter.as_of));
      std::string id;
      std::vector<std::string> promised;
      Query q(db_.session(),
              "SELECT DISTINCT customer FROM promises WHERE made_on <= " + d1 + " AND promised_date >= " + d2, pp);
      q.into(id);
      if (q.run()) do {
          if (rows.contains(id)) promised.push_back(id);
        } while (q.fetch());
      for (const std::string& customer : promised)
        for (PromiseView& v : SqlCollections(db_).promises(customer, filter.as_of))
          if (v.state == PromiseState::pending && v.promise.made_on <= filter.as_of) {
            rows[customer].promise = std::move(v);
            break;
          }
    }
    std::vector<OverdueRow> out;
    for (Customer& c : LedgerStore(db_).customers(ids)) {
      if (filter.collector && c.collector != filter.collector) continue;
      if (filter.salesperson && c.salesperson != filter.salesperson) continue;
      if (filter.grade && c.grade != filter.grade) continue;
      OverdueRow row = rows[c.id];
      row.customer = std::move(c);
      out.push_back(std::move(row));
    }
    std::sort(out.begin(), out.end(), [](const OverdueRow& a, const OverdueRow& b) {
      return std::tie(b.overdue_amount, a.customer.id) < std::tie(a.overdue_amount, b.customer.id);
    });
    return out;
  });
}

Statement SqlReports::statement(const Customer& customer, Date from, Date to) {
  return guarded([&] {
    Statement s{customer, from, to, 0, {}, 0};
    std::vector<Posting> postings = LedgerStore(db_).postings(customer.id, customer.currency);
    std::stable_sort(postings.begin(), postings.end(),
                     [](const Posting& a, const Posting& b) { return a.posted_on < b.posted_on; });
    // The payment references of the customer's invoices, for the lines that name one.
    std::map<std::string, std::string> references;
    {
      Params p;
      std::string number;
      long long serial = 0;
      Query q(db_.session(),
              "SELECT number, payment_serial FROM invoices WHERE customer = " + p.add(customer.id) +
                  " AND payment_serial IS NOT NULL",
              p);
      q.into(number).into(serial);
      if (q.run()) do {
          references[number] = invoice_payment_reference(serial);
        } while (q.fetch());
    }
    std::int64_t balance = 0;
    for (Posting& posting : postings) {
      if (posting.posted_on > to) break;
      const std::int64_t amount = posting.open_delta - posting.unapplied_delta;
      balance += amount;
      if (posting.posted_on < from) {
        s.opening = balance;
        continue;
      }
      auto reference = posting.invoice ? references.find(*posting.invoice) : references.end();
      s.lines.push_back({std::move(posting), amount, balance, reference == references.end() ? "" : reference->second});
    }
    s.closing = balance;
    return s;
  });
}

namespace {

// The balance table's sums for one range of customers (SqlReports::balances).
std::vector<PostingSums> balance_sums(Database& db, Date from, Date to, Currency currency, const CustomerRange& range) {
  // The journal of the currency up to `to`, summed per customer: before the period; in it,
  // all of it and the part of each kind that makes a column. A range of postings_aging
  // (currency first, then customer), which holds every column read, grouped in its order.
  // What the columns do not take (money applied from unapplied credit) goes to core as the
  // applied kinds' share, which core holds to zero.
  Params p;
  const std::string f = format_date(from);
  auto in_period = [&](PostingKind kind, const char* what) {
    return ", SUM(CASE WHEN posted_on >= " + p.add(f) + " AND kind = " + p.add(std::string(to_string(kind))) +
           " THEN " + what + " ELSE 0 END)";
  };
  std::string sql = "SELECT customer, SUM(CASE WHEN posted_on < " + p.add(f) +
                    " THEN open_delta - unapplied_delta ELSE 0 END), SUM(CASE WHEN posted_on >= " + p.add(f) +
                    " THEN open_delta - unapplied_delta ELSE 0 END)";
  sql += in_period(PostingKind::invoice, "open_delta");
  sql += in_period(PostingKind::payment, "unapplied_delta");
  sql += in_period(PostingKind::credit_note, "open_delta - unapplied_delta");
  sql += in_period(PostingKind::write_off, "open_delta");
  sql += in_period(PostingKind::payment_reversed, "open_delta - unapplied_delta");
  sql += " FROM postings WHERE currency = " + p.add(currency.str()) + " AND posted_on <= " + p.add(format_date(to)) +
         range.where(p) + " GROUP BY customer";
  std::string customer;
  long long before = 0, moved = 0, invoiced = 0, received = 0, credited = 0, written_off = 0, reversed = 0;
  Query q(db.session(), sql, p);
  q.into(customer).into(before).into(moved).into(invoiced).into(received).into(credited).into(written_off)
      .into(reversed);
  std::vector<PostingSums> sums;
  if (q.run()) do {
      const long long applied = moved - (invoiced - received + credited + written_off + reversed);
      sums.push_back({customer, PostingKind::invoice, before, invoiced, 0});
      sums.push_back({customer, PostingKind::payment, 0, 0, received});
      sums.push_back({customer, PostingKind::credit_note, 0, credited, 0});
      sums.push_back({customer, PostingKind::write_off, 0, written_off, 0});
      sums.push_back({customer, PostingKind::payment_reversed, 0, reversed, 0});
      sums.push_back({customer, PostingKind::payment_applied, 0, applied, 0});
    } while (q.fetch());
  return sums;
}

// The KPIs' inputs for one range of customers (SqlReports::kpi_inputs).
std::map<std::string, KpiInputs> kpi_sums(Database& db, Date from, Date to, Currency currency, const CustomerRange& range) {
  std::map<std::string, KpiInputs> inputs;
  {
    // AR is the sum of the postings' open_delta up to a day (the aging's buckets); not yet
    // due on the last day: an invoice due that day or later.
    Params p;
    const std::string f1 = p.add(format_date(from)), t1 = p.add(format_date(to)), f2 = p.add(format_date(from));
    const std::string sql =
        "SELECT customer, SUM(CASE WHEN posted_on < " + f1 + " THEN open_delta ELSE 0 END), SUM(open_delta),"
        " SUM(CASE WHEN due_date >= " + t1 + " THEN open_delta ELSE 0 END),"
        " SUM(CASE WHEN kind = 'invoice' AND posted_on >= " + f2 + " THEN open_delta ELSE 0 END)"
        " FROM postings WHERE currency = " + p.add(currency.str()) + " AND posted_on <= " + p.add(format_date(to)) +
        range.where(p) + " GROUP BY customer";
    std::string customer;
    long long opening = 0, closing = 0, not_due = 0, invoiced = 0;
    Query q(db.session(), sql, p);
    q.into(customer).into(opening).into(closing).into(not_due).into(invoiced);
    if (q.run()) do {
        KpiInputs& in = inputs[customer];
        in.opening_ar = opening;
        in.closing_ar = closing;
        in.closing_not_due = not_due;
        in.invoiced = invoiced;
      } while (q.fetch());
  }
  {
    // The payments' applications dated in the period, by the day applied and the day due.
    Params p;
    const std::string sql =
        "SELECT customer, posted_on, due_date, SUM(open_delta) FROM postings WHERE currency = " +
        p.add(currency.str()) + " AND kind = 'payment_applied' AND posted_on >= " + p.add(format_date(from)) +
        " AND posted_on <= " + p.add(format_date(to)) + range.where(p) + " GROUP BY customer, posted_on, due_date";
    std::string customer, applied_on, due;
    long long open_delta = 0;
    Query q(db.session(), sql, p);
    q.into(customer).into(applied_on).into(due).into(open_delta);
    if (q.run()) do {
        KpiInputs& in = inputs[customer];
        const std::int64_t amount = -open_delta;
        const long late = std::max<long>(0, (db_date(applied_on) - db_date(due)).count());
        in.collected += amount;
        in.collected_days_late += static_cast<Wide>(amount) * late;
      } while (q.fetch());
  }
  return inputs;
}

}  // namespace

BalanceReport SqlReports::balances(Date from, Date to, Currency currency) {
  return guarded([&] {
    std::vector<PostingSums> sums;
    for (auto& part : read_ranges(db_, customer_ranges(db_, report_parts), [&](Database& db, const CustomerRange& range) {
           return balance_sums(db, from, to, currency, range);
         }))
      sums.insert(sums.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    BalanceReport report{from, to, currency, balance_table(sums), {}};
    // The names of the currency's customers, in one read (a table of every customer of a large
    // book would otherwise look each up).
    Params n;
    std::string id, name;
    Query names(db_.session(), "SELECT id, name FROM customers WHERE currency = " + n.add(currency.str()), n);
    names.into(id).into(name);
    if (names.run()) do {
        report.names[id] = name;
      } while (names.fetch());
    return report;
  });
}

std::vector<KpiCustomer> SqlReports::kpi_inputs(Date from, Date to, Currency currency) {
  return guarded([&] {
    std::map<std::string, KpiInputs> inputs;
    for (auto& part : read_ranges(db_, customer_ranges(db_, report_parts), [&](Database& db, const CustomerRange& range) {
           return kpi_sums(db, from, to, currency, range);
         }))
      inputs.merge(part);
    std::set<std::string> ids;
    for (const auto& [id, in] : inputs) ids.insert(id);
    std::vector<KpiCustomer> out;
    for (Customer& c : LedgerStore(db_).customers(ids)) {
      const KpiInputs in = inputs.at(c.id);
      out.push_back({std::move(c), in});
    }
    return out;
  });
}

Page<AuditEntry> SqlReports::audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                                 const PageRequest& page) {
  return guarded([&] {
    Params p;
    const long long after = page.after.empty() ? 0 : std::stoll(page.after);
    std::string sql =
        "SELECT id, at, actor, role, action, entity, entity_id, request_id, detail FROM audit WHERE id > " + p.add(after);
    if (entity) sql += " AND entity = " + p.add(*entity);
    if (id) sql += " AND entity_id = " + p.add(*id);
    sql += " ORDER BY id" + limit_clause(p, page);
    long long key = 0;
    AuditEntry e;
    Query q(db_.session(), sql, p);
    q.into(key).into(e.at).into(e.actor).into(e.role).into(e.action).into(e.entity).into(e.entity_id).into(e.request_id)
        .into(e.detail);
    std::vector<AuditEntry> out;
    if (q.run()) do {
        e.id = key;
        out.push_back(e);
      } while (q.fetch());
    return finish_page(std::move(out), page, [](const AuditEntry& a) { return std::to_string(a.id); });
  });
}

}  // namespace tallyman::sql
