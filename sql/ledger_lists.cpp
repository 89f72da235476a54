// The ledger's lists beside the invoices: customers found by id or name with their balances,
// payments with where their money went, credit notes (core/ledger_books.hpp).
#include "core/text.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

// `text` for a LIKE pattern whose escape character is '!'.
std::string like_escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '!' || ch == '%' || ch == '_') out += '!';
    out += ch;
  }
  return out;
}

// The condition a search puts on customers c: the id starts with q (in any case), or each of
// q's words starts a word of the name (search_name holds " word word ...").
std::string search_condition(const std::string& q, Params& p) {
  std::string condition = "1 = 0";
  if (is_valid_id(q)) {  // ids are ASCII: a q that is none cannot start one
    std::string id_prefix;
    for (char ch : q) id_prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    condition = "LOWER(c.id) LIKE " + p.add(like_escaped(id_prefix) + "%") + " ESCAPE '!'";
  }
  const std::string key = search_key(q);  // " word word"
  if (key.empty()) return "(" + condition + ")";
  std::string words;
  for (std::size_t at = 1; at <= key.size();) {
    std::size_t end = key.find(' ', at);
    if (end == std::string::npos) end = key.size();
    words += std::string(words.empty() ? "" : " AND ") + "c.search_name LIKE " +
             p.add("% " + like_escaped(key.substr(at, end - at)) + "%") + " ESCAPE '!'";
    at = end + 1;
  }
  return "(" + condition + " OR (" + words + "))";
}

}  // namespace

Page<CustomerRow> SqlLedger::find_customers(const CustomerSearch& search, const PageRequest& page) {
  return guarded([&] {
    // The balances of each customer in the search (the sums read one customer's range of an
    // index each: invoices_customer_due, *_customer_unapplied), sorted in the database.
    Params p;
    const std::string today = p.add(format_date(search.today));
    std::string where = " WHERE 1 = 1";
    if (search.q) where += " AND " + search_condition(*search.q, p);
    if (search.currency) where += " AND c.currency = " + p.add(search.currency->str());
    const bool by_id = search.sort == CustomerSort::id;
    if (by_id && !page.after.empty()) where += std::string(" AND c.id ") + (search.descending ? "< " : "> ") + p.add(page.after);
    const char* direction = search.descending ? " DESC" : "";
    std::string order;
    switch (search.sort) {
      case CustomerSort::id: order = std::string("id") + direction; break;
      case CustomerSort::name: order = std::string("search_name") + direction + ", id"; break;
      case CustomerSort::balance: order = std::string("open_sum - credit_sum") + direction + ", id"; break;
      case CustomerSort::overdue: order = std::string("overdue_sum") + direction + ", id"; break;
    }
    std::string sql =
        "SELECT id, open_sum, credit_sum, overdue_sum FROM (SELECT c.id AS id, c.search_name AS search_name,"
        " COALESCE((SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0), 0)"
        " AS open_sum,"
        " COALESCE((SELECT SUM(CASE WHEN i.due_date < " + today + " THEN i.open_amount ELSE 0 END) FROM invoices i"
        " WHERE i.customer = c.id AND i.open_amount > 0), 0) AS overdue_sum,"
        " COALESCE((SELECT SUM(x.unapplied_amount) FROM payments x WHERE x.customer = c.id AND x.unapplied_amount > 0), 0)"
        " + COALESCE((SELECT SUM(n.unapplied_amount) FROM credit_notes n WHERE n.customer = c.id"
        " AND n.unapplied_amount > 0), 0) AS credit_sum"
        " FROM customers c" + where + ") found ORDER BY " + order + limit_clause(p, page);
    const long long offset = by_id || page.after.empty() ? 0 : std::stoll(page.after);
    if (offset > 0) sql += " OFFSET " + p.add(offset);
    std::string id;
    long long open = 0, credit = 0, overdue = 0;
    Query q(db_.session(), sql, p);
    q.into(id).into(open).into(credit).into(overdue);
    std::vector<CustomerRow> rows;
    std::set<std::string> ids;
    if (q.run()) do {
        rows.push_back({Customer{}, open, credit, overdue});
        rows.back().customer.id = id;
        ids.insert(id);
      } while (q.fetch());
    std::map<std::string, Customer> customers;
    for (Customer& c : LedgerStore(db_).customers(ids)) customers.emplace(c.id, std::move(c));
    for (CustomerRow& row : rows) row.customer = customers.at(row.customer.id);
    return finish_page(std::move(rows), page, [&](const CustomerRow& r) {
      return by_id ? r.customer.id : std::to_string(offset + static_cast<long long>(page.limit));
    });
  });
}

