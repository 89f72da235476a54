// What a dunning run reads and writes (sql/run_stores.hpp): a page of customers at a time, with
// their overdue invoices as of the run's date; their tasks, notices and dunning state. A task's
// key (customer, episode, level) makes a duplicate impossible.
#include "audit.hpp"
#include "books_shared.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "sql/run_stores.hpp"

#include "core/bank.hpp"
#include "bulk.hpp"

#include <map>
#include <set>
#include <span>

namespace tallyman::sql {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The writes of some customers of a page (in id order): their tasks, the tasks' notices, the
// customers' dunning state, the episodes that end; counted in `run`.
void write_steps(Database& db, std::span<const DunningStep> writes, std::int64_t run_id, Date as_of,
                 const std::string& now, DunningRun& run) {
  std::vector<std::vector<Cell>> tasks;
  std::map<std::string, const NoticeInput*> notices;  // by customer
  std::vector<std::pair<std::string, long long>> episodes, levels, holds;
  for (const DunningStep& w : writes) {
    if (w.task) {
      const NewTask& t = *w.task;
      tasks.push_back({w.customer, static_cast<long long>(t.episode), static_cast<long long>(t.level), t.action,
                       static_cast<long long>(t.overdue), static_cast<long long>(t.credit),
                       static_cast<long long>(t.days_overdue), join(t.invoices),
                       format_date(as_of), std::string("open"), static_cast<long long>(run_id), now});
      episodes.emplace_back(w.customer, t.episode);
      levels.emplace_back(w.customer, t.level);
    }
    if (w.notice) notices.emplace(w.customer, &*w.notice);
    if (w.sets_hold) holds.emplace_back(w.customer, 1);
  }
  insert_rows(db.session(),
              "INSERT INTO dunning_tasks (customer, episode, level, action, overdue_amount, unapplied_credit, days_overdue, invoices,"
              " created, status, run_id, recorded_at)",
              tasks);
  // Each notice's invoices with the payment references customers quote, read for the page at once.
  std::map<std::string, NoticeInput> rendered;
  if (!notices.empty()) {
    std::vector<std::string> numbers;
    for (const auto& [customer, in] : notices)
      for (const NoticeLine& l : in->lines) numbers.push_back(l.invoice);
    std::map<std::string, std::string> references;
    for_each_part(numbers, rows_per_statement, [&](std::span<const std::string> part) {
      Params p;
      std::string number;
      long long serial = 0;
      Query q(db.session(),
              "SELECT number, payment_serial FROM invoices WHERE payment_serial IS NOT NULL AND number IN (" +
                  placeholders(p, part) + ")",
              p);
      q.into(number).into(serial);
      if (q.run()) do {
          references[number] = invoice_payment_reference(serial);
        } while (q.fetch());
    });
    for (const auto& [customer, in] : notices) {
      NoticeInput copy = *in;
      for (NoticeLine& l : copy.lines)
        if (auto r = references.find(l.invoice); r != references.end()) l.payment_reference = r->second;
      rendered.emplace(customer, std::move(copy));
    }
  }
  if (!notices.empty()) {
    // Each notice goes with its task, found by the run and the customer (one task each).
    Params p;
    std::string customer;
    long long task_id = 0;
    std::vector<std::vector<Cell>> rows;
    Query q(db.session(),
            "SELECT customer, id FROM dunning_tasks WHERE customer >= " + p.add(writes.front().customer) +
                " AND customer <= " + p.add(writes.back().customer) + " AND run_id = " + p.add(static_cast<long long>(run_id)),
            p);
    q.into(customer).into(task_id);
    if (q.run()) do {
        auto in = rendered.find(customer);
        if (in == rendered.end()) continue;
        const RenderedNotice n = render_notice(in->second);
        rows.push_back({task_id, customer, static_cast<long long>(in->second.level), n.subject, n.text, n.html,
                        static_cast<long long>(n.total), in->second.currency.str(), std::string("pending"), 0LL, now});
      } while (q.fetch());
    insert_rows(db.session(),
                "INSERT INTO notices (task_id, customer, level, subject, text_body, html_body, total, currency, status,"
                " attempts, created_at)",
                rows);
  }
  update_rows(db.session(), "customers", "id", "dunning_episode", episodes);
  update_rows(db.session(), "customers", "id", "dunning_level", levels);
  update_rows(db.session(), "customers", "id", "dunning_hold", holds);
  for (const DunningStep& w : writes) {
    if (!w.ends) continue;
    soci::statement st = (db.session().prepare << "UPDATE dunning_tasks SET status = 'resolved'"
                                                   " WHERE customer = :c AND status = 'open'",
                          soci::use(w.customer));
    st.execute(true);
    run.tasks_resolved += static_cast<int>(st.get_affected_rows());
    Params c;
    execute(db, "UPDATE customers SET dunning_level = NULL, dunning_hold = 0 WHERE id = " + c.add(w.customer), c);
  }
  run.tasks_created += static_cast<int>(tasks.size());
  run.holds_set += static_cast<int>(holds.size());
  for (const DunningStep& w : writes) run.holds_released += w.releases ? 1 : 0;
}

// A point in the run's transaction that a failed write goes back to, undoing only itself.
class Savepoint {
 public:
  Savepoint(Database& db, std::string name) : db_(db), name_(std::move(name)) { run("SAVEPOINT " + name_); }
  void release() { run("RELEASE SAVEPOINT " + name_); }
  void roll_back() { run("ROLLBACK TO SAVEPOINT " + name_); }

