// Property: random books posted through the real store, on SQLite and on MariaDB, age
// exactly as a small reference model says, as of random dates, with random buckets and
// either basis. The model below is written from the contract alone (it shares no code
// with core's allocation or aging): open amounts, the allocation order, and the buckets.
// The same books give the finance reports of contract §8 the model gives: every KPI's
// figures for random periods, and the provision under a random policy with random disputes.
#include "core/aging.hpp"
#include "sql/books.hpp"
#include "sql/ledger_store.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace tallyman;

namespace {

struct ModelInvoice {
  std::string number, customer, currency;
  long issue, due;  // days since 2026-01-01
  std::int64_t amount, open;
  struct Applied {
    long date;
    std::int64_t amount;
    bool payment;  // a payment's money (the KPIs' collected), not a credit note's, a write-off or a reversal
    std::string source;  // the payment or credit note whose money it was
  };
  std::vector<Applied> applied;
};

struct ModelCredit {  // a payment's leftover or a credit note without invoice
  std::string customer, currency;
  long date;
  std::int64_t amount;
  std::string document;
  std::int64_t remaining;
};

struct ModelPoolApplication {  // unapplied credit applied later
  std::string customer, currency;
  long date;
  std::int64_t amount;
};

struct Model {
  std::vector<ModelInvoice> invoices;
  std::vector<ModelCredit> credits;
  std::vector<ModelPoolApplication> pool_applications;

  ModelInvoice* find(const std::string& number) {
    for (auto& i : invoices)
      if (i.number == number) return &i;
    return nullptr;
  }

  // Oldest due date first, then by number, among this customer's open invoices issued by `date`.
  void pay(const std::string& reference, const std::string& customer, const std::string& currency, long date,
           std::int64_t amount,
           const std::vector<std::pair<std::string, std::int64_t>>& explicit_allocations) {
    for (const auto& [number, a] : explicit_allocations) {
      ModelInvoice* inv = find(number);
      inv->open -= a;
      inv->applied.push_back({date, a, true, reference});
      amount -= a;
    }
    std::vector<ModelInvoice*> open;
    for (auto& i : invoices)
      if (i.customer == customer && i.open > 0 && i.issue <= date) open.push_back(&i);
    std::sort(open.begin(), open.end(), [](auto* x, auto* y) { return std::tie(x->due, x->number) < std::tie(y->due, y->number); });
    for (ModelInvoice* i : open) {
      const std::int64_t a = std::min(amount, i->open);
      if (a == 0) break;
      i->open -= a;
      i->applied.push_back({date, a, true, reference});
      amount -= a;
    }
    if (amount > 0) credits.push_back({customer, currency, date, amount, reference, amount});
  }

  // Oldest credit first (then by document), among those dated by `date`; false if short.
  bool apply(ModelInvoice& inv, long date, std::int64_t amount) {
    std::vector<ModelCredit*> usable;
    std::int64_t available = 0;
    for (auto& c : credits)
      if (c.customer == inv.customer && c.date <= date && c.remaining > 0) {
        usable.push_back(&c);
        available += c.remaining;
      }
    if (available < amount || inv.open < amount || inv.issue > date) return false;
    std::sort(usable.begin(), usable.end(), [](auto* x, auto* y) { return std::tie(x->date, x->document) < std::tie(y->date, y->document); });
    std::int64_t left = amount;
    for (ModelCredit* c : usable) {
      const std::int64_t take = std::min(left, c->remaining);
      if (take == 0) break;
      c->remaining -= take;
      left -= take;
      inv.applied.push_back({date, take, c->document.starts_with("PAY-"), c->document});
    }
    inv.open -= amount;
    pool_applications.push_back({inv.customer, inv.currency, date, amount});
    return true;
  }

  // A payment bounced on `date`: each application of its money is undone that day (the
  // invoices reopen) and what was left of it unapplied goes. False when `date` is before the
  // payment or one of its applications, as the books refuse it then.
  bool reverse(const std::string& reference, long received, long date) {
    if (date < received) return false;
    for (const auto& inv : invoices)
      for (const auto& a : inv.applied)
        if (a.source == reference && a.date > date) return false;
    for (auto& inv : invoices) {
      std::int64_t undone = 0;
      for (const auto& a : inv.applied)
        if (a.source == reference) undone += a.amount;
      if (undone == 0) continue;
      inv.open += undone;
      inv.applied.push_back({date, -undone, false, "REV-" + reference});
    }
    // (Found first, pushed after: a push_back may move the credits, and `c` with them.)
    auto left = std::find_if(credits.begin(), credits.end(),
                             [&](const ModelCredit& c) { return c.document == reference && c.remaining > 0; });
    if (left != credits.end()) {
      const ModelCredit gone{left->customer, left->currency, date, -left->remaining, "REV-" + reference, 0};
      left->remaining = 0;
      credits.push_back(gone);
    }
    return true;
  }

