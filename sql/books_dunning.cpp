// Collections in the database (contract §5): the dunning policy, runs, tasks. The decisions
// are core's (core/dunning.hpp); this reads the books as of the run's date and keeps the
// outcome. A task's key (customer, episode, level) makes a duplicate impossible.
#include "core/check.hpp"
#include "sql/audit.hpp"
#include "sql/books.hpp"
#include "sql/books_write.hpp"
#include "sql/clock.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// A run reads and writes the book a page of customers at a time (in id order), so that what
// it holds in memory is one page's, however large the book; the whole run is still one
// transaction.
constexpr long long dunning_page_customers = 2000;

struct CustomerState {
  std::string id;
  std::string name;
  Currency currency;
  std::optional<char> grade;
  int episode = 0;
  std::optional<int> level;  // the highest tasked in the open episode
  bool hold = false;
};

// The next page of customers after `after` (from the first when absent).
std::vector<CustomerState> customer_page(Database& db, const std::optional<std::string>& after) {
  Params p;
  std::string where = after ? " WHERE id > " + p.add(*after) : "";
  std::string id, name, currency, grade;
  long long episode = 0, level = 0, hold = 0;
  soci::indicator grade_ind = soci::i_ok, level_ind = soci::i_ok;
  Query q(db.session(),
          "SELECT id, name, currency, grade, dunning_episode, dunning_level, dunning_hold FROM customers" + where +
              " ORDER BY id LIMIT " + p.add(dunning_page_customers),
          p);
  q.into(id).into(name).into(currency).into(grade, grade_ind).into(episode).into(level, level_ind).into(hold);
  std::vector<CustomerState> page;
  if (q.run()) do {
      page.push_back(CustomerState{id, name, db_currency(currency),
                                   grade_ind == soci::i_ok && !grade.empty() ? std::optional<char>(grade[0]) : std::nullopt,
                                   static_cast<int>(episode),
                                   level_ind == soci::i_ok ? std::optional<int>(static_cast<int>(level)) : std::nullopt,
                                   hold != 0});
    } while (q.fetch());
  return page;
}

// Each invoice of the page's customers past due as of the date, with its open amount then.
// The open amount as of D is the journal's sum of the invoice's postings up to D: the
// invoices.open_amount projection (every posting so far) less what was posted after D. So the
// run reads the invoices open now (a range of invoices_customer_due) and, per currency, the
// postings dated after D (a range of postings_aging, usually empty for a run as of today):
// reading every posting up to D looked up 1.9 million journal rows in the benchmark's book.
std::map<std::string, std::vector<OpenInvoice>> overdue_invoices(Database& db, const std::vector<CustomerState>& page,
                                                                 Date as_of) {
  constexpr std::size_t batch = 1000;
  const std::string day = format_date(as_of);
  std::map<std::pair<std::string, std::string>, OpenInvoice> open;  // by (customer, invoice)
  std::vector<std::string> customers(batch), invoices(batch), dues(batch);
  std::vector<long long> amounts(batch);
  auto read = [&](const std::string& sql, Params& p, int sign) {
    for (auto* v : {&customers, &invoices, &dues}) v->resize(batch);  // a fetch shrinks them to the rows it got
    amounts.resize(batch);
    Query q(db.session(), sql, p);
    q.into(customers).into(invoices).into(dues).into(amounts);
    if (q.run()) do {
        for (std::size_t r = 0; r < customers.size(); ++r) {
          auto [it, fresh] = open.try_emplace({customers[r], invoices[r]}, OpenInvoice{invoices[r], db_date(dues[r]), 0, false});
          it->second.open += sign * amounts[r];
        }
      } while (q.fetch());
  };
  {
    Params p;
    read("SELECT customer, number, due_date, open_amount FROM invoices WHERE customer >= " + p.add(page.front().id) +
             " AND customer <= " + p.add(page.back().id) + " AND open_amount > 0 AND due_date < " + p.add(day),
         p, 1);
  }
  std::set<std::string> currencies;
  for (const CustomerState& c : page) currencies.insert(c.currency.str());
  for (const std::string& currency : currencies) {
    Params p;
    read("SELECT customer, invoice, due_date, open_delta FROM postings WHERE currency = " + p.add(currency) +
             " AND customer >= " + p.add(page.front().id) + " AND customer <= " + p.add(page.back().id) +
             " AND posted_on > " + p.add(day) + " AND due_date < " + p.add(day) + " AND invoice IS NOT NULL",
         p, -1);
  }
  std::map<std::string, std::vector<OpenInvoice>> overdue;
  for (auto& [key, invoice] : open)
    if (invoice.open > 0) overdue[key.first].push_back(std::move(invoice));
  return overdue;
}