 private:
  void run(const std::string& sql) {
    Params none;
    execute(db_, sql, none);
  }
  Database& db_;
  std::string name_;
};

}  // namespace

DunningPolicy DunningStore::policy() { return SqlCollections(db_).dunning_policy(); }

std::set<std::string> DunningStore::disputed_invoices() {
  Params p;
  std::string number;
  std::set<std::string> disputed;
  Query q(db_.session(), "SELECT number FROM invoices WHERE disputed = 1", p);
  q.into(number);
  if (q.run()) do {
      disputed.insert(number);
    } while (q.fetch());
  return disputed;
}

std::vector<DunningStore::PendingPromise> DunningStore::pending_promises(Date as_of) {
  Params p;
  long long id = 0, amount = 0;
  std::string customer, made_on, promised_date;
  std::vector<PendingPromise> pending;
  Query q(db_.session(),
          "SELECT id, customer, amount, made_on, promised_date FROM promises WHERE status = 'pending'"
          " AND made_on <= " + p.add(format_date(as_of)),
          p);
  q.into(id).into(customer).into(amount).into(made_on).into(promised_date);
  if (q.run()) do {
      pending.push_back({id, customer, Promise{amount, db_date(made_on), db_date(promised_date)}, 0});
    } while (q.fetch());
  for (PendingPromise& promise : pending) promise.paid = paid_towards(db_, promise.customer, promise.promise, as_of);
  return pending;
}

void DunningStore::mark_promise(std::int64_t id, PromiseState state) {
  Params u;
  execute(db_, "UPDATE promises SET status = " + u.add(std::string(to_string(state))) + " WHERE id = " +
                   u.add(static_cast<long long>(id)), u);
}

std::int64_t DunningStore::insert_run(const Actor& actor, Date as_of) {
  Params p;
  execute(db_,
          "INSERT INTO dunning_runs (as_of, examined, tasks_created, holds_set, holds_released, tasks_resolved,"
          " promises_broken, duration_ms, run_by, run_at) VALUES (" + p.add(format_date(as_of)) + ", 0, 0, 0, 0, 0, 0, 0, " +
              p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")",
          p);
  const long long id = last_insert_id(db_, "dunning_runs");
  return id;
}

