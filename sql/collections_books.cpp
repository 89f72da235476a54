// The collector's side of collections (contract §5): the tasks dunning runs create, read and
// closed, and promises to pay, made and followed.
#include "core/check.hpp"
#include "audit.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>

namespace tallyman::sql {

namespace {

// A task's invoices, as join() in books_dunning.cpp wrote them.
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

const char* const task_columns =
    "SELECT t.id, t.customer, c.name, c.currency, t.level, t.action, t.overdue_amount, t.unapplied_credit, t.days_overdue,"
    " t.invoices, t.created,"
    " t.status, t.note, c.collector, n.id FROM dunning_tasks t JOIN customers c ON c.id = t.customer LEFT JOIN notices n ON n.task_id = t.id";

std::vector<DunningTask> read_tasks(Database& db, const std::string& sql, Params& p) {
  long long id = 0, level = 0, amount = 0, credit = 0, days = 0, notice = 0;
  std::string customer, name, currency, action, invoices, created, status, note, collector;
  soci::indicator note_ind = soci::i_ok, collector_ind = soci::i_ok, notice_ind = soci::i_ok;
  Query q(db.session(), sql, p);
  q.into(id).into(customer).into(name).into(currency).into(level).into(action).into(amount).into(credit).into(days).into(invoices).into(created)
      .into(status)
      .into(note, note_ind).into(collector, collector_ind).into(notice, notice_ind);
  std::vector<DunningTask> out;
  if (q.run()) do {
      auto s = parse_task_status(status);
      if (!s) throw DatabaseError("the database holds an unknown task status: " + status);
      DunningTask t{id,     customer, name,       db_currency(currency), static_cast<int>(level), action, amount,
                    credit, static_cast<int>(days), split(invoices), db_date(created), *s, std::nullopt, std::nullopt,
                    std::nullopt};
      if (notice_ind == soci::i_ok) t.notice = notice;
      if (note_ind == soci::i_ok) t.note = note;
      if (collector_ind == soci::i_ok) t.collector = collector;
      out.push_back(std::move(t));
    } while (q.fetch());
  return out;
}

}  // namespace

Page<DunningTask> SqlCollections::dunning_tasks(const TaskFilter& filter, const PageRequest& page) {
  return guarded([&] {
    Params p;
    const long long after = page.after.empty() ? 0 : std::stoll(page.after);
    std::string sql = std::string(task_columns) + " WHERE t.id > " + p.add(after);
    if (filter.status) sql += " AND t.status = " + p.add(std::string(to_string(*filter.status)));
    if (filter.collector) sql += " AND c.collector = " + p.add(*filter.collector);
    if (filter.level) sql += " AND t.level = " + p.add(static_cast<long long>(*filter.level));
    if (filter.customer) sql += " AND t.customer = " + p.add(*filter.customer);
    sql += " ORDER BY t.id LIMIT " + p.add(static_cast<long long>(page.limit + 1));
    std::vector<DunningTask> tasks = read_tasks(db_, sql, p);
    Page<DunningTask> out;
    if (tasks.size() > page.limit) {
      tasks.resize(page.limit);
      out.next_after = std::to_string(tasks.back().id);
    }
    out.items = std::move(tasks);
    return out;
  });
}

std::optional<DunningTask> SqlCollections::dunning_task(std::int64_t id) {
  return guarded([&]() -> std::optional<DunningTask> {
    Params p;
    auto found = read_tasks(db_, std::string(task_columns) + " WHERE t.id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

TaskUpdate SqlCollections::update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                                       const std::optional<std::string>& note) {
  TM_ASSERT(status == TaskStatus::done || status == TaskStatus::cancelled);
  return write(db_, actor, "dunning_task.update", "dunning_task", std::to_string(id), [&](LedgerStore&) {
    Params p;
    std::string current;
    Query q(db_.session(),
            "SELECT status FROM dunning_tasks WHERE id = " + p.add(static_cast<long long>(id)) + db_.for_update(), p);
    q.into(current);
    if (!q.run()) return TaskUpdate::no_task;
    if (current == to_string(status)) return TaskUpdate::unchanged;
    if (current != "open") return TaskUpdate::not_open;
    Params u;
    execute(db_,
            "UPDATE dunning_tasks SET status = " + u.add(std::string(to_string(status))) + ", note = " + u.add(note) +
                " WHERE id = " + u.add(static_cast<long long>(id)),
            u);
    return TaskUpdate::updated;
  });
}

std::int64_t paid_towards(Database& db_, const std::string& customer, const Promise& promise, Date as_of) {
  Params p;
  long long paid = 0;
  soci::indicator ind = soci::i_ok;
  const Date until = std::min(promise.promised_date, as_of);
  Query(db_.session(),
        "SELECT SUM(amount) FROM payments WHERE customer = " + p.add(customer) + " AND received_date >= " +
            p.add(format_date(promise.made_on)) + " AND received_date <= " + p.add(format_date(until)) +
            " AND reversed_on IS NULL",
        p)
      .into(paid, ind)
      .run();
  return ind == soci::i_ok ? paid : 0;
}

PromiseOutcome SqlCollections::make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                                            std::int64_t& id) {
  return guarded([&] {
    WriteTransaction tx(db_);
    if (!LedgerStore(db_).customer(customer)) return PromiseOutcome::unknown_customer;
    Params p;
    execute(db_,
            "INSERT INTO promises (customer, amount, made_on, promised_date, status, made_by, recorded_at) VALUES (" +
                p.add(customer) + ", " + p.add(static_cast<long long>(promise.amount)) + ", " +
                p.add(format_date(promise.made_on)) + ", " + p.add(format_date(promise.promised_date)) +
                ", 'pending', " + p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")",
            p);
    id = last_insert_id(db_, "promises");
    record_audit(db_, actor, "promise.make", "promise", std::to_string(id));
    tx.commit();
    return PromiseOutcome::made;
  });
}

std::vector<PromiseView> SqlCollections::promises(const std::string& customer, Date as_of) {
  return guarded([&] {
    Params p;
    long long id = 0, amount = 0;
    std::string made_on, promised, made_by;
    Query q(db_.session(),
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
      v.paid = paid_towards(db_, customer, v.promise, as_of);
      v.state = promise_state(v.promise, v.paid, as_of);
    }
    return out;
  });
}

DunningPolicy SqlCollections::dunning_policy() {
  return guarded([&] {
    DunningPolicy p;
    Params none;
    long long min_amount = 0, net_unapplied = 1;
    Query(db_.session(), "SELECT min_amount, net_unapplied FROM dunning_settings WHERE id = 1", none)
        .into(min_amount)
        .into(net_unapplied)
        .run();
    p.min_amount = min_amount;
    p.net_unapplied = net_unapplied != 0;
    Params q;
    long long level = 0, days = 0, hold = 0, days_a = 0, days_b = 0, days_c = 0;
    soci::indicator a_ind = soci::i_ok, b_ind = soci::i_ok, c_ind = soci::i_ok;
    std::string action;
    Query levels(db_.session(),
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

PolicyChange SqlCollections::put_dunning_policy(const Actor& actor, const DunningPolicy& policy) {
  if (dunning_policy() == policy) return PolicyChange::unchanged;
  return write(db_, actor, "dunning_policy.put", "dunning_policy", "1", [&](LedgerStore&) {
    Params p;
    execute(db_,
            "UPDATE dunning_settings SET min_amount = " + p.add(static_cast<long long>(policy.min_amount)) +
                ", net_unapplied = " + p.add(static_cast<long long>(policy.net_unapplied)) + " WHERE id = 1",
            p);
    Params none;
    execute(db_, "DELETE FROM dunning_levels", none);
    for (const DunningLevel& l : policy.levels) {
      Params i;
      auto days = [&](char grade) {
        auto it = l.grade_days.find(grade);
        return i.add(it == l.grade_days.end() ? std::nullopt : std::optional<long long>(it->second));
      };
      const std::string level = i.add(static_cast<long long>(l.level)), d = i.add(static_cast<long long>(l.days_overdue)),
                        action = i.add(l.action), hold = i.add(static_cast<long long>(l.credit_hold));
      const std::string a = days('A'), b = days('B'), c = days('C');
      execute(db_,
              "INSERT INTO dunning_levels (level, days_overdue, action, credit_hold, days_a, days_b, days_c) VALUES (" +
                  level + ", " + d + ", " + action + ", " + hold + ", " + a + ", " + b + ", " + c + ")",
              i);
    }
    return PolicyChange::changed;
  });
}

namespace {

// The runs the query's conditions select, as stored.
std::vector<DunningRun> read_runs(Database& db, const std::string& where_and_order, Params& p) {
  std::string as_of;
  long long id = 0, v[8] = {};
  Query q(db.session(),
          "SELECT id, as_of, examined, tasks_created, holds_set, holds_released, tasks_resolved, promises_broken,"
          " duration_ms, customers_failed FROM dunning_runs " + where_and_order,
          p);
  q.into(id).into(as_of);
  for (long long& x : v) q.into(x);
  std::vector<DunningRun> out;
  if (q.run()) do {
      DunningRun run;
      run.id = id;
      run.as_of = db_date(as_of);
      for (auto [field, k] : {std::pair{&run.examined, 0}, {&run.tasks_created, 1}, {&run.holds_set, 2},
                              {&run.holds_released, 3}, {&run.tasks_resolved, 4}, {&run.promises_broken, 5},
                              {&run.customers_failed, 7}})
        *field = static_cast<int>(v[k]);
      run.duration_ms = v[6];
      out.push_back(std::move(run));
    } while (q.fetch());
  return out;
}

}  // namespace

std::optional<DunningRun> SqlCollections::dunning_run(std::int64_t id) {
  return guarded([&]() -> std::optional<DunningRun> {
    Params p;
    std::vector<DunningRun> runs = read_runs(db_, "WHERE id = " + p.add(static_cast<long long>(id)), p);
    if (runs.empty()) return std::nullopt;
    return std::move(runs.front());
  });
}

Page<DunningRun> SqlCollections::dunning_runs(const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string where = page.after.empty() ? "" : "WHERE id < " + p.add(std::stoll(page.after));
    std::vector<DunningRun> runs = read_runs(db_, where + " ORDER BY id DESC" + limit_clause(p, page), p);
    return finish_page(std::move(runs), page, [](const DunningRun& r) { return std::to_string(r.id); });
  });
}

std::optional<DunningRun> SqlCollections::dunning_run_covering(Date as_of) {
  return guarded([&]() -> std::optional<DunningRun> {
    Params p;
    std::vector<DunningRun> same = read_runs(db_, "WHERE as_of = " + p.add(format_date(as_of)) + " ORDER BY id LIMIT 1", p);
    if (!same.empty()) return std::move(same.front());
    Params l;
    std::vector<DunningRun> later =
        read_runs(db_, "WHERE as_of > " + l.add(format_date(as_of)) + " ORDER BY as_of DESC, id DESC LIMIT 1", l);
    if (!later.empty()) return std::move(later.front());
    return std::nullopt;
  });
}

void end_episode_if_clear(Database& db_, const std::string& customer, Date day) {
  Params p;
  long long hold = 0, open_episode = 0, overdue = 0;
  Query(db_.session(),
        "SELECT dunning_hold, CASE WHEN dunning_level IS NULL THEN 0 ELSE 1 END FROM customers WHERE id = " +
            p.add(customer),
        p)
      .into(hold)
      .into(open_episode)
      .run();
  if (hold == 0 && open_episode == 0) return;
  Params q;
  Query(db_.session(),
        "SELECT COUNT(*) FROM invoices WHERE customer = " + q.add(customer) +
            " AND open_amount > 0 AND disputed = 0 AND due_date < " + q.add(format_date(day)),
        q)
      .into(overdue)
      .run();
  if (overdue > 0) return;
  Params t;
  execute(db_,
          "UPDATE dunning_tasks SET status = 'resolved' WHERE customer = " + t.add(customer) + " AND status = 'open'", t);
  Params c;
  execute(db_,
          "UPDATE customers SET dunning_hold = 0, dunning_level = NULL WHERE id = " + c.add(customer), c);
}

}  // namespace tallyman::sql