// What one page of the run writes, gathered so that it goes in a few statements.
struct PageWrites {
  std::vector<std::vector<Cell>> tasks;
  std::map<std::string, NoticeInput> notices;  // by customer: its task's notice
  std::vector<std::pair<std::string, long long>> episodes, levels, holds;
  std::vector<std::string> ended;  // customers whose episode ends
};

}  // namespace

DunningPolicy SqlBooks::dunning_policy() {
  return guarded([&] {
    DunningPolicy p;
    Params none;
    long long min_amount = 0;
    Query(db_->session(), "SELECT min_amount FROM dunning_settings WHERE id = 1", none).into(min_amount).run();
    p.min_amount = min_amount;
    Params q;
    long long level = 0, days = 0, hold = 0, days_a = 0, days_b = 0, days_c = 0;
    soci::indicator a_ind = soci::i_ok, b_ind = soci::i_ok, c_ind = soci::i_ok;
    std::string action;
    Query levels(db_->session(),
                 "SELECT level, days_overdue, action, credit_hold, days_a, days_b, days_c FROM dunning_levels ORDER BY level",
                 q);
    levels.into(level).into(days).into(action).into(hold).into(days_a, a_ind).into(days_b, b_ind).into(days_c, c_ind);
    if (levels.run()) do {
        DunningLevel l{static_cast<int>(level), static_cast<int>(days), action, hold != 0, {}};
        if (a_ind == soci::i_ok) l.grade_days['A'] = static_cast<int>(days_a);
        if (b_ind == soci::i_ok) l.grade_days['B'] = static_cast<int>(days_b);
        if (c_ind == soci::i_ok) l.grade_days['C'] = static_cast<int>(days_c);
        p.levels.push_back(std::move(l));
      } while (levels.fetch());
    return p;
  });
}

PostResult SqlBooks::put_dunning_policy(const Actor& actor, const DunningPolicy& policy) {
  if (dunning_policy() == policy) return {PostOutcome::replayed, ""};
  return write(actor, "dunning_policy.put", "dunning_policy", "1", [&](LedgerStore&) -> PostResult {
    Params p;
    execute(*db_,
            "UPDATE dunning_settings SET min_amount = " + p.add(static_cast<long long>(policy.min_amount)) +
                " WHERE id = 1",
            p);
    Params none;
    execute(*db_, "DELETE FROM dunning_levels", none);
    for (const DunningLevel& l : policy.levels) {
      Params i;
      auto days = [&](char grade) {
        auto it = l.grade_days.find(grade);
        return i.add(it == l.grade_days.end() ? std::nullopt : std::optional<long long>(it->second));
      };
      const std::string level = i.add(static_cast<long long>(l.level)), d = i.add(static_cast<long long>(l.days_overdue)),
                        action = i.add(l.action), hold = i.add(static_cast<long long>(l.credit_hold));
      const std::string a = days('A'), b = days('B'), c = days('C');
      execute(*db_,
              "INSERT INTO dunning_levels (level, days_overdue, action, credit_hold, days_a, days_b, days_c) VALUES (" +
                  level + ", " + d + ", " + action + ", " + hold + ", " + a + ", " + b + ", " + c + ")",
              i);
    }
    return {PostOutcome::updated, ""};
  });
}

