#include "sql/ledger_store.hpp"

#include "core/check.hpp"
#include "core/terms.hpp"
#include "core/text.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "bulk.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tallyman::sql {

Date db_date(const std::string& text) {
  auto d = parse_date(text);
  if (!d) throw DatabaseError("the database holds a malformed date: " + text);
  return *d;
}

std::string allocations_text(const std::vector<Allocation>& allocations) {
  std::string text;
  for (const Allocation& a : allocations) {
    if (!text.empty()) text += ';';
    text += a.invoice + '=' + std::to_string(a.amount);
  }
  return text;
}

std::vector<Allocation> db_allocations(const std::string& text) {
  std::vector<Allocation> out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find(';', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    const std::size_t eq = item.rfind('=');
    if (eq == std::string::npos) throw DatabaseError("the database holds malformed allocations: " + text);
    out.push_back({item.substr(0, eq), std::stoll(item.substr(eq + 1))});
    at = end + 1;
  }
  return out;
}

Currency db_currency(const std::string& text) {
  auto c = parse_currency(text);
  if (!c) throw DatabaseError("the database holds a malformed currency: " + text);
  return *c;
}

const char* const postings_insert_head =
    "INSERT INTO postings (customer, currency, posted_on, kind, document, invoice, issue_date, due_date,"
    " open_delta, unapplied_delta, recorded_at)";

void posting_cells(const Posting& p, const std::string& recorded_at, std::vector<Cell>& row) {
  auto opt_date = [](const std::optional<Date>& d) -> Cell { return d ? Cell{format_date(*d)} : Cell{nullptr}; };
  row.emplace_back(p.customer);
  row.emplace_back(p.currency.str());
  row.emplace_back(format_date(p.posted_on));
  row.emplace_back(std::string(to_string(p.kind)));
  row.emplace_back(p.document);
  row.push_back(p.invoice ? Cell{*p.invoice} : Cell{nullptr});
  row.push_back(opt_date(p.issue_date));
  row.push_back(opt_date(p.due_date));
  row.emplace_back(static_cast<long long>(p.open_delta));
  row.emplace_back(static_cast<long long>(p.unapplied_delta));
  row.emplace_back(recorded_at);
}


const LedgerStore::CustomerFactsMap& LedgerStore::customer_facts(
    const std::set<std::string>& ids) {
  if (all_facts_) return facts_;
  std::vector<std::string> missing;
  for (const std::string& id : ids)
    if (!facts_.contains(id)) missing.push_back(id);
  if (missing.empty()) return facts_;
  Params p;
  std::string id, currency, terms;
  // An empty-book load meets most of the book's customers: all of them in one read.
  const bool all = empty_book_;
  Query q(db_.session(),
          "SELECT id, currency, terms FROM customers" +
              (all ? std::string() : " WHERE id IN (" + placeholders(p, missing) + ")"),
          p);
  q.into(id).into(currency).into(terms);
  if (q.run()) do {
      facts_[id] = {db_currency(currency), terms};
    } while (q.fetch());
  all_facts_ = all;
  return facts_;
}

std::optional<LedgerResult> LedgerStore::refusal(const CustomerFactsMap& facts, const std::string& customer,
                                               Currency currency, const CustomerFacts** found) {
  auto it = facts.find(customer);
  if (it == facts.end()) return LedgerResult{LedgerOutcome::unknown_customer, "customer"};
  if (it->second.currency != currency) return LedgerResult{LedgerOutcome::currency_mismatch, "currency"};
  if (found) *found = &it->second;
  return std::nullopt;
}

const std::map<std::string, Terms, std::less<>>& LedgerStore::all_terms() {
  if (terms_) return *terms_;
  terms_.emplace();
  Params p;
  std::string code, basis;
  long long days = 0, discount_days = 0, discount_bp = 0;
  soci::indicator dd = soci::i_ok, db_ind = soci::i_ok;
  Query q(db_.session(), "SELECT code, basis, days, discount_days, discount_bp FROM terms", p);
  q.into(code).into(basis).into(days).into(discount_days, dd).into(discount_bp, db_ind);
  if (q.run()) do {
      Terms t{code, parse_terms_basis(basis).value_or(TermsBasis::invoice_date), static_cast<int>(days), std::nullopt};
      if (dd == soci::i_ok && db_ind == soci::i_ok)
        t.discount = Discount{static_cast<int>(discount_days), static_cast<int>(discount_bp)};
      (*terms_)[code] = t;
    } while (q.fetch());
  return *terms_;
}

