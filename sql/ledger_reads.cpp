// What a request can read from the books: resources, pages of lists, reports.
// Lists are keyset-paginated: ordered by their key, continued after the last key served.
#include "core/bank.hpp"
#include "core/check.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tallyman::sql {

// The account read, prepared once per connection and run again with new values.
struct SqlLedger::AccountStatement {
  explicit AccountStatement(soci::session& session) : st(session) {
    st.exchange(soci::use(today));
    st.exchange(soci::use(today2));
    st.exchange(soci::use(id));
    st.exchange(soci::into(cid));
    st.exchange(soci::into(name));
    st.exchange(soci::into(currency));
    st.exchange(soci::into(limit, limit_ind));
    st.exchange(soci::into(terms));
    st.exchange(soci::into(collector, collector_ind));
    st.exchange(soci::into(salesperson, salesperson_ind));
    st.exchange(soci::into(grade, grade_ind));
    st.exchange(soci::into(on_hold));
    st.exchange(soci::into(dunning_hold));
    st.exchange(soci::into(open, open_ind));
    st.exchange(soci::into(overdue, overdue_ind));
    st.exchange(soci::into(paid, paid_ind));
    st.exchange(soci::into(credited, credited_ind));
    st.exchange(soci::into(reserved, reserved_ind));
    st.alloc();
    // Each sum reads one customer's range of an index (invoices_customer_due and the
    // *_customer_unapplied ones).
    st.prepare(
        "SELECT c.id, c.name, c.currency, c.credit_limit, c.terms, c.collector, c.salesperson, c.grade, c.on_hold,"
        " c.dunning_hold,"
        " (SELECT SUM(i.open_amount) FROM invoices i WHERE i.customer = c.id AND i.open_amount > 0),"
        " (SELECT SUM(CASE WHEN i.due_date < :today THEN i.open_amount ELSE 0 END) FROM invoices i"
        "  WHERE i.customer = c.id AND i.open_amount > 0),"
        " (SELECT SUM(p.unapplied_amount) FROM payments p WHERE p.customer = c.id AND p.unapplied_amount > 0),"
        " (SELECT SUM(n.unapplied_amount) FROM credit_notes n WHERE n.customer = c.id AND n.unapplied_amount > 0),"
        " c.reserved_amount - (SELECT COALESCE(SUM(r.amount), 0) FROM reservations r WHERE r.customer = c.id"
        "  AND r.status = 'active' AND r.expires_on < :today2)"
        " FROM customers c WHERE c.id = :id");
    st.define_and_bind();
  }

  soci::statement st;
  std::string today, today2, id;
  std::string cid, name, currency, terms, collector, salesperson, grade;
  long long limit = 0, on_hold = 0, dunning_hold = 0, open = 0, overdue = 0, paid = 0, credited = 0, reserved = 0;
  soci::indicator limit_ind = soci::i_ok, collector_ind = soci::i_ok, salesperson_ind = soci::i_ok,
                  grade_ind = soci::i_ok, open_ind = soci::i_ok,
                  overdue_ind = soci::i_ok, paid_ind = soci::i_ok, credited_ind = soci::i_ok, reserved_ind = soci::i_ok;
};