DunningRun SqlBooks::run_dunning(const Actor& actor, Date as_of) {
  const auto started = std::chrono::steady_clock::now();
  const DunningPolicy policy = dunning_policy();
  return guarded([&] {
    WriteTransaction tx(*db_);
    DunningRun run{0, as_of, 0, 0, 0, 0, 0, 0, 0};
    bool acting = true;
    {
      Params p;
      std::string last;
      soci::indicator ind = soci::i_ok;
      Query(db_->session(), "SELECT MAX(as_of) FROM dunning_runs", p).into(last, ind).run();
      acting = ind != soci::i_ok || db_date(last) < as_of;  // the same or an earlier date: nothing new
    }
    // Disputed invoices and pending promises are read whole: they are few, whatever the size
    // of the book. A run that will not act reads nothing: it is recorded with zero counts.
    std::set<std::string> disputed;
    if (acting) {
      Params p;
      std::string number;
      Query q(db_->session(), "SELECT number FROM invoices WHERE disputed = 1", p);
      q.into(number);
      if (q.run()) do {
          disputed.insert(number);
        } while (q.fetch());
    }
    // Promises still pending when last looked at: kept or broken by now, or pending still
    // (which leaves the customer alone). Only a run that acts marks them.
    std::set<std::string> promised;
    if (acting) {
      Params p;
      long long id = 0, amount = 0;
      std::string customer, made_on, promised_date;
      std::vector<std::tuple<long long, std::string, Promise>> pending;
      Query q(db_->session(),
              "SELECT id, customer, amount, made_on, promised_date FROM promises WHERE status = 'pending'"
              " AND made_on <= " + p.add(format_date(as_of)),
              p);
      q.into(id).into(customer).into(amount).into(made_on).into(promised_date);
      if (q.run()) do {
          pending.emplace_back(id, customer, Promise{amount, db_date(made_on), db_date(promised_date)});
        } while (q.fetch());
      for (const auto& [promise_id, who, promise] : pending) {
        const PromiseState state = promise_state(promise, paid_towards(who, promise, as_of), as_of);
        if (state == PromiseState::pending) {
          promised.insert(who);
          continue;
        }
        if (state == PromiseState::broken) ++run.promises_broken;
        Params u;
        execute(*db_,
                "UPDATE promises SET status = " + u.add(std::string(to_string(state))) + " WHERE id = " + u.add(promise_id),
                u);
      }
    }
    // The run's row first: its id goes on every task it creates.
    {
      Params p;
      execute(*db_,
              "INSERT INTO dunning_runs (as_of, examined, tasks_created, holds_set, holds_released, tasks_resolved,"
              " promises_broken, duration_ms, run_by, run_at) VALUES (" + p.add(format_date(as_of)) + ", 0, 0, 0, 0, 0, 0, 0, " +
                  p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")",
              p);
      long long id = 0;
      if (!db_->session().get_last_insert_id("dunning_runs", id)) throw DatabaseError("no id for the dunning run");
      run.id = id;
    }
    const std::string now = utc_timestamp();
    std::optional<std::string> after;
    while (acting) {
      const std::vector<CustomerState> page = customer_page(*db_, after);
      if (page.empty()) break;
      after = page.back().id;
      std::map<std::string, std::vector<OpenInvoice>> overdue = overdue_invoices(*db_, page, as_of);
      PageWrites w;
      for (const CustomerState& state : page) {
        auto found = overdue.find(state.id);
        if (found == overdue.end() && !state.level && !state.hold) continue;  // nothing to look at
        ++run.examined;
        std::vector<OpenInvoice> none;
        std::vector<OpenInvoice>& invoices = found == overdue.end() ? none : found->second;
        for (OpenInvoice& inv : invoices) inv.disputed = disputed.contains(inv.number);
        const DunningAssessment a = assess_dunning(policy, invoices, state.grade, promised.contains(state.id), as_of);
        if (!a.any_overdue()) {
          // The episode ends: its open tasks are resolved (the money came in), the hold lifts.
          if (state.level || state.hold) w.ended.push_back(state.id);
          if (state.hold) ++run.holds_released;
          continue;
        }
        if (!a.dunned() || !needs_task(a, state.level)) continue;
        const int episode = state.level ? state.episode : state.episode + 1;
        w.tasks.push_back({state.id, static_cast<long long>(episode), static_cast<long long>(a.level->level),
                           a.level->action, static_cast<long long>(a.overdue), join(a.invoices), format_date(as_of),
                           std::string("open"), static_cast<long long>(run.id), now});
        ++run.tasks_created;
        if (sends_notice(a.level->action)) {
          NoticeInput in{state.id, state.name, state.currency, a.level->level, a.level->action, as_of, {}};
          for (const OpenInvoice& inv : invoices)
            if (!inv.disputed)
              in.lines.push_back({inv.number, inv.due_date, static_cast<int>((as_of - inv.due_date).count()), inv.open});
          w.notices.emplace(state.id, std::move(in));
        }
        w.episodes.emplace_back(state.id, episode);
        w.levels.emplace_back(state.id, a.level->level);
        if (a.level->credit_hold && !state.hold) {
          w.holds.emplace_back(state.id, 1);
          ++run.holds_set;
        }
      }
      insert_rows(db_->session(),
                  "INSERT INTO dunning_tasks (customer, episode, level, action, overdue_amount, invoices, created, status,"
                  " run_id, recorded_at)",
                  w.tasks);
      if (!w.notices.empty()) {
        // Each notice goes with its task, found by the run and the customer (one task each).
        Params p;
        std::string customer;
        long long task_id = 0;
        std::vector<std::vector<Cell>> rows;
        Query q(db_->session(),
                "SELECT customer, id FROM dunning_tasks WHERE customer >= " + p.add(page.front().id) +
                    " AND customer <= " + p.add(page.back().id) + " AND run_id = " + p.add(static_cast<long long>(run.id)),
                p);
        q.into(customer).into(task_id);
        if (q.run()) do {
            auto in = w.notices.find(customer);
            if (in == w.notices.end()) continue;
            const RenderedNotice n = render_notice(in->second);
            rows.push_back({task_id, customer, static_cast<long long>(in->second.level), n.subject, n.text, n.html,
                            static_cast<long long>(n.total), in->second.currency.str(), std::string("pending"), 0LL, now});
          } while (q.fetch());
        insert_rows(db_->session(),
                    "INSERT INTO notices (task_id, customer, level, subject, text_body, html_body, total, currency, status,"
                    " attempts, created_at)",
                    rows);
      }
      update_rows(db_->session(), "customers", "id", "dunning_episode", w.episodes);
      update_rows(db_->session(), "customers", "id", "dunning_level", w.levels);
      update_rows(db_->session(), "customers", "id", "dunning_hold", w.holds);
      for (const std::string& customer : w.ended) {
        soci::statement st = (db_->session().prepare << "UPDATE dunning_tasks SET status = 'resolved'"
                                                        " WHERE customer = :c AND status = 'open'",
                              soci::use(customer));
        st.execute(true);
        run.tasks_resolved += static_cast<int>(st.get_affected_rows());
        Params c;
        execute(*db_, "UPDATE customers SET dunning_level = NULL, dunning_hold = 0 WHERE id = " + c.add(customer),
                c);
      }
    }
    run.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    Params u;
    execute(*db_,
            "UPDATE dunning_runs SET examined = " + u.add(static_cast<long long>(run.examined)) + ", tasks_created = " +
                u.add(static_cast<long long>(run.tasks_created)) + ", holds_set = " +
                u.add(static_cast<long long>(run.holds_set)) + ", holds_released = " +
                u.add(static_cast<long long>(run.holds_released)) + ", tasks_resolved = " +
                u.add(static_cast<long long>(run.tasks_resolved)) + ", promises_broken = " +
                u.add(static_cast<long long>(run.promises_broken)) + ", duration_ms = " + u.add(run.duration_ms) +
                " WHERE id = " + u.add(static_cast<long long>(run.id)),
            u);
    record_audit(*db_, actor, "dunning_run.run", "dunning_run", std::to_string(run.id));
    tx.commit();
    return run;
  });
}

