// The finance reports' provisions and early warning (core/provision.hpp, core/watch.hpp), and
// their policies: one row each, id 1.
#include "books_shared.hpp"
#include "bulk.hpp"
#include "customer_ranges.hpp"
#include "rows.hpp"
#include "sql/books.hpp"
#include "sql/ledger_store.hpp"
#include "statement.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

std::string join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);
  }
  return out;
}

long long n(int v) { return v; }
std::optional<long long> n(const std::optional<int>& v) { return v ? std::optional<long long>(*v) : std::nullopt; }

}  // namespace

ProvisionPolicy SqlReports::provision_policy() {
  return guarded([&] {
    Params p;
    std::string buckets, rates;
    long long disputed = 0;
    Query q(db_.session(), "SELECT buckets, rates_bp, disputed_bp FROM provision_policy WHERE id = 1", p);
    q.into(buckets).into(rates).into(disputed);
    if (!q.run()) throw DatabaseError("the provision policy is missing: run tallyman migrate");
    // Both lists are written by put_provision_policy from a validated policy.
    return ProvisionPolicy{parse_aging_bounds(buckets).value(), [&] {
                             std::vector<int> out;
                             for (std::size_t at = 0; at <= rates.size();) {
                               const std::size_t comma = std::min(rates.find(',', at), rates.size());
                               out.push_back(std::stoi(rates.substr(at, comma - at)));
                               at = comma + 1;
                             }
                             return out;
                           }(),
                           static_cast<int>(disputed)};
  });
}

PolicyChange SqlReports::put_provision_policy(const Actor& actor, const ProvisionPolicy& policy) {
  if (provision_policy() == policy) return PolicyChange::unchanged;
  return write(db_, actor, "provision_policy.put", "provision_policy", "1", [&](LedgerStore&) {
    Params p;
    execute(db_,
            "UPDATE provision_policy SET buckets = " + p.add(join(policy.bounds)) + ", rates_bp = " +
                p.add(join(policy.rates_bp)) + ", disputed_bp = " + p.add(n(policy.disputed_bp)) + " WHERE id = 1",
            p);
    return PolicyChange::changed;
  });
}

ProvisionReport SqlReports::provision(Date as_of, Currency currency) {
  return guarded([&] {
    ProvisionReport report{as_of, currency, provision_policy(), {}, {}};
    const AgingSpec spec{as_of, AgingBasis::due_date, report.policy.bounds};
    const AgingReport aging = LedgerStore(db_).aging(spec, currency, std::nullopt, report_parts);
    // The disputed invoices' open amounts as of the date, by their bucket then. They are few:
    // found through the invoices, then their postings through their customers' ranges of
    // postings_aging (a join let the planner walk the whole journal instead).
    std::vector<std::pair<std::string, std::string>> in_dispute;  // (customer, number)
    {
      Params p;
      std::string customer, number;
      Query q(db_.session(),
              "SELECT customer, number FROM invoices WHERE disputed = 1 AND currency = " + p.add(currency.str()), p);
      q.into(customer).into(number);
      if (q.run()) do {
          in_dispute.emplace_back(customer, number);
        } while (q.fetch());
    }
    std::map<std::string, std::vector<std::int64_t>> disputed;
    for_each_part(in_dispute, rows_per_statement, [&](std::span<const std::pair<std::string, std::string>> part) {
      std::set<std::string> customers, numbers;
      for (const auto& [customer, number] : part) {
        customers.insert(customer);
        numbers.insert(number);
      }
      Params p;
      const std::string sql = "SELECT customer, due_date, SUM(open_delta) FROM postings WHERE currency = " +
                              p.add(currency.str()) + " AND customer IN (" + placeholders(p, customers) +
                              ") AND posted_on <= " + p.add(format_date(as_of)) + " AND invoice IN (" +
                              placeholders(p, numbers) + ") GROUP BY customer, invoice, due_date";
      std::string customer, due;
      long long open = 0;
      Query q(db_.session(), sql, p);
      q.into(customer).into(due).into(open);
      if (q.run()) do {
          if (open == 0) continue;
          auto& row = disputed[customer];
          row.resize(aging.labels.size());
          row[bucket_of(spec, db_date(due), db_date(due))] += open;
        } while (q.fetch());
    });
    report.table = provision_table(report.policy, aging, disputed);
    for (const AgingRow& row : aging.customers) report.names[row.id] = row.name;
    return report;
  });
}