namespace {

InvoiceStatus status_of(std::int64_t open, std::int64_t written_off) {
  if (open > 0) return InvoiceStatus::open;
  return written_off > 0 ? InvoiceStatus::written_off : InvoiceStatus::paid;
}

const char* const invoice_columns =
    "SELECT number, customer, issue_date, due_date, amount, currency, order_ref, open_amount, written_off, disputed,"
    " dispute_reason, payment_serial FROM invoices";

std::vector<InvoiceView> read_invoices(Database& db, const std::string& sql, Params& p) {
  std::string number, customer, issue, due, currency, order_ref, reason;
  long long amount = 0, open = 0, written_off = 0, disputed = 0, serial = 0;
  soci::indicator order_ind = soci::i_ok, reason_ind = soci::i_ok, reference_ind = soci::i_ok;
  Query q(db.session(), sql, p);
  q.into(number).into(customer).into(issue).into(due).into(amount).into(currency).into(order_ref, order_ind).into(open)
      .into(written_off).into(disputed).into(reason, reason_ind).into(serial, reference_ind);
  std::vector<InvoiceView> out;
  if (q.run()) do {
      Invoice i{number, customer, db_date(issue), db_date(due), amount, db_currency(currency),
                order_ind == soci::i_ok ? std::optional<std::string>(order_ref) : std::nullopt};
      out.push_back(InvoiceView{std::move(i), open, status_of(open, written_off), disputed != 0,
                                reason_ind == soci::i_ok ? std::optional<std::string>(reason) : std::nullopt,
                                reference_ind == soci::i_ok ? invoice_payment_reference(serial) : std::string()});
    } while (q.fetch());
  return out;
}

const char* const write_off_columns =
    "SELECT id, invoice, customer, amount, currency, reason, status, requested_by, requested_at, decided_by,"
    " decided_at, posted_on FROM write_offs";

std::vector<WriteOffRequest> read_write_offs(Database& db, const std::string& sql, Params& p) {
  long long id = 0, amount = 0;
  std::string invoice, customer, currency, reason, status, requested_by, requested_at, decided_by, decided_at, posted_on;
  soci::indicator by_ind = soci::i_ok, at_ind = soci::i_ok, on_ind = soci::i_ok;
  Query q(db.session(), sql, p);
  q.into(id).into(invoice).into(customer).into(amount).into(currency).into(reason).into(status).into(requested_by)
      .into(requested_at).into(decided_by, by_ind).into(decided_at, at_ind).into(posted_on, on_ind);
  std::vector<WriteOffRequest> out;
  if (q.run()) do {
      auto s = parse_write_off_status(status);
      if (!s) throw DatabaseError("the database holds an unknown write-off status: " + status);
      WriteOffRequest w{id, invoice, customer, amount, db_currency(currency), reason, *s, requested_by, requested_at,
                        std::nullopt, std::nullopt, std::nullopt};
      if (by_ind == soci::i_ok) w.decided_by = decided_by;
      if (at_ind == soci::i_ok) w.decided_at = decided_at;
      if (on_ind == soci::i_ok) w.posted_on = db_date(posted_on);
      out.push_back(std::move(w));
    } while (q.fetch());
  return out;
}

}  // namespace

std::optional<Customer> SqlLedger::customer(const std::string& id) {
  return guarded([&] { return LedgerStore(db_).customer(id); });
}

std::vector<std::string> SqlLedger::bank_accounts(const std::string& customer) {
  return guarded([&] { return LedgerStore(db_).bank_accounts(customer); });
}

SqlLedger::SqlLedger(Database& db) : db_(db) {}
SqlLedger::~SqlLedger() = default;
SqlBooks::SqlBooks(std::unique_ptr<Database> db) : db_(std::move(db)) {}
SqlBooks::~SqlBooks() = default;

std::optional<Account> SqlLedger::account(const std::string& id, Date today) {
  return guarded([&]() -> std::optional<Account> {
    try {
      if (!account_) account_ = std::make_unique<AccountStatement>(db_.session());
      AccountStatement& q = *account_;
      q.today = q.today2 = format_date(today);
      q.id = id;
      if (!q.st.execute(true)) return std::nullopt;
      auto sum = [](long long value, soci::indicator ind) -> std::int64_t { return ind == soci::i_ok ? value : 0; };
      Account a;
      a.customer = Customer{q.cid, q.name, db_currency(q.currency), std::nullopt, q.terms, std::nullopt, std::nullopt,
                            q.on_hold != 0, {}, {}};
      a.dunning_hold = q.dunning_hold != 0;
      if (q.limit_ind == soci::i_ok) a.customer.credit_limit = q.limit;
      if (q.collector_ind == soci::i_ok) a.customer.collector = q.collector;
      if (q.salesperson_ind == soci::i_ok) a.customer.salesperson = q.salesperson;
      if (q.grade_ind == soci::i_ok && !q.grade.empty()) a.customer.grade = q.grade[0];
      Balance& b = a.balance;
      b.open = sum(q.open, q.open_ind);
      b.overdue = sum(q.overdue, q.overdue_ind);
      b.unapplied = sum(q.paid, q.paid_ind) + sum(q.credited, q.credited_ind);
      b.reserved = sum(q.reserved, q.reserved_ind);
      b.exposure = b.open - b.unapplied + b.reserved;
      if (a.customer.credit_limit) b.available = *a.customer.credit_limit - b.exposure;
      // Run the statement to its end: on SQLite one that is not keeps its read snapshot
      // open, and this connection's next write then fails at once as "database is locked".
      q.st.fetch();
      return a;
    } catch (...) {
      account_.reset();  // a statement that failed is prepared afresh next time
      throw;
    }
  });
}

