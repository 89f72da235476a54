#pragma once
// What the service runs on its own (jobs/scheduler.hpp runs it): reservation expiry every
// hour; the weekly grading run and the daily dunning run, each once among all instances (the
// one that takes the day's lease runs it); the delivery of the notices in the outbox.

#include "core/books.hpp"
#include "jobs/scheduler.hpp"
#include "sql/database.hpp"

#include <date/date.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace tallyman::jobs {

struct Weekly {
  date::weekday day = date::Monday;
  int minutes = -1;  // of the day; -1: off
};

struct Webhook {
  std::string url;  // none: notices wait in the outbox
  std::string secret;
  int backoff_ms = 1000;  // before the second attempt, doubled for each after
  int attempts_max = 8;   // then the notice is failed
  std::chrono::seconds every{5};
};

struct Schedule {
  int dunning_at = 6 * 60;                 // minutes of the day in the service's time zone; -1: off
  Weekly grading_at{date::Monday, 5 * 60};  // before the day's dunning, so that it sees fresh grades
  // A scheduled run that takes longer than this loses its lease to another instance, which
  // then runs it again: a run is one transaction, so a holder that died left nothing behind.
  int lease_seconds = 600;
  std::chrono::seconds every{60};  // how often it looks whether a run is due
  Webhook webhook;
};

// The service's clock: today and the minutes since midnight, in its time zone.
struct Clock {
  std::function<Date()> today;
  std::function<int()> minutes_now;
};

// How a notice reaches the webhook (http/webhook.cpp, in the service): true, or why not.
struct Delivered {
  bool ok = false;
  std::string error;
};
using Deliver = std::function<Delivered(const Webhook&, const NoticeView&)>;
// What becomes of a scheduled dunning run (the service logs its failed customers).
using OnDunningRun = std::function<void(const DunningRun&)>;

// `holder` names this instance among those sharing the database.
std::vector<Task> service_tasks(const sql::DbUrl& url, const Schedule& schedule, const Clock& clock,
                                const std::string& holder, Deliver deliver, OnDunningRun on_dunning_run);

}  // namespace tallyman::jobs