namespace {

// The roll sums of one range of customers over the month-ends `ends` (SqlReports::provision_history).
std::vector<RollSums> roll_sums(Database& db, Currency currency, const std::vector<Date>& ends,
                                const std::vector<int>& bounds, const CustomerRange& range) {
  // Per due and issue date: the open amount at each month-end, and what had been written off
  // by then. One pass over the range of postings_aging.
  Params p;
  std::string sql = "SELECT due_date, issue_date";
  for (Date end : ends) sql += ", SUM(CASE WHEN posted_on <= " + p.add(format_date(end)) + " THEN open_delta ELSE 0 END)";
  for (Date end : ends)
    sql += ", SUM(CASE WHEN kind = 'write_off' AND posted_on <= " + p.add(format_date(end)) +
           " THEN -open_delta ELSE 0 END)";
  sql += " FROM postings WHERE currency = " + p.add(currency.str()) + " AND posted_on <= " +
         p.add(format_date(ends.back())) + range.where(p) + " AND due_date IS NOT NULL GROUP BY due_date, issue_date";
  std::string due, issue;
  std::vector<long long> open(ends.size()), written(ends.size());
  Query q(db.session(), sql, p);
  q.into(due).into(issue);
  for (long long& v : open) q.into(v);
  for (long long& v : written) q.into(v);
  std::vector<RollSums> sums(bounds.size() + 2);
  if (q.run()) do {
      const Date due_on = db_date(due), issued = db_date(issue);
      for (std::size_t k = 0; k + 1 < ends.size(); ++k) {
        if (issued > ends[k] || open[k] <= 0) continue;
        const std::size_t b = bucket_of(AgingSpec{ends[k], AgingBasis::due_date, bounds}, due_on, issued);
        RollSums& s = sums[b];
        s.at_start += open[k];
        const std::int64_t off = std::clamp<std::int64_t>(written[k + 1] - written[k], 0, open[k]);
        s.written_off += off;
        if (bucket_of(AgingSpec{ends[k + 1], AgingBasis::due_date, bounds}, due_on, issued) > b)
          s.rolled += std::clamp<std::int64_t>(open[k + 1], 0, open[k] - off);
      }
    } while (q.fetch());
  return sums;
}

}  // namespace

std::vector<ProposedRate> SqlReports::provision_history(Date as_of, Currency currency) {
  return guarded([&] {
    const ProvisionPolicy policy = provision_policy();
    // The last days of the thirteen months before as_of's month: twelve steps of a month.
    std::vector<Date> ends;
    const date::year_month first = date::year_month_day(as_of).year() / date::year_month_day(as_of).month();
    for (int k = 13; k >= 1; --k) ends.push_back(Date((first - date::months(k)) / date::last));
    std::vector<RollSums> sums(policy.bounds.size() + 2);
    for (const std::vector<RollSums>& part :
         read_ranges(db_, customer_ranges(db_, report_parts), [&](Database& db, const CustomerRange& range) {
           return roll_sums(db, currency, ends, policy.bounds, range);
         }))
      for (std::size_t b = 0; b < sums.size(); ++b) {
        sums[b].at_start += part[b].at_start;
        sums[b].rolled += part[b].rolled;
        sums[b].written_off += part[b].written_off;
      }
    return proposed_rates(sums);
  });
}

WatchPolicy SqlReports::watch_policy() {
  return guarded([&] {
    Params p;
    long long window = 0, near = 0, slower = 0, promise = 0, bounced = 0, grade = 0, soon = 0, soon_bp = 0;
    soci::indicator near_ind = soci::i_ok, slower_ind = soci::i_ok, soon_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT window_days, near_limit_bp, slower_by_days, broken_promise, bounced_payment, grade_drop,"
            " due_soon_days, due_soon_limit_bp FROM watch_policy WHERE id = 1",
            p);
    q.into(window).into(near, near_ind).into(slower, slower_ind).into(promise).into(bounced).into(grade)
        .into(soon, soon_ind).into(soon_bp);
    if (!q.run()) throw DatabaseError("the watch policy is missing: run tallyman migrate");
    auto opt = [](long long v, soci::indicator ind) {
      return ind == soci::i_ok ? std::optional<int>(static_cast<int>(v)) : std::nullopt;
    };
    return WatchPolicy{static_cast<int>(window), opt(near, near_ind), opt(slower, slower_ind), promise != 0,
                       bounced != 0, grade != 0, opt(soon, soon_ind), static_cast<int>(soon_bp)};
  });
}

PolicyChange SqlReports::put_watch_policy(const Actor& actor, const WatchPolicy& w) {
  if (watch_policy() == w) return PolicyChange::unchanged;
  return write(db_, actor, "watch_policy.put", "watch_policy", "1", [&](LedgerStore&) {
    Params p;
    execute(db_,
            "UPDATE watch_policy SET window_days = " + p.add(n(w.window_days)) + ", near_limit_bp = " +
                p.add(n(w.near_limit_bp)) + ", slower_by_days = " + p.add(n(w.slower_by_days)) +
                ", broken_promise = " + p.add(n(w.broken_promise)) + ", bounced_payment = " +
                p.add(n(w.bounced_payment)) + ", grade_drop = " + p.add(n(w.grade_drop)) + ", due_soon_days = " +
                p.add(n(w.due_soon_days)) + ", due_soon_limit_bp = " + p.add(n(w.due_soon_limit_bp)) + " WHERE id = 1",
            p);
    return PolicyChange::changed;
  });
}

