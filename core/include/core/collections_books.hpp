#pragma once
// Collections' area of the books (core/books.hpp; contract §5): the dunning policy, the runs'
// records, collectors' tasks and notices, promises to pay.

#include "core/books_common.hpp"
#include "core/dunning.hpp"
#include "core/notice.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

enum class TaskStatus { open, done, cancelled, resolved };
std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);

struct DunningTask {
  std::int64_t id = 0;
  std::string customer;
  std::string customer_name;
  Currency currency;  // the customer's
  int level = 0;
  std::string action;
  std::int64_t overdue_amount = 0;  // less the unapplied credit set against it
  std::int64_t unapplied_credit = 0;
  int days_overdue = 0;  // the largest, as of the run that created it
  std::vector<std::string> invoices;
  Date created;  // the run's as_of
  TaskStatus status = TaskStatus::open;
  std::optional<std::string> note;
  std::optional<std::string> collector;  // the customer's
  std::optional<std::int64_t> notice;    // the notice it sent, if its action sends one
};

struct NoticeView {
  std::int64_t id = 0;
  std::int64_t task = 0;
  std::string customer;
  int level = 0;
  RenderedNotice rendered;
  Currency currency;
  std::string status;  // pending, sent, failed
  int attempts = 0;
  std::string created_at;
  // "dunning.notice" (a task's notice), or "watchlist.signal" (a customer's first early-warning
  // signals: the task and level are 0, the total its balance).
  std::string event = "dunning.notice";
};

struct TaskFilter {
  std::optional<TaskStatus> status;
  std::optional<std::string> collector;
  std::optional<int> level;
  std::optional<std::string> customer;
};

// A customer whose writes the database refused in a run: the run went on without it.
struct DunningFailure {
  std::string customer;
  std::string error;  // the database's words, for the log
};
constexpr std::size_t dunning_failures_kept = 100;  // of a run's failures, for the log; all are counted

struct DunningRun {
  std::int64_t id = 0;
  Date as_of;
  int examined = 0;
  int tasks_created = 0;
  int holds_set = 0;
  int holds_released = 0;
  int tasks_resolved = 0;
  int promises_broken = 0;
  std::int64_t duration_ms = 0;
  int customers_failed = 0;
  std::vector<DunningFailure> failures;  // the first dunning_failures_kept; only as the run returns
  bool replayed = false;                 // a run that had covered the date already, answered again
};

struct PromiseView {
  std::int64_t id = 0;
  std::string customer;
  Promise promise;
  PromiseState state = PromiseState::pending;  // as of the day asked
  std::int64_t paid = 0;                       // received towards it so far
  std::string made_by;
};

// What a collector's change to a task did.
enum class TaskUpdate { updated, unchanged, no_task, not_open };  // unchanged: the same again
// What a promise to pay came to.
enum class PromiseOutcome { made, unknown_customer };

class CollectionsBooks {
 public:
  virtual ~CollectionsBooks() = default;
  virtual DunningPolicy dunning_policy() = 0;
  virtual PolicyChange put_dunning_policy(const Actor& actor, const DunningPolicy& policy) = 0;
  virtual std::optional<DunningRun> dunning_run(std::int64_t id) = 0;
  // The runs, newest first.
  virtual Page<DunningRun> dunning_runs(const PageRequest& page) = 0;
  virtual Page<DunningTask> dunning_tasks(const TaskFilter& filter, const PageRequest& page) = 0;
  virtual std::optional<DunningTask> dunning_task(std::int64_t id) = 0;
  virtual std::optional<NoticeView> notice(std::int64_t id) = 0;
  // Newest first; optionally one customer's, of one delivery status (pending, sent, failed).
  virtual Page<NoticeView> notices(const std::optional<std::string>& customer, const std::optional<std::string>& status,
                                   const PageRequest& page) = 0;
  // A promise to pay (collector and up); `id` is set when made.
  virtual PromiseOutcome make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                                      std::int64_t& id) = 0;
  // The customer's promises, newest first, each as of `as_of`.
  virtual std::vector<PromiseView> promises(const std::string& customer, Date as_of) = 0;
  // A collector closes an open task: done or cancelled, with a note.
  virtual TaskUpdate update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                                 const std::optional<std::string>& note) = 0;
};

}  // namespace tallyman
