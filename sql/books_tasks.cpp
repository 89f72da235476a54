// The collector's side of collections (contract §5): the tasks dunning runs create, read and
// closed, and promises to pay, made and followed.
#include "core/check.hpp"
#include "sql/audit.hpp"
#include "sql/books.hpp"
#include "sql/books_write.hpp"
#include "sql/clock.hpp"
#include "sql/rows.hpp"
#include "sql/statement.hpp"

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

}  // namespace tallyman::sql