std::vector<LedgerResult> LedgerStore::post_customers(std::span<const Customer> customers) {
  if (customers.empty()) return {};
  std::set<std::string> ids;
  for (const Customer& c : customers) ids.insert(c.id);
  const auto& terms = all_terms();
  std::map<std::string, Customer, std::less<>> known;
  for (Customer& c : this->customers(ids)) known[c.id] = std::move(c);

  std::vector<LedgerResult> results;
  std::vector<std::vector<Cell>> rows;
  const std::string now = utc_timestamp();
  for (const Customer& c : customers) {
    if (auto it = known.find(c.id); it != known.end()) {
      const Customer& s = it->second;
      std::vector<std::string> given = c.bank_accounts;
      std::sort(given.begin(), given.end());
      const bool same = s.name == c.name && s.currency == c.currency && s.credit_limit == c.credit_limit &&
                        s.terms == c.terms && s.collector == c.collector && s.salesperson == c.salesperson &&
                        (given.empty() || given == bank_accounts(c.id));
      results.push_back({same ? LedgerOutcome::replayed : LedgerOutcome::conflict, same ? "" : "id"});
      if (!same) break;
      continue;
    }
    if (!terms.contains(c.terms)) {
      results.push_back({LedgerOutcome::unknown_terms, "terms"});
      break;
    }
    if (!c.bank_accounts.empty() && !put_bank_accounts(c.id, c.bank_accounts).accepted()) {
      results.push_back({LedgerOutcome::account_taken, "bank_accounts"});
      break;
    }
    known[c.id] = c;
    facts_[c.id] = {c.currency, c.terms};
    results.push_back({LedgerOutcome::created, ""});
    rows.push_back({c.id, c.name, c.currency.str(),
                    c.credit_limit ? Cell{static_cast<long long>(*c.credit_limit)} : Cell{nullptr}, c.terms,
                    c.collector ? Cell{*c.collector} : Cell{nullptr},
                    c.grade ? Cell{std::string(1, *c.grade)} : Cell{nullptr}, static_cast<long long>(c.on_hold), now,
                    search_key(c.name), c.salesperson ? Cell{*c.salesperson} : Cell{nullptr}});
  }
  insert_rows(db_.session(),
              "INSERT INTO customers (id, name, currency, credit_limit, terms, collector, grade, on_hold, created_at,"
              " search_name, salesperson)",
              rows);
  return results;
}

std::vector<LedgerResult> LedgerStore::post_invoices(std::span<const Invoice> invoices) {
  if (invoices.empty()) return {};
  std::set<std::string> customer_ids, numbers;
  for (const Invoice& i : invoices) {
    if (!all_facts_) customer_ids.insert(i.customer);
    numbers.insert(i.number);
  }
  const auto& facts = customer_facts(customer_ids);
  const auto& terms = all_terms();

  // Invoices already stored under these numbers, with whether the due date was given.
  std::map<std::string, std::pair<Invoice, bool>, std::less<>> known;
  {
    Params p;
    std::string number, customer, issue, due, currency, order_ref;
    long long given = 0, amount = 0;
    soci::indicator order_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT number, customer, issue_date, due_date, due_date_given, amount, currency, order_ref FROM invoices"
            " WHERE number IN (" + placeholders(p, numbers) + ")",
            p);
    q.into(number).into(customer).into(issue).into(due).into(given).into(amount).into(currency).into(order_ref, order_ind);
    if (q.run()) do {
        Invoice i{number, customer, db_date(issue), db_date(due), amount, db_currency(currency),
                  order_ind == soci::i_ok ? std::optional<std::string>(order_ref) : std::nullopt};
        known[number] = {i, given != 0};
      } while (q.fetch());
  }

  std::vector<LedgerResult> results;
  std::vector<std::vector<Cell>> rows;
  std::vector<Posting> postings;
  const std::string now = utc_timestamp();
  for (const Invoice& i : invoices) {
    if (auto it = known.find(i.number); it != known.end()) {
      const Invoice& s = it->second.first;
      const bool same = s.customer == i.customer && s.issue_date == i.issue_date && s.amount == i.amount &&
                        s.currency == i.currency && s.order_ref == i.order_ref &&
                        (!i.due_date || i.due_date == s.due_date);
      results.push_back({same ? LedgerOutcome::replayed : LedgerOutcome::conflict, same ? "" : "number"});
      if (!same) break;
      continue;
    }
    const CustomerFacts* fact = nullptr;
    if (auto refused = refusal(facts, i.customer, i.currency, &fact)) {
      results.push_back(*refused);
      break;
    }
    auto customer_terms = terms.find(fact->terms);
    TM_ASSERT(customer_terms != terms.end());  // customers.terms references terms(code)
    const Date due = i.due_date.value_or(due_date(customer_terms->second, i.issue_date));
    Invoice stored = i;
    stored.due_date = due;
    known[i.number] = {stored, i.due_date.has_value()};
    results.push_back({LedgerOutcome::created, ""});
    rows.push_back({i.number, i.customer, format_date(i.issue_date), format_date(due),
                    static_cast<long long>(i.due_date.has_value()), static_cast<long long>(i.amount), i.currency.str(),
                    i.order_ref ? Cell{*i.order_ref} : Cell{nullptr}, static_cast<long long>(i.amount), now});
    postings.push_back(invoice_posting(i, due));
  }
  // Each new invoice's payment reference, numbered in the order posted.
  if (!rows.empty()) {
    std::int64_t serial = reserve_serials(db_, "invoice_reference", static_cast<std::int64_t>(rows.size()));
    for (std::vector<Cell>& row : rows) row.push_back(static_cast<long long>(serial++));
  }
  insert_rows(db_.session(),
              "INSERT INTO invoices (number, customer, issue_date, due_date, due_date_given, amount, currency,"
              " order_ref, open_amount, recorded_at, payment_serial)",
              rows);
  insert_postings(postings);
  consume_reservations(invoices, results);
  return results;
}

