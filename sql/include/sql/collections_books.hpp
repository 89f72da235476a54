#pragma once
// Collections over the database (core/collections_books.hpp; sql/collections_books.cpp, and
// outbox.cpp for the notices' delivery and the scheduled jobs' leases).

#include "core/collections_books.hpp"
#include "sql/database.hpp"

namespace tallyman::sql {

class SqlCollections final : public CollectionsBooks {
 public:
  explicit SqlCollections(Database& db) : db_(db) {}
  DunningPolicy dunning_policy() override;
  PolicyChange put_dunning_policy(const Actor& actor, const DunningPolicy& policy) override;
  std::optional<DunningRun> dunning_run(std::int64_t id) override;
  Page<DunningRun> dunning_runs(const PageRequest& page) override;
  // The run that already covered a date: the first as of that date, else the latest as of a
  // later one; none if no run has (jobs/dunning_run.cpp answers with it).
  std::optional<DunningRun> dunning_run_covering(Date as_of);
  Page<DunningTask> dunning_tasks(const TaskFilter& filter, const PageRequest& page) override;
  std::optional<DunningTask> dunning_task(std::int64_t id) override;
  std::optional<NoticeView> notice(std::int64_t id) override;
  Page<NoticeView> notices(const std::optional<std::string>& customer, const std::optional<std::string>& status,
                           const PageRequest& page) override;
  PromiseOutcome make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                              std::int64_t& id) override;
  std::vector<PromiseView> promises(const std::string& customer, Date as_of) override;
  TaskUpdate update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                         const std::optional<std::string>& note) override;

  // The outbox's sender: claims up to `max` pending notices that are due (none claimed by a
  // live other sender), for `claim_seconds`; then reports each attempt. A notice whose
  // attempt succeeded is sent and never claimed again; after `attempts_max` failures, failed.
  std::vector<NoticeView> claim_notices(const std::string& holder, std::size_t max, int claim_seconds);
  void notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                        int retry_after_ms, int attempts_max);
  // Scheduled jobs among instances: takes `job`'s lease for `day` unless it was done for that
  // day or another holder's lease is still running; true if this holder has it now.
  bool take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds);
  void finish_lease(const std::string& job, const std::string& holder, Date day);

 private:
  Database& db_;
};

}  // namespace tallyman::sql