  // customer -> {bucket amounts..., unapplied}
  std::map<std::string, std::vector<std::int64_t>> age(long as_of, bool by_due, const std::vector<int>& bounds,
                                                       const std::string& currency) const {
    const std::size_t n = bounds.size() + (by_due ? 2 : 1);
    std::map<std::string, std::vector<std::int64_t>> rows;
    auto row = [&](const std::string& c) -> std::vector<std::int64_t>& {
      auto& r = rows[c];
      if (r.empty()) r.assign(n + 1, 0);
      return r;
    };
    for (const auto& i : invoices) {
      if (i.currency != currency || i.issue > as_of) continue;
      std::int64_t open = i.amount;
      for (const auto& a : i.applied)
        if (a.date <= as_of) open -= a.amount;
      if (open == 0) continue;
      const long days = as_of - (by_due ? i.due : i.issue);
      std::size_t bucket;
      if (by_due && days <= 0) {
        bucket = 0;
      } else {
        bucket = n - 1;
        for (std::size_t k = 0; k < bounds.size(); ++k)
          if (days <= bounds[k]) {
            bucket = k + (by_due ? 1 : 0);
            break;
          }
      }
      row(i.customer)[bucket] += open;
    }
    for (const auto& c : credits)
      if (c.currency == currency && c.date <= as_of) row(c.customer)[n] += c.amount;
    for (const auto& a : pool_applications)
      if (a.currency == currency && a.date <= as_of) row(a.customer)[n] -= a.amount;
    std::erase_if(rows, [](const auto& kv) { return std::all_of(kv.second.begin(), kv.second.end(), [](auto v) { return v == 0; }); });
    return rows;
  }
};

// An invoice's open amount as of a day (0 before it is issued).
std::int64_t open_as_of(const ModelInvoice& i, long day) {
  if (i.issue > day) return 0;
  std::int64_t open = i.amount;
  for (const auto& a : i.applied)
    if (a.date <= day) open -= a.amount;
  return open;
}

// The KPIs' figures of contract §8 for the days from..to, per customer of the currency.
struct ModelKpi {
  std::int64_t opening_ar = 0, closing_ar = 0, not_due = 0, invoiced = 0, collected = 0;
  Wide days_late = 0;
  bool operator==(const ModelKpi&) const = default;
};

std::map<std::string, ModelKpi> model_kpis(const Model& m, const std::string& currency, long from, long to) {
  std::map<std::string, ModelKpi> out;
  for (const ModelInvoice& i : m.invoices) {
    if (i.currency != currency) continue;
    ModelKpi& k = out[i.customer];
    k.opening_ar += open_as_of(i, from - 1);
    k.closing_ar += open_as_of(i, to);
    if (i.due >= to) k.not_due += open_as_of(i, to);
    if (i.issue >= from && i.issue <= to) k.invoiced += i.amount;
    for (const auto& a : i.applied)
      if (a.payment && a.date >= from && a.date <= to) {
        k.collected += a.amount;
        k.days_late += static_cast<Wide>(a.amount) * std::max<long>(0, a.date - i.due);
      }
  }
  std::erase_if(out, [](const auto& kv) { return kv.second == ModelKpi{}; });
  return out;
}

// num ÷ den in tenths, rounded half away from zero, as the contract words it.
std::optional<std::int64_t> model_tenths(Wide num, Wide den) {
  if (den == 0) return std::nullopt;
  const bool negative = (num < 0) != (den < 0);
  const Wide n = num < 0 ? -num : num, d = den < 0 ? -den : den;
  const Wide whole = n * 10 / d, rest = n * 10 % d;
  const std::int64_t rounded = static_cast<std::int64_t>(whole + (2 * rest >= d ? 1 : 0));
  return negative ? -rounded : rounded;
}

// The provision as of a day: per customer, each bucket's open invoices not in dispute times
// its rate and the disputed ones at disputed_bp, each rounded half up (a bucket summing below
// zero provides nothing); customers with AR only.
std::map<std::string, std::int64_t> model_provision(const Model& m, const std::string& currency, long day,
                                                    const ProvisionPolicy& policy, const std::set<std::string>& disputed) {
  std::map<std::string, std::vector<std::int64_t>> ar;  // buckets..., disputed
  for (const ModelInvoice& i : m.invoices) {
    const std::int64_t open = open_as_of(i, day);
    if (i.currency != currency || open == 0) continue;
    auto& row = ar[i.customer];
    row.resize(policy.bounds.size() + 3);
    std::size_t bucket = 0;  // current while the day is on or before the due date
    if (day > i.due) {
      bucket = policy.bounds.size() + 1;
      for (std::size_t k = 0; k < policy.bounds.size(); ++k)
        if (day - i.due <= policy.bounds[k]) {
          bucket = k + 1;
          break;
        }
    }
    row[disputed.contains(i.number) ? policy.bounds.size() + 2 : bucket] += open;
  }
  std::map<std::string, std::int64_t> out;
  for (const auto& [customer, row] : ar) {
    if (std::all_of(row.begin(), row.end(), [](std::int64_t v) { return v == 0; })) continue;
    std::int64_t total = 0;
    for (std::size_t k = 0; k < row.size(); ++k) {
      const int rate = k + 1 == row.size() ? policy.disputed_bp : policy.rates_bp[k];
      if (row[k] > 0) total += static_cast<std::int64_t>((static_cast<Wide>(row[k]) * rate + 5000) / 10000);
    }
    out[customer] = total;
  }
  return out;
}

int pool_applied = 0;  // books must exercise late applications, or the property says little
int reversed = 0;      // and reversals

Date day(long n) { return parse_date("2026-01-01").value() + date::days{n}; }

void check_book(const std::string& backend, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };
  test::TestDb t(backend);
  sql::LedgerStore store(t.db());
  Model model;