void LedgerStore::consume_reservations(std::span<const Invoice> invoices, const std::vector<LedgerResult>& results) {
  // Most books hold no reservation at all (an import, for one): asked once per store.
  if (!any_reservations_) {
    Params p;
    long long any = 0;
    Query(db_.session(), "SELECT EXISTS (SELECT 1 FROM reservations WHERE status = 'active')", p).into(any).run();
    any_reservations_ = any != 0;
  }
  if (!*any_reservations_) return;
  std::map<std::string, const Invoice*> by_order;
  for (std::size_t k = 0; k < results.size(); ++k)
    if (results[k].outcome == LedgerOutcome::created && invoices[k].order_ref) by_order[*invoices[k].order_ref] = &invoices[k];
  if (by_order.empty()) return;
  std::vector<std::string> refs;
  for (const auto& [ref, invoice] : by_order) refs.push_back(ref);
  Params p;
  std::string ref, customer;
  long long held = 0;
  std::vector<std::tuple<std::string, long long, long long>> changes;  // order, left, used
  Query q(db_.session(),
          "SELECT order_ref, customer, amount FROM reservations WHERE status = 'active' AND order_ref IN (" +
              placeholders(p, refs) + ")",
          p);
  q.into(ref).into(customer).into(held);
  if (q.run()) do {
      const Invoice& invoice = *by_order.at(ref);
      if (invoice.customer != customer) continue;  // another customer's order: not this invoice's to consume
      const long long left = std::max(0LL, held - static_cast<long long>(invoice.amount));
      changes.emplace_back(ref, left, held - left);
    } while (q.fetch());
  for (const auto& [order_ref, left, used] : changes) {
    Params u;
    execute(db_,
            "UPDATE reservations SET amount = " + u.add(left) + ", status = " +
                u.add(left == 0 ? "consumed" : "active") + " WHERE order_ref = " + u.add(order_ref),
            u);
    Params c;
    execute(db_,
            "UPDATE customers SET reserved_amount = reserved_amount - " + c.add(used) + " WHERE id = " +
                c.add(by_order.at(order_ref)->customer),
            c);
  }
}

void LedgerStore::insert_postings(const std::vector<Posting>& postings) {
  held_.insert(held_.end(), postings.begin(), postings.end());
  if (!bulk_) flush();
}

void LedgerStore::batch_done() {
  if (db_.dialect() == Dialect::mysql || held_.size() >= held_postings_max_) flush();
}