std::vector<DunningState> DunningStore::customer_page(const std::optional<std::string>& after) {
  Params p;
  std::string where = after ? " WHERE id > " + p.add(*after) : "";
  std::string id, name, currency, grade;
  long long episode = 0, level = 0, hold = 0;
  soci::indicator grade_ind = soci::i_ok, level_ind = soci::i_ok;
  Query q(db_.session(),
          "SELECT id, name, currency, grade, dunning_episode, dunning_level, dunning_hold FROM customers" + where +
              " ORDER BY id LIMIT " + p.add(dunning_page_customers),
          p);
  q.into(id).into(name).into(currency).into(grade, grade_ind).into(episode).into(level, level_ind).into(hold);
  std::vector<DunningState> page;
  std::map<std::string, std::size_t> at;  // by id
  if (q.run()) do {
      at[id] = page.size();
      page.push_back(DunningState{id, name, db_currency(currency),
                                   grade_ind == soci::i_ok && !grade.empty() ? std::optional<char>(grade[0]) : std::nullopt,
                                   static_cast<int>(episode),
                                   level_ind == soci::i_ok ? std::optional<int>(static_cast<int>(level)) : std::nullopt,
                                   hold != 0, {}, 0});
    } while (q.fetch());
  if (page.empty()) return page;
  {
    // What the open episodes' tasks sent: a notice cites only those.
    Params t;
    std::string customer, action;
    Query sent(db_.session(),
               "SELECT t.customer, t.action FROM dunning_tasks t JOIN customers c ON c.id = t.customer"
               " WHERE t.customer >= " + t.add(page.front().id) + " AND t.customer <= " + t.add(page.back().id) +
                   " AND c.dunning_level IS NOT NULL AND t.episode = c.dunning_episode ORDER BY t.level",
               t);
    sent.into(customer).into(action);
    if (sent.run()) do {
        if (sends_notice(action)) page[at.at(customer)].sent.push_back(action);
      } while (sent.fetch());
  }
  return page;
}

// Each invoice of the page's customers past due as of the date, with its open amount then.
// The open amount as of D is the journal's sum of the invoice's postings up to D: the
// invoices.open_amount projection (every posting so far) less what was posted after D. So the
// run reads the invoices open now (a range of invoices_customer_due) and, per currency, the
// postings dated after D (a range of postings_aging, usually empty for a run as of today):
// reading every posting up to D looked up 1.9 million journal rows in the benchmark's book.
// The unapplied credit as of D likewise: the payments' and credit notes' projections less the
// same postings' unapplied_delta.
std::map<std::string, std::vector<OpenInvoice>> DunningStore::overdue_invoices(std::vector<DunningState>& page,
                                                                               Date as_of, bool credit) {
  constexpr std::size_t batch = 1000;
  const std::string day = format_date(as_of);
  std::map<std::pair<std::string, std::string>, OpenInvoice> open;  // by (customer, invoice)
  std::map<std::string, DunningState*> by_id;
  for (DunningState& c : page) by_id[c.id] = &c;
  {
    std::vector<std::string> customers(batch), invoices(batch), dues(batch);
    std::vector<long long> amounts(batch);
    Params p;
    Query q(db_.session(),
            "SELECT customer, number, due_date, open_amount FROM invoices WHERE customer >= " + p.add(page.front().id) +
                " AND customer <= " + p.add(page.back().id) + " AND open_amount > 0 AND due_date < " + p.add(day),
            p);
    q.into(customers).into(invoices).into(dues).into(amounts);
    if (q.run()) do {
        for (std::size_t r = 0; r < customers.size(); ++r)
          open.try_emplace({customers[r], invoices[r]}, OpenInvoice{invoices[r], db_date(dues[r]), amounts[r], false});
      } while (q.fetch());
  }
  if (credit) {
    // The unapplied credit now: the payments' and credit notes' projections (a range of their
    // *_customer_unapplied indexes each).
    for (const char* table : {"payments", "credit_notes"}) {
      Params p;
      std::string customer;
      long long unapplied = 0;
      Query q(db_.session(),
              std::string("SELECT customer, SUM(unapplied_amount) FROM ") + table + " WHERE customer >= " +
                  p.add(page.front().id) + " AND customer <= " + p.add(page.back().id) +
                  " AND unapplied_amount <> 0 GROUP BY customer",
              p);
      q.into(customer).into(unapplied);
      if (q.run()) do {
          if (auto it = by_id.find(customer); it != by_id.end()) it->second->unapplied += unapplied;
        } while (q.fetch());
    }
  }
  // Less what was posted after the date: the open amounts and the credit as of the date.
  std::set<std::string> currencies;
  for (const DunningState& c : page) currencies.insert(c.currency.str());
  for (const std::string& currency : currencies) {
    Params p;
    std::string customer, invoice, due;
    long long open_delta = 0, unapplied_delta = 0;
    soci::indicator invoice_ind = soci::i_ok, due_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT customer, invoice, due_date, open_delta, unapplied_delta FROM postings WHERE currency = " +
                p.add(currency) + " AND customer >= " + p.add(page.front().id) + " AND customer <= " +
                p.add(page.back().id) + " AND posted_on > " + p.add(day),
            p);
    q.into(customer).into(invoice, invoice_ind).into(due, due_ind).into(open_delta).into(unapplied_delta);
    if (q.run()) do {
        if (credit)
          if (auto it = by_id.find(customer); it != by_id.end()) it->second->unapplied -= unapplied_delta;
        if (invoice_ind != soci::i_ok || due_ind != soci::i_ok || !(db_date(due) < as_of)) continue;
        auto [it, fresh] = open.try_emplace({customer, invoice}, OpenInvoice{invoice, db_date(due), 0, false});
        it->second.open -= open_delta;
      } while (q.fetch());
  }
  std::map<std::string, std::vector<OpenInvoice>> overdue;
  for (auto& [key, invoice] : open)
    if (invoice.open > 0) overdue[key.first].push_back(std::move(invoice));
  return overdue;
}