namespace {

// Payments as stored, each with its applications (postings of the payment's reference).
std::vector<PaymentView> read_payments(Database& db, const std::string& where, Params& p) {
  std::string ref, customer, received, currency, allocations, reversed_on, reason;
  long long amount = 0, unapplied = 0;
  soci::indicator on_ind = soci::i_ok, reason_ind = soci::i_ok;
  Query q(db.session(),
          "SELECT reference, customer, received_date, amount, currency, allocations, unapplied_amount, reversed_on,"
          " reversal_reason FROM payments " + where,
          p);
  q.into(ref).into(customer).into(received).into(amount).into(currency).into(allocations).into(unapplied)
      .into(reversed_on, on_ind).into(reason, reason_ind);
  std::vector<PaymentView> out;
  if (q.run()) do {
      PaymentView v{Payment{ref, customer, db_date(received), amount, db_currency(currency), {}}, {}, unapplied,
                    std::nullopt, std::nullopt};
      v.payment.allocations = db_allocations(allocations);
      if (on_ind == soci::i_ok) v.reversed_on = db_date(reversed_on);
      if (reason_ind == soci::i_ok) v.reversal_reason = reason;
      out.push_back(std::move(v));
    } while (q.fetch());
  // The applications, a customer at a time (postings_aging leads with currency and customer),
  // from the day the earliest of its payments here was received (none is applied before).
  std::map<std::pair<std::string, std::string>, PaymentView*> by_document;  // (customer, reference)
  std::map<std::pair<std::string, std::string>, Date> accounts;              // (currency, customer) -> from
  for (PaymentView& v : out) {
    by_document[{v.payment.customer, v.payment.reference}] = &v;
    const auto [at, added] = accounts.try_emplace({v.payment.currency.str(), v.payment.customer}, v.payment.received_date);
    if (!added) at->second = std::min(at->second, v.payment.received_date);
  }
  for (const auto& [account, from] : accounts) {
    const auto& [cur, cust] = account;
    Params a;
    std::string document, invoice, posted_on;
    long long open_delta = 0;
    Query applied(db.session(),
                  "SELECT document, invoice, posted_on, open_delta FROM postings WHERE currency = " + a.add(cur) +
                      " AND customer = " + a.add(cust) + " AND posted_on >= " + a.add(format_date(from)) +
                      " AND kind IN ('payment_applied', 'payment_reversed') AND invoice IS NOT NULL ORDER BY id",
                  a);
    applied.into(document).into(invoice).into(posted_on).into(open_delta);
    if (applied.run()) do {
        if (auto it = by_document.find({cust, document}); it != by_document.end())
          it->second->applications.push_back({invoice, -open_delta, db_date(posted_on)});
      } while (applied.fetch());
  }
  return out;
}

}  // namespace

std::optional<PaymentView> SqlLedger::payment(const std::string& reference) {
  return guarded([&]() -> std::optional<PaymentView> {
    Params p;
    std::vector<PaymentView> found = read_payments(db_, "WHERE reference = " + p.add(reference), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

Page<PaymentView> SqlLedger::payments(const std::optional<std::string>& customer, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string where = "WHERE reference > " + p.add(page.after);
    if (customer) where += " AND customer = " + p.add(*customer);
    std::vector<PaymentView> found = read_payments(db_, where + " ORDER BY reference" + limit_clause(p, page), p);
    return finish_page(std::move(found), page, [](const PaymentView& v) { return v.payment.reference; });
  });
}

Page<CreditNoteView> SqlLedger::credit_notes(const std::optional<std::string>& customer, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string sql =
        "SELECT number, customer, note_date, amount, currency, invoice, unapplied_amount FROM credit_notes"
        " WHERE number > " + p.add(page.after);
    if (customer) sql += " AND customer = " + p.add(*customer);
    sql += " ORDER BY number" + limit_clause(p, page);
    std::string number, cust, date, currency, invoice;
    long long amount = 0, unapplied = 0;
    soci::indicator invoice_ind = soci::i_ok;
    Query q(db_.session(), sql, p);
    q.into(number).into(cust).into(date).into(amount).into(currency).into(invoice, invoice_ind).into(unapplied);
    std::vector<CreditNoteView> out;
    if (q.run()) do {
        out.push_back({CreditNote{number, cust, db_date(date), amount, db_currency(currency),
                                  invoice_ind == soci::i_ok ? std::optional(invoice) : std::nullopt},
                       unapplied});
      } while (q.fetch());
    return finish_page(std::move(out), page, [](const CreditNoteView& v) { return v.note.number; });
  });
}

}  // namespace tallyman::sql