std::optional<DunningRun> SqlBooks::dunning_run(std::int64_t id) {
  return guarded([&]() -> std::optional<DunningRun> {
    Params p;
    std::string as_of;
    long long v[7] = {};
    Query q(db_->session(),
            "SELECT as_of, examined, tasks_created, holds_set, holds_released, tasks_resolved, promises_broken,"
            " duration_ms FROM dunning_runs WHERE id = " + p.add(static_cast<long long>(id)),
            p);
    q.into(as_of);
    for (long long& x : v) q.into(x);
    if (!q.run()) return std::nullopt;
    return DunningRun{id,
                      db_date(as_of),
                      static_cast<int>(v[0]),
                      static_cast<int>(v[1]),
                      static_cast<int>(v[2]),
                      static_cast<int>(v[3]),
                      static_cast<int>(v[4]),
                      static_cast<int>(v[5]),
                      v[6]};
  });
}

namespace {

const char* const task_columns =
    "SELECT t.id, t.customer, t.level, t.action, t.overdue_amount, t.invoices, t.created, t.status, t.note, c.collector,"
    " n.id FROM dunning_tasks t JOIN customers c ON c.id = t.customer LEFT JOIN notices n ON n.task_id = t.id";

std::vector<DunningTask> read_tasks(Database& db, const std::string& sql, Params& p) {
  long long id = 0, level = 0, amount = 0, notice = 0;
  std::string customer, action, invoices, created, status, note, collector;
  soci::indicator note_ind = soci::i_ok, collector_ind = soci::i_ok, notice_ind = soci::i_ok;
  Query q(db.session(), sql, p);
  q.into(id).into(customer).into(level).into(action).into(amount).into(invoices).into(created).into(status)
      .into(note, note_ind).into(collector, collector_ind).into(notice, notice_ind);
  std::vector<DunningTask> out;
  if (q.run()) do {
      auto s = parse_task_status(status);
      if (!s) throw DatabaseError("the database holds an unknown task status: " + status);
      DunningTask t{id, customer, static_cast<int>(level), action, amount, split(invoices), db_date(created), *s,
                    std::nullopt, std::nullopt, std::nullopt};
      if (notice_ind == soci::i_ok) t.notice = notice;
      if (note_ind == soci::i_ok) t.note = note;
      if (collector_ind == soci::i_ok) t.collector = collector;
      out.push_back(std::move(t));
    } while (q.fetch());
  return out;
}

}  // namespace