  const std::vector<std::pair<std::string, std::string>> customers{{"C-1", "EUR"}, {"C-2", "EUR"}, {"C-3", "USD"}, {"C-4", "EUR"}};
  {
    std::vector<Customer> cs;
    for (const auto& [id, cur] : customers)
      cs.push_back({id, "Name " + id, *parse_currency(cur), std::nullopt, id == "C-2" ? "EOM30" : "NET30", {}, {}, false, {}});
    sql::WriteTransaction tx(t.db());
    store.post_customers(cs);
    tx.commit();
  }
  const int events = 70;
  std::vector<std::pair<std::string, long>> payments;  // not reversed yet: (reference, received)
  for (int e = 0; e < events; ++e) {
    const auto& [cust, cur] = customers[pick(0, customers.size() - 1)];
    const Currency currency = *parse_currency(cur);
    sql::WriteTransaction tx(t.db());
    const long kind = pick(0, 9);
    if (kind < 5 || model.invoices.empty()) {
      const long issue = pick(0, 300);
      const bool given = pick(0, 1) == 1;
      const long due = given ? issue + pick(0, 90) : -1;
      const std::string number = "INV-" + std::to_string(e);
      Invoice inv{number, cust, day(issue), given ? std::optional<Date>(day(due)) : std::nullopt, pick(1, 500000), currency, {}};
      REQUIRE(store.post_invoices(std::vector<Invoice>{inv}).at(0).outcome == LedgerOutcome::created);
      const long resolved = (store.invoice(number).value().invoice.due_date.value() - day(0)).count();
      model.invoices.push_back({number, cust, cur, issue, resolved, inv.amount, inv.amount, {}});
    } else if (kind == 8 && pick(0, 1) == 0) {  // unapplied credit applied to an open invoice
      for (auto& inv : model.invoices) {
        if (inv.customer != cust || inv.open == 0) continue;
        const long date = inv.issue + pick(0, 60);
        const std::int64_t amount = pick(1, inv.open);
        ModelInvoice before = inv;
        std::vector<ModelCredit> credits_before = model.credits;
        const bool model_applies = model.apply(inv, date, amount);
        const auto got = store.apply_credit(cust, inv.number, amount, day(date)).outcome;
        if (!model_applies) {
          CHECK(got == LedgerOutcome::exceeds_unapplied);
          inv = before;
          model.credits = credits_before;
        } else {
          CHECK(got == LedgerOutcome::created);
          ++pool_applied;
        }
        break;
      }
    } else if (kind < 9) {
      const long received = pick(0, 330);
      std::vector<std::pair<std::string, std::int64_t>> explicit_allocations;
      Payment pay{"PAY-" + std::to_string(e), cust, day(received), pick(1, 600000), currency, {}};
      if (pick(0, 2) == 0) {  // an explicit allocation to one of this customer's open invoices
        for (const auto& i : model.invoices)
          if (i.customer == cust && i.open > 0 && i.issue <= received) {
            const std::int64_t a = std::min<std::int64_t>(i.open, pick(1, pay.amount));
            pay.allocations.push_back({i.number, a});
            explicit_allocations.push_back({i.number, a});
            break;
          }
      }
      REQUIRE(store.post_payments(std::vector<Payment>{pay}).at(0).outcome == LedgerOutcome::created);
      model.pay(pay.reference, cust, cur, received, pay.amount, explicit_allocations);
      payments.push_back({pay.reference, received});
    } else if (kind == 9 && pick(0, 2) == 0) {  // a write-off of part of an open invoice
      ModelInvoice* target = nullptr;
      for (auto& i : model.invoices)
        if (i.customer == cust && i.open > 0) target = &i;
      if (target != nullptr) {
        const long date = target->issue + pick(0, 60);
        const std::int64_t amount = pick(1, target->open);
        REQUIRE(store.post_write_off(target->number, amount, day(date), "WO-" + std::to_string(e)).outcome ==
                LedgerOutcome::created);
        target->open -= amount;
        target->applied.push_back({date, amount, false, "WO"});
      }
    } else if (kind == 9 && pick(0, 1) == 0 && !payments.empty()) {  // a payment bounces
      const auto [reference, received] = payments[pick(0, static_cast<long>(payments.size()) - 1)];
      const long date = received + pick(0, 90);
      const auto got = store.reverse_payment(reference, day(date), "bounced").outcome;
      if (model.reverse(reference, received, date)) {
        CHECK(got == LedgerOutcome::created);
        ++reversed;
      } else {
        CHECK(got == LedgerOutcome::dated_too_early);
      }
      std::erase_if(payments, [&](const auto& p) { return p.first == reference; });
    } else {
      const long date = pick(0, 330);
      CreditNote note{"CN-" + std::to_string(e), cust, day(date), pick(1, 50000), currency, std::nullopt};
      ModelInvoice* target = nullptr;
      for (auto& i : model.invoices)
        if (i.customer == cust && i.open >= note.amount && i.issue <= date) target = &i;
      if (target != nullptr && pick(0, 1) == 0) {
        note.invoice = target->number;
        target->open -= note.amount;
        target->applied.push_back({date, note.amount, false, note.number});
      } else {
        model.credits.push_back({cust, cur, date, note.amount, note.number, note.amount});
      }
      REQUIRE(store.post_credit_note(note).outcome == LedgerOutcome::created);
    }
    tx.commit();
  }