std::optional<InvoiceView> SqlLedger::invoice(const std::string& number) {
  return guarded([&]() -> std::optional<InvoiceView> {
    Params p;
    auto found = read_invoices(db_, std::string(invoice_columns) + " WHERE number = " + p.add(number), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

Page<InvoiceView> SqlLedger::invoices(const std::optional<std::string>& customer,
                                     const std::optional<InvoiceStatus>& status, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string sql = std::string(invoice_columns) + " WHERE number > " + p.add(page.after);
    if (customer) sql += " AND customer = " + p.add(*customer);
    if (status == InvoiceStatus::open) sql += " AND open_amount > 0";
    if (status == InvoiceStatus::paid) sql += " AND open_amount = 0 AND written_off = 0";
    if (status == InvoiceStatus::written_off) sql += " AND open_amount = 0 AND written_off > 0";
    sql += " ORDER BY number" + limit_clause(p, page);
    return finish_page(read_invoices(db_, sql, p), page, [](const InvoiceView& v) { return v.invoice.number; });
  });
}

std::optional<WriteOffRequest> SqlLedger::write_off(std::int64_t id) {
  return guarded([&]() -> std::optional<WriteOffRequest> {
    Params p;
    auto found =
        read_write_offs(db_, std::string(write_off_columns) + " WHERE id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

Page<WriteOffRequest> SqlLedger::write_offs(const std::optional<WriteOffStatus>& status, const PageRequest& page) {
  return guarded([&] {
    Params p;
    const long long after = page.after.empty() ? 0 : std::stoll(page.after);
    std::string sql = std::string(write_off_columns) + " WHERE id > " + p.add(after);
    if (status) sql += " AND status = " + p.add(std::string(to_string(*status)));
    sql += " ORDER BY id" + limit_clause(p, page);
    return finish_page(read_write_offs(db_, sql, p), page,
                       [](const WriteOffRequest& w) { return std::to_string(w.id); });
  });
}

namespace {

const char* const limit_change_columns =
    "SELECT id, customer, old_limit, new_limit, status, requested_by, requested_at, decided_by, decided_at"
    " FROM limit_changes";

std::vector<LimitChange> read_limit_changes(Database& db, const std::string& sql, Params& p) {
  long long id = 0, old_limit = 0, new_limit = 0;
  std::string customer, status, requested_by, requested_at, decided_by, decided_at;
  soci::indicator old_ind = soci::i_ok, by_ind = soci::i_ok, at_ind = soci::i_ok;
  Query q(db.session(), sql, p);
  q.into(id).into(customer).into(old_limit, old_ind).into(new_limit).into(status).into(requested_by).into(requested_at)
      .into(decided_by, by_ind).into(decided_at, at_ind);
  std::vector<LimitChange> out;
  if (q.run()) do {
      auto s = parse_write_off_status(status);
      if (!s) throw DatabaseError("the database holds an unknown limit change status: " + status);
      LimitChange c{id, customer, std::nullopt, new_limit, *s, requested_by, requested_at, std::nullopt, std::nullopt};
      if (old_ind == soci::i_ok) c.old_limit = old_limit;
      if (by_ind == soci::i_ok) c.decided_by = decided_by;
      if (at_ind == soci::i_ok) c.decided_at = decided_at;
      out.push_back(std::move(c));
    } while (q.fetch());
  return out;
}

}  // namespace

std::optional<LimitChange> SqlLedger::limit_change(std::int64_t id) {
  return guarded([&]() -> std::optional<LimitChange> {
    Params p;
    auto found = read_limit_changes(
        db_, std::string(limit_change_columns) + " WHERE id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

Page<LimitChange> SqlLedger::limit_changes(const std::optional<WriteOffStatus>& status,
                                          const std::optional<std::string>& customer, const PageRequest& page) {
  return guarded([&] {
    Params p;
    const long long after = page.after.empty() ? 0 : std::stoll(page.after);
    std::string sql = std::string(limit_change_columns) + " WHERE id > " + p.add(after);
    if (status) sql += " AND status = " + p.add(std::string(to_string(*status)));
    if (customer) sql += " AND customer = " + p.add(*customer);
    sql += " ORDER BY id" + limit_clause(p, page);
    return finish_page(read_limit_changes(db_, sql, p), page,
                       [](const LimitChange& c) { return std::to_string(c.id); });
  });
}





}  // namespace tallyman::sql