void LedgerStore::flush() {
  if (!held_payments_.empty()) {
    const std::string now = utc_timestamp();
    insert_rows(db_.session(),
                "INSERT INTO payments (reference, customer, received_date, amount, currency, allocations,"
                " unapplied_amount, recorded_at)",
                held_payments_.size(), [&](std::size_t k, std::vector<Cell>& row) -> const std::vector<Cell>& {
                  const HeldPayment& h = held_payments_[k];
                  const KnownPayment& p = *h.payment;
                  row = {h.reference, p.customer, format_date(p.received), static_cast<long long>(p.amount),
                         p.currency.str(), p.allocations, static_cast<long long>(h.unapplied), now};
                  return row;
                });
    held_payments_.clear();
  }
  flush_postings();
  if (!held_opens_.empty()) {
    // In the order of the key, so that the updates walk the table's pages one after another.
    std::vector<std::pair<std::string, std::int64_t>> opens(held_opens_.begin(), held_opens_.end());
    std::sort(opens.begin(), opens.end());
    set_open_amounts(opens);
    held_opens_.clear();
  }
}

void LedgerStore::flush_postings() {
  if (held_.empty()) return;
  // In the order of the aging index, so that its pages fill one after another rather than
  // at random; into an empty book, whose indexes are built afterwards, that build is faster
  // too (measured: 0.5 s of 14 for 1M invoices). The order of ids carries no meaning.
  // Pointers are sorted, not postings.
  std::vector<const Posting*> order;
  order.reserve(held_.size());
  for (const Posting& p : held_) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const Posting* a, const Posting* b) {
    return std::tie(a->currency, a->customer, a->posted_on) < std::tie(b->currency, b->customer, b->posted_on);
  });
  const std::string now = utc_timestamp();
  insert_rows(db_.session(), postings_insert_head, order.size(),
              [&](std::size_t k, std::vector<Cell>& scratch) -> const std::vector<Cell>& {
                posting_cells(*order[k], now, scratch);
                return scratch;
              });
  held_.clear();
}

void LedgerStore::forget() {
  flush();
  open_.clear();
  all_open_ = false;
  payments_.clear();
}

void LedgerStore::set_open_amounts(const std::vector<std::pair<std::string, std::int64_t>>& opens) {
  std::vector<std::pair<std::string, long long>> rows;
  rows.reserve(opens.size());
  for (const auto& [number, open] : opens) {
    TM_ASSERT(open >= 0);
    rows.emplace_back(number, open);
  }
  update_rows(db_.session(), "invoices", "number", "open_amount", rows);
}

std::vector<Customer> LedgerStore::customers(const std::set<std::string>& ids) {
  std::vector<Customer> found;
  if (ids.empty()) return found;
  Params p;
  std::string cid, name, currency, terms, collector, grade, salesperson;
  long long limit = 0, on_hold = 0;
  soci::indicator limit_ind = soci::i_ok, collector_ind = soci::i_ok, grade_ind = soci::i_ok, sales_ind = soci::i_ok;
  Query q(db_.session(),
          "SELECT id, name, currency, credit_limit, terms, collector, grade, on_hold, salesperson FROM customers"
          " WHERE id IN (" +
              placeholders(p, ids) + ")",
          p);
  q.into(cid).into(name).into(currency).into(limit, limit_ind).into(terms).into(collector, collector_ind)
      .into(grade, grade_ind).into(on_hold).into(salesperson, sales_ind);
  if (q.run()) do {
      Customer c{cid, name, db_currency(currency), std::nullopt, terms, std::nullopt, std::nullopt, on_hold != 0, {}, {}};
      if (sales_ind == soci::i_ok) c.salesperson = salesperson;
      if (limit_ind == soci::i_ok) c.credit_limit = limit;
      if (collector_ind == soci::i_ok) c.collector = collector;
      if (grade_ind == soci::i_ok && !grade.empty()) c.grade = grade[0];
      found.push_back(std::move(c));
    } while (q.fetch());
  return found;
}

std::optional<Customer> LedgerStore::customer(const std::string& id) {
  std::vector<Customer> found = customers({id});
  if (found.empty()) return std::nullopt;
  found.front().bank_accounts = bank_accounts(id);
  return std::move(found.front());
}

std::vector<std::string> LedgerStore::bank_accounts(const std::string& customer) {
  Params p;
  std::string account;
  std::vector<std::string> out;
  Query q(db_.session(), "SELECT account FROM customer_accounts WHERE customer = " + p.add(customer) + " ORDER BY account", p);
  q.into(account);
  if (q.run()) do {
      out.push_back(account);
    } while (q.fetch());
  return out;
}