  // The projections agree with the model (and so with the journal).
  for (const auto& i : model.invoices) CHECK(store.invoice(i.number).value().open_amount == i.open);

  const std::vector<Posting> journal = store.postings();
  for (int probe = 0; probe < 12; ++probe) {
    const long as_of = pick(-10, 400);
    const bool by_due = pick(0, 1) == 1;
    std::vector<int> bounds;
    for (int b = static_cast<int>(pick(1, 20)); bounds.size() < static_cast<std::size_t>(pick(1, 4)); b += static_cast<int>(pick(1, 45)))
      bounds.push_back(b);
    const std::string cur = pick(0, 3) == 0 ? "USD" : "EUR";
    AgingSpec spec{day(as_of), by_due ? AgingBasis::due_date : AgingBasis::issue_date, bounds};
    INFO("seed " << seed << " as_of " << format_date(spec.as_of) << " basis " << to_string(spec.basis) << " " << cur);
    const AgingReport report = store.aging(spec, *parse_currency(cur));
    std::map<std::string, std::vector<std::int64_t>> got;
    for (const AgingRow& row : report.customers) {
      auto v = row.buckets;
      v.push_back(row.unapplied);
      got[row.id] = v;
    }
    CHECK(got == model.age(as_of, by_due, bounds, cur));
    // Split across connections, the same report.
    const AgingReport split = store.aging(spec, *parse_currency(cur), std::nullopt, 3);
    CHECK(split.customers.size() == report.customers.size());
    CHECK(split.totals.buckets == report.totals.buckets);
    CHECK(split.totals.unapplied == report.totals.unapplied);
    // The reference fold over the stored journal agrees too.
    const AgingReport folded = age_postings(spec, *parse_currency(cur), journal);
    CHECK(folded.totals.buckets == report.totals.buckets);
    CHECK(folded.totals.unapplied == report.totals.unapplied);
  }