// A page's writes, in a few statements; when they fail, each customer's alone, so that one
// customer whose writes the database refuses is reported (in the run's counts, and its
// failures for the log) and the run goes on for the rest. A lost transaction (a deadlock, a
// conflict between cluster nodes) is the run's failure, not a customer's.
void DunningStore::write_page(const std::vector<DunningStep>& writes, Date as_of, DunningRun& run) {
  Database& db = db_;
  const std::string now = utc_timestamp();
  if (writes.empty()) return;
  auto attempt = [&](std::span<const DunningStep> some, const char* savepoint) -> std::optional<std::string> {
    Savepoint point(db, savepoint);
    DunningRun counted{};
    try {
      guarded([&] { write_steps(db, some, run.id, as_of, now, counted); });
    } catch (const TransactionConflict&) {
      throw;
    } catch (const DatabaseError& e) {
      point.roll_back();
      return e.what();
    }
    point.release();
    run.tasks_created += counted.tasks_created;
    run.holds_set += counted.holds_set;
    run.holds_released += counted.holds_released;
    run.tasks_resolved += counted.tasks_resolved;
    return std::nullopt;
  };
  if (!attempt(writes, "dunning_page")) return;
  for (const DunningStep& w : writes) {
    auto error = attempt(std::span(&w, 1), "dunning_customer");
    if (!error) continue;
    ++run.customers_failed;
    if (run.failures.size() < dunning_failures_kept) run.failures.push_back({w.customer, *error});
  }
}

void DunningStore::finish_run(const DunningRun& run, const Actor& actor) {
  Params u;
  auto count = [&](long long n) { return u.add(n); };
  execute(db_,
          "UPDATE dunning_runs SET examined = " + count(run.examined) + ", tasks_created = " + count(run.tasks_created) +
              ", holds_set = " + count(run.holds_set) + ", holds_released = " + count(run.holds_released) +
              ", tasks_resolved = " + count(run.tasks_resolved) + ", promises_broken = " + count(run.promises_broken) +
              ", duration_ms = " + count(run.duration_ms) + ", customers_failed = " + count(run.customers_failed) +
              " WHERE id = " + count(run.id),
          u);
  record_audit(db_, actor, "dunning_run.run", "dunning_run", std::to_string(run.id));
}

}  // namespace tallyman::sql