Page<DunningTask> SqlBooks::dunning_tasks(const TaskFilter& filter, const PageRequest& page) {
  return guarded([&] {
    Params p;
    const long long after = page.after.empty() ? 0 : std::stoll(page.after);
    std::string sql = std::string(task_columns) + " WHERE t.id > " + p.add(after);
    if (filter.status) sql += " AND t.status = " + p.add(std::string(to_string(*filter.status)));
    if (filter.collector) sql += " AND c.collector = " + p.add(*filter.collector);
    if (filter.level) sql += " AND t.level = " + p.add(static_cast<long long>(*filter.level));
    if (filter.customer) sql += " AND t.customer = " + p.add(*filter.customer);
    sql += " ORDER BY t.id LIMIT " + p.add(static_cast<long long>(page.limit + 1));
    std::vector<DunningTask> tasks = read_tasks(*db_, sql, p);
    Page<DunningTask> out;
    if (tasks.size() > page.limit) {
      tasks.resize(page.limit);
      out.next_after = std::to_string(tasks.back().id);
    }
    out.items = std::move(tasks);
    return out;
  });
}

std::optional<DunningTask> SqlBooks::dunning_task(std::int64_t id) {
  return guarded([&]() -> std::optional<DunningTask> {
    Params p;
    auto found = read_tasks(*db_, std::string(task_columns) + " WHERE t.id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

PostResult SqlBooks::update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                                 const std::optional<std::string>& note) {
  TM_ASSERT(status == TaskStatus::done || status == TaskStatus::cancelled);
  return write(actor, "dunning_task.update", "dunning_task", std::to_string(id), [&](LedgerStore&) -> PostResult {
    Params p;
    std::string current;
    Query q(db_->session(),
            "SELECT status FROM dunning_tasks WHERE id = " + p.add(static_cast<long long>(id)) + db_->for_update(), p);
    q.into(current);
    if (!q.run()) return {PostOutcome::not_found, "id"};
    if (current == to_string(status)) return {PostOutcome::replayed, ""};
    if (current != "open") return {PostOutcome::already_decided, "status"};
    Params u;
    execute(*db_,
            "UPDATE dunning_tasks SET status = " + u.add(std::string(to_string(status))) + ", note = " + u.add(note) +
                " WHERE id = " + u.add(static_cast<long long>(id)),
            u);
    return {PostOutcome::updated, ""};
  });
}

std::int64_t SqlBooks::paid_towards(const std::string& customer, const Promise& promise, Date as_of) {
  Params p;
  long long paid = 0;
  soci::indicator ind = soci::i_ok;
  const Date until = std::min(promise.promised_date, as_of);
  Query(db_->session(),
        "SELECT SUM(amount) FROM payments WHERE customer = " + p.add(customer) + " AND received_date >= " +
            p.add(format_date(promise.made_on)) + " AND received_date <= " + p.add(format_date(until)) +
            " AND reversed_on IS NULL",
        p)
      .into(paid, ind)
      .run();
  return ind == soci::i_ok ? paid : 0;
}

PostResult SqlBooks::make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                                  std::int64_t& id) {
  return guarded([&]() -> PostResult {
    WriteTransaction tx(*db_);
    if (!LedgerStore(*db_).customer(customer)) return {PostOutcome::unknown_customer, "customer"};
    Params p;
    execute(*db_,
            "INSERT INTO promises (customer, amount, made_on, promised_date, status, made_by, recorded_at) VALUES (" +
                p.add(customer) + ", " + p.add(static_cast<long long>(promise.amount)) + ", " +
                p.add(format_date(promise.made_on)) + ", " + p.add(format_date(promise.promised_date)) +
                ", 'pending', " + p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")",
            p);
    long long new_id = 0;
    if (!db_->session().get_last_insert_id("promises", new_id)) throw DatabaseError("no id for the promise");
    id = new_id;
    record_audit(*db_, actor, "promise.make", "promise", std::to_string(id));
    tx.commit();
    return {PostOutcome::created, ""};
  });
}

std::vector<PromiseView> SqlBooks::promises(const std::string& customer, Date as_of) {
  return guarded([&] {
    Params p;
    long long id = 0, amount = 0;
    std::string made_on, promised, made_by;
    Query q(db_->session(),
            "SELECT id, amount, made_on, promised_date, made_by FROM promises WHERE customer = " + p.add(customer) +
                " ORDER BY id DESC",
            p);
    q.into(id).into(amount).into(made_on).into(promised).into(made_by);
    std::vector<PromiseView> out;
    if (q.run()) do {
        out.push_back(PromiseView{id, customer, Promise{amount, db_date(made_on), db_date(promised)},
                                  PromiseState::pending, 0, made_by});
      } while (q.fetch());
    for (PromiseView& v : out) {
      v.paid = paid_towards(customer, v.promise, as_of);
      v.state = promise_state(v.promise, v.paid, as_of);
    }
    return out;
  });
}

bool SqlBooks::take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds) {
  return guarded([&] {
    const std::string now = utc_timestamp();
    const std::string until = utc_timestamp_in(std::chrono::seconds(lease_seconds));
    const std::string d = format_date(day);
    // One statement decides, whoever else tries at the same moment (timestamps compare as text).
    soci::statement st = (db_->session().prepare << "UPDATE job_leases SET holder = :h, expires_at = :u WHERE job = :j"
                                                    " AND (done_for IS NULL OR done_for < :d)"
                                                    " AND (holder IS NULL OR expires_at < :n)",
                          soci::use(holder), soci::use(until), soci::use(job), soci::use(d), soci::use(now));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

void SqlBooks::finish_lease(const std::string& job, const std::string& holder, Date day) {
  guarded([&] {
    Params p;
    execute(*db_,
            "UPDATE job_leases SET holder = NULL, expires_at = NULL, done_for = " + p.add(format_date(day)) +
                " WHERE job = " + p.add(job) + " AND holder = " + p.add(holder),
            p);
  });
}

std::optional<NoticeView> SqlBooks::notice(std::int64_t id) {
  return guarded([&]() -> std::optional<NoticeView> {
    Params p;
    long long task = 0, level = 0, total = 0, attempts = 0;
    std::string customer, subject, text, html, currency, status, created;
    Query q(db_->session(),
            "SELECT task_id, customer, level, subject, text_body, html_body, total, currency, status, attempts,"
            " created_at FROM notices WHERE id = " + p.add(static_cast<long long>(id)),
            p);
    q.into(task).into(customer).into(level).into(subject).into(text).into(html).into(total).into(currency).into(status)
        .into(attempts).into(created);
    if (!q.run()) return std::nullopt;
    return NoticeView{id,      task,      customer, static_cast<int>(level), RenderedNotice{subject, text, html, total},
                      db_currency(currency), status, static_cast<int>(attempts), created};
  });
}

std::vector<NoticeView> SqlBooks::claim_notices(const std::string& holder, std::size_t max, int claim_seconds) {
  return guarded([&] {
    const std::string now = utc_timestamp();
    std::vector<long long> candidates;
    {
      Params p;
      const std::string n1 = p.add(now), n2 = p.add(now);
      long long id = 0;
      Query q(db_->session(),
              "SELECT id FROM notices WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= " + n1 +
                  ") AND (claim_until IS NULL OR claim_until < " + n2 + ") ORDER BY id LIMIT " +
                  p.add(static_cast<long long>(max)),
              p);
      q.into(id);
      if (q.run()) do {
          candidates.push_back(id);
        } while (q.fetch());
    }
    std::vector<NoticeView> claimed;
    const std::string until = utc_timestamp_in(std::chrono::seconds(claim_seconds));
    for (long long id : candidates) {
      // One conditional UPDATE per notice: whoever changes the row has it.
      soci::statement st = (db_->session().prepare << "UPDATE notices SET claimed_by = :h, claim_until = :u"
                                                      " WHERE id = :i AND status = 'pending'"
                                                      " AND (claim_until IS NULL OR claim_until < :n)",
                            soci::use(holder), soci::use(until), soci::use(id), soci::use(now));
      st.execute(true);
      if (st.get_affected_rows() != 1) continue;
      if (auto n = notice(id)) claimed.push_back(std::move(*n));
    }
    return claimed;
  });
}

void SqlBooks::notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                                int retry_after_ms, int attempts_max) {
  guarded([&] {
    Params p;
    if (delivered) {
      execute(*db_,
              "UPDATE notices SET status = 'sent', attempts = attempts + 1, sent_at = " + p.add(utc_timestamp()) +
                  ", last_error = NULL, claimed_by = NULL, claim_until = NULL WHERE id = " +
                  p.add(static_cast<long long>(id)) + " AND claimed_by = " + p.add(holder),
              p);
      return;
    }
    const std::string next = utc_timestamp_in(std::chrono::milliseconds(retry_after_ms));
    const std::string given_up = p.add(static_cast<long long>(attempts_max - 1));
    execute(*db_,
            "UPDATE notices SET status = CASE WHEN attempts >= " + given_up + " THEN 'failed' ELSE 'pending' END,"
            " attempts = attempts + 1, last_error = " + p.add(error.substr(0, 200)) + ", next_attempt_at = " +
                p.add(next) + ", claimed_by = NULL, claim_until = NULL WHERE id = " +
                p.add(static_cast<long long>(id)) + " AND claimed_by = " + p.add(holder),
            p);
  });
}

}  // namespace tallyman::sql