  // The KPIs of random periods: each customer's figures, and the ratios of them all.
  sql::SqlReports reports(t.db());
  for (int probe = 0; probe < 8; ++probe) {
    const long from = pick(-10, 330), to = from + pick(0, 90);
    const std::string cur = pick(0, 3) == 0 ? "USD" : "EUR";
    INFO("seed " << seed << " KPIs " << format_date(day(from)) << " .. " << format_date(day(to)) << " " << cur);
    std::map<std::string, ModelKpi> got;
    std::vector<KpiInputs> all;
    for (const KpiCustomer& k : reports.kpi_inputs(day(from), day(to), *parse_currency(cur))) {
      const KpiInputs& in = k.inputs;
      ModelKpi v{in.opening_ar, in.closing_ar, in.closing_not_due, in.invoiced, in.collected, in.collected_days_late};
      if (!(v == ModelKpi{})) got[k.customer.id] = v;
      all.push_back(in);
    }
    const std::map<std::string, ModelKpi> expected = model_kpis(model, cur, from, to);
    CHECK(got == expected);
    ModelKpi sum;
    for (const auto& [id, k] : expected) {
      sum.opening_ar += k.opening_ar;
      sum.closing_ar += k.closing_ar;
      sum.not_due += k.not_due;
      sum.invoiced += k.invoiced;
      sum.collected += k.collected;
      sum.days_late += k.days_late;
    }
    const long days = to - from + 1;
    const KpiRow r = kpis(all, static_cast<int>(days));
    CHECK(r.dso == model_tenths(static_cast<Wide>(sum.closing_ar) * days, sum.invoiced));
    CHECK(r.best_possible_dso == model_tenths(static_cast<Wide>(sum.not_due) * days, sum.invoiced));
    CHECK(r.cei == model_tenths((static_cast<Wide>(sum.opening_ar) + sum.invoiced - sum.closing_ar) * 100,
                                static_cast<Wide>(sum.opening_ar) + sum.invoiced - sum.not_due));
    CHECK(r.wadl == model_tenths(sum.days_late, sum.collected));
    CHECK(r.collected == sum.collected);
  }

  // The provision under a random policy, with random invoices in dispute.
  std::set<std::string> disputed;
  {
    sql::SqlLedger ledger(t.db());
    const Actor clerk{"clerk", Role::collector, "", "{}"};
    for (const ModelInvoice& i : model.invoices)
      if (pick(0, 4) == 0) {
        REQUIRE(ledger.dispute(clerk, i.number, std::string("disputed")).accepted());
        disputed.insert(i.number);
      }
  }
  for (int probe = 0; probe < 4; ++probe) {
    ProvisionPolicy policy;
    policy.bounds.clear();
    for (int b = static_cast<int>(pick(1, 30)); policy.bounds.size() < static_cast<std::size_t>(pick(1, 4)); b += static_cast<int>(pick(1, 60)))
      policy.bounds.push_back(b);
    policy.rates_bp.clear();
    for (std::size_t k = 0; k < policy.bounds.size() + 2; ++k) policy.rates_bp.push_back(static_cast<int>(pick(0, 10000)));
    policy.disputed_bp = static_cast<int>(pick(0, 10000));
    reports.put_provision_policy(Actor{"boss", Role::manager, "", "{}"}, policy);
    const long as_of = pick(-10, 400);
    const std::string cur = pick(0, 3) == 0 ? "USD" : "EUR";
    INFO("seed " << seed << " provision as of " << format_date(day(as_of)) << " " << cur);
    const ProvisionReport report = reports.provision(day(as_of), *parse_currency(cur));
    std::map<std::string, std::int64_t> got;
    std::int64_t total = 0;
    for (const ProvisionRow& row : report.table.customers) {
      got[row.customer] = row.provision;
      total += row.provision;
    }
    CHECK(got == model_provision(model, cur, as_of, policy, disputed));
    CHECK(report.table.totals.provision == total);
  }
}

}  // namespace

TEST_CASE("aging property: random books on SQLite age, and give the KPIs and provisions, as the reference model says", "[sql][property]") {
  pool_applied = 0;
  reversed = 0;
  for (unsigned seed = 1; seed <= 25; ++seed) check_book("sqlite", seed);
  CHECK(pool_applied > 10);
  CHECK(reversed > 10);
}

TEST_CASE("aging property: random books on MariaDB age, and give the KPIs and provisions, as the reference model says", "[sql][mysql][property]") {
  for (unsigned seed = 101; seed <= 110; ++seed) check_book("mysql", seed);
}