LedgerResult LedgerStore::put_bank_accounts(const std::string& customer, const std::vector<std::string>& accounts) {
  if (!accounts.empty()) {
    Params p;
    std::string owner;
    Query q(db_.session(),
            "SELECT customer FROM customer_accounts WHERE account IN (" + placeholders(p, accounts) + ") AND customer <> " +
                p.add(customer),
            p);
    q.into(owner);
    if (q.run()) return {LedgerOutcome::account_taken, "bank_accounts"};
  }
  std::vector<std::string> sorted = accounts;
  std::sort(sorted.begin(), sorted.end());
  if (bank_accounts(customer) == sorted) return {LedgerOutcome::replayed, ""};
  Params d;
  execute(db_, "DELETE FROM customer_accounts WHERE customer = " + d.add(customer), d);
  std::vector<std::vector<Cell>> rows;
  for (const std::string& a : sorted) rows.push_back({a, customer});
  insert_rows(db_.session(), "INSERT INTO customer_accounts (account, customer)", rows);
  return {LedgerOutcome::updated, ""};
}

void LedgerStore::lock_customers(const std::set<std::string>& ids) {
  if (ids.empty() || db_.dialect() != Dialect::mysql) return;
  Params p;
  execute(db_, "SELECT id FROM customers WHERE id IN (" + placeholders(p, ids) + ") ORDER BY id" + db_.for_update(), p);
}

void LedgerStore::lock_all_customers() {
  if (db_.dialect() != Dialect::mysql) return;
  Params none;
  execute(db_, std::string("SELECT id FROM customers ORDER BY id") + db_.for_update(), none);
}

std::optional<InvoiceState> LedgerStore::invoice(const std::string& number) {
  Params p;
  std::string n, customer, issue, due, currency, order_ref;
  long long amount = 0, open = 0, disputed = 0;
  soci::indicator order_ind = soci::i_ok;
  Query q(db_.session(),
          "SELECT number, customer, issue_date, due_date, amount, currency, order_ref, open_amount, disputed"
          " FROM invoices WHERE number = " + p.add(number),
          p);
  q.into(n).into(customer).into(issue).into(due).into(amount).into(currency).into(order_ref, order_ind).into(open)
      .into(disputed);
  if (!q.run()) return std::nullopt;
  Invoice i{n, customer, db_date(issue), db_date(due), amount, db_currency(currency),
            order_ind == soci::i_ok ? std::optional<std::string>(order_ref) : std::nullopt};
  return InvoiceState{i, open, disputed != 0};
}

std::int64_t LedgerStore::unapplied(const std::string& customer) {
  Params p;
  long long total = 0;
  soci::indicator ind = soci::i_ok;
  const std::string c1 = p.add(customer), c2 = p.add(customer);
  Query(db_.session(),
        "SELECT SUM(u) FROM (SELECT unapplied_amount AS u FROM payments WHERE customer = " + c1 +
            " UNION ALL SELECT unapplied_amount FROM credit_notes WHERE customer = " + c2 + ") t",
        p)
      .into(total, ind)
      .run();
  return ind == soci::i_ok ? total : 0;
}

std::vector<Posting> LedgerStore::postings(const std::optional<std::string>& customer, std::optional<Currency> in) {
  Params p;
  std::string sql =
      "SELECT customer, currency, posted_on, kind, document, invoice, issue_date, due_date, open_delta,"
      " unapplied_delta FROM postings";
  if (customer) sql += " WHERE customer = " + p.add(*customer);
  if (customer && in) sql += " AND currency = " + p.add(in->str());
  sql += " ORDER BY id";
  std::string cust, currency, posted_on, kind, document, invoice, issue, due;
  long long open = 0, unapplied = 0;
  soci::indicator inv_ind = soci::i_ok, issue_ind = soci::i_ok, due_ind = soci::i_ok;
  Query q(db_.session(), sql, p);
  q.into(cust).into(currency).into(posted_on).into(kind).into(document).into(invoice, inv_ind).into(issue, issue_ind)
      .into(due, due_ind).into(open).into(unapplied);
  std::vector<Posting> out;
  if (q.run()) do {
      auto k = parse_posting_kind(kind);
      if (!k) throw DatabaseError("the database holds an unknown posting kind: " + kind);
      Posting posting{cust, db_currency(currency), db_date(posted_on), *k, document, std::nullopt, std::nullopt,
                      std::nullopt, open, unapplied};
      if (inv_ind == soci::i_ok) posting.invoice = invoice;
      if (issue_ind == soci::i_ok) posting.issue_date = db_date(issue);
      if (due_ind == soci::i_ok) posting.due_date = db_date(due);
      out.push_back(std::move(posting));
    } while (q.fetch());
  return out;
}

}  // namespace tallyman::sql
