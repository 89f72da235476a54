#include "jobs/schedule.hpp"

#include "jobs/runs.hpp"
#include "sql/books.hpp"

#include <algorithm>

namespace tallyman::jobs {

namespace {

constexpr std::size_t notices_per_round = 50;
constexpr int notice_claim_seconds = 60;

// Runs `run` for today if this instance takes the day's lease of `job`.
template <class Run>
void leased(const sql::DbUrl& url, const char* job, const std::string& holder, Date day, int lease_seconds, Run&& run) {
  sql::Database db(url);
  sql::SqlCollections leases(db);
  if (!leases.take_lease(job, holder, day, lease_seconds)) return;
  run(db, day);
  leases.finish_lease(job, holder, day);
}

// Every pending notice that is due is delivered, signed; a failure is retried after an
// exponential backoff until the webhook's attempts_max, then the notice is failed.
void deliver_notices(const sql::DbUrl& url, const Webhook& webhook, const std::string& holder, const Deliver& deliver) {
  if (webhook.url.empty()) return;
  sql::Database db(url);
  sql::SqlCollections outbox(db);
  for (const NoticeView& n : outbox.claim_notices(holder, notices_per_round, notice_claim_seconds)) {
    const Delivered d = deliver(webhook, n);
    const int retry_ms = webhook.backoff_ms << std::min(n.attempts, 20);
    outbox.notice_attempted(n.id, holder, d.ok, d.error, retry_ms, webhook.attempts_max);
  }
}

}  // namespace

std::vector<Task> service_tasks(const sql::DbUrl& url, const Schedule& schedule, const Clock& clock,
                                const std::string& holder, Deliver deliver, OnDunningRun on_dunning_run) {
  const Actor actor{"scheduler:" + holder, Role::admin, "", "{}"};
  // Checks ignore a reservation from the day after its last day anyway; marking it is
  // harmless when several instances do it.
  Task expiry{"reservation expiry", std::chrono::hours(1), [url, clock] {
                sql::Database db(url);
                sql::SqlCredit(db).expire_reservations(clock.today());
              }};
  Task runs{"grading and dunning", schedule.every, [=] {
              const Date today = clock.today();
              const int now = clock.minutes_now();
              const Weekly& grading = schedule.grading_at;
              if (grading.minutes >= 0 && date::weekday(today) == grading.day && now >= grading.minutes)
                leased(url, "grading", holder, today, schedule.lease_seconds,
                       [&](sql::Database& db, Date day) { run_grading(db, actor, day); });
              if (schedule.dunning_at >= 0 && now >= schedule.dunning_at)
                leased(url, "dunning", holder, today, schedule.lease_seconds,
                       [&](sql::Database& db, Date day) { on_dunning_run(run_dunning(db, actor, day)); });
              // Early warning looks after the day's dunning, at the same hour.
              if (schedule.dunning_at >= 0 && now >= schedule.dunning_at)
                leased(url, "watchlist", holder, today, schedule.lease_seconds,
                       [&](sql::Database& db, Date day) { run_watch(db, day); });
            }};
  Task notices{"notice delivery", schedule.webhook.every,
               [=] { deliver_notices(url, schedule.webhook, holder, deliver); }};
  return {std::move(expiry), std::move(runs), std::move(notices)};
}

}  // namespace tallyman::jobs