std::vector<WatchRow> SqlReports::watchlist(Date as_of, const std::optional<std::string>& only) {
  return guarded([&] {
    const WatchPolicy policy = watch_policy();
    const Date window_start = as_of - date::days(policy.window_days);  // the window is after this day
    const Date before_start = window_start - date::days(policy.window_days);
    std::map<std::string, WatchInputs> inputs;
    auto of_customer = [&](Params& p) { return only ? " AND customer = " + p.add(*only) : std::string(); };
    {
      // Each customer's balance as of the date, and what is open then and due soon after.
      Params p;
      const Date soon = as_of + date::days(policy.due_soon_days.value_or(0));
      const std::string sql =
          "SELECT customer, SUM(open_delta - unapplied_delta), SUM(CASE WHEN due_date > " +
          p.add(format_date(as_of)) + " AND due_date <= " + p.add(format_date(soon)) +
          " THEN open_delta ELSE 0 END) FROM postings WHERE posted_on <= " + p.add(format_date(as_of)) +
          of_customer(p) + " GROUP BY currency, customer";
      std::string customer;
      long long balance = 0, due_soon = 0;
      Query q(db_.session(), sql, p);
      q.into(customer).into(balance).into(due_soon);
      if (q.run()) do {
          WatchInputs& in = inputs[customer];
          in.balance = balance;
          in.due_soon = due_soon;
        } while (q.fetch());
    }
    if (policy.slower_by_days) {
      // The payments' applications of the last two windows, by the day applied and the day due.
      Params p;
      const std::string sql =
          "SELECT customer, posted_on, due_date, SUM(open_delta) FROM postings WHERE kind = 'payment_applied'"
          " AND posted_on > " + p.add(format_date(before_start)) + " AND posted_on <= " + p.add(format_date(as_of)) +
          of_customer(p) + " GROUP BY customer, posted_on, due_date";
      std::string customer, applied_on, due;
      long long open_delta = 0;
      Query q(db_.session(), sql, p);
      q.into(customer).into(applied_on).into(due).into(open_delta);
      if (q.run()) do {
          const Date on = db_date(applied_on);
          LatePayments& late = on > window_start ? inputs[customer].recent : inputs[customer].before;
          const std::int64_t amount = -open_delta;
          late.applied += amount;
          late.days_late += static_cast<Wide>(amount) * std::max<long>(0, (on - db_date(due)).count());
        } while (q.fetch());
    }
    if (policy.broken_promise) {
      // Promises whose day fell in the window, judged as of the date.
      Params p;
      std::string customer;
      std::set<std::string> promised;
      Query q(db_.session(),
              "SELECT DISTINCT customer FROM promises WHERE promised_date > " + p.add(format_date(window_start)) +
                  " AND promised_date < " + p.add(format_date(as_of)) + of_customer(p),
              p);
      q.into(customer);
      if (q.run()) do {
          promised.insert(customer);
        } while (q.fetch());
      for (const std::string& c : promised)
        for (const PromiseView& v : SqlCollections(db_).promises(c, as_of)) {
          const Date day = v.promise.promised_date;
          if (v.state != PromiseState::broken || day <= window_start || v.promise.made_on > as_of) continue;
          WatchInputs& in = inputs[c];
          if (!in.broken_promise || day > *in.broken_promise) {
            in.broken_promise = day;
            in.promised = v.promise.amount;
          }
        }
    }
    if (policy.bounced_payment) {
      Params p;
      std::string customer, reference, on;
      long long amount = 0;
      Query q(db_.session(),
              "SELECT customer, reference, reversed_on, amount FROM payments WHERE reversed_on > " +
                  p.add(format_date(window_start)) + " AND reversed_on <= " + p.add(format_date(as_of)) +
                  of_customer(p) + " ORDER BY reversed_on, reference",
              p);
      q.into(customer).into(reference).into(on).into(amount);
      if (q.run()) do {
          WatchInputs& in = inputs[customer];
          in.reversed_on = db_date(on);
          in.reversed_payment = reference;
          in.reversed_amount = amount;
        } while (q.fetch());
    }
    if (policy.grade_drop) {
      Params p;
      std::string customer, on, before, after;
      soci::indicator before_ind = soci::i_ok;
      Query q(db_.session(),
              "SELECT customer, as_of, old_grade, new_grade FROM grade_changes WHERE as_of > " +
                  p.add(format_date(window_start)) + " AND as_of <= " + p.add(format_date(as_of)) + of_customer(p) +
                  " ORDER BY id",
              p);
      q.into(customer).into(on).into(before, before_ind).into(after);
      if (q.run()) do {
          // A grade is lower further along the alphabet: A, B, C.
          if (before_ind != soci::i_ok || before.empty() || after.empty() || after[0] <= before[0])
            continue;
          WatchInputs& in = inputs[customer];
          in.graded_on = db_date(on);
          in.grade_before = before[0];
          in.grade_after = after[0];
        } while (q.fetch());
    }
    std::set<std::string> ids;
    for (const auto& [id, in] : inputs) ids.insert(id);
    std::vector<WatchRow> out;
    for (Customer& c : LedgerStore(db_).customers(ids)) {
      WatchInputs& in = inputs.at(c.id);
      in.customer = std::move(c);
      std::vector<Signal> signals = watch_signals(policy, in);
      if (!signals.empty()) out.push_back({std::move(in.customer), in.balance, std::move(signals)});
    }
    return out;
  });
}

}  // namespace tallyman::sql
