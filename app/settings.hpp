#pragma once
// The service's settings, from the command line and the environment, read once and checked when
// `tallyman serve` starts: a bad one is a usage error (exit 2) before anything listens.
// `tallyman config` prints what they come to.
//   --db, TALLYMAN_DB                 the database (default sqlite:tallyman.db)
//   --listen, TALLYMAN_LISTEN         HOST:PORT (127.0.0.1:8080)
//   TALLYMAN_IO_THREADS               event loops (one per core)
//   TALLYMAN_IDLE_TIMEOUT             seconds a client may stay silent (30)
//   TALLYMAN_WORKERS                  database workers (a core's each on SQLite, four per core on MySQL)
//   TALLYMAN_DESKS                    credit desks (one per core)
//   TALLYMAN_WORKER_QUEUE             requests that may wait for a worker or a desk (1024)
//   TALLYMAN_TZ                       the time zone of "today" (UTC)
//   TALLYMAN_CURRENCY                 the reports' default currency (EUR)
//   TALLYMAN_DUNNING_AT               HH:MM of the daily dunning run, or off (06:00)
//   TALLYMAN_GRADING_AT               DAY HH:MM of the weekly grading run, or off (mon 05:00)
//   TALLYMAN_LEASE_SECONDS            how long a scheduled run's lease holds (600)
//   TALLYMAN_SCHEDULER_SECONDS        how often the scheduler looks whether a run is due (60)
//   TALLYMAN_WEBHOOK_URL, _SECRET     where notices go, signed; none: they wait in the outbox
//   TALLYMAN_WEBHOOK_BACKOFF_MS, _ATTEMPTS, _SECONDS   retries of a failed delivery (1000, 8), and how often (5)

#include "cli.hpp"
#include "core/money.hpp"
#include "http/server.hpp"
#include "jobs/schedule.hpp"
#include "sql/database.hpp"

#include <string>

namespace tallyman::app {

struct Settings {
  sql::DbUrl db;
  http::ServerOptions server;
  std::size_t workers = 0;
  std::size_t desks = 0;
  std::size_t queue_max = 0;
  std::string time_zone;  // empty: UTC
  Currency currency;
  jobs::Schedule schedule;
};

// Throws UsageError naming the setting that is wrong.
Settings read_settings(const Args& args);
// "NAME = value" lines, secrets hidden, for `tallyman config`.
std::string describe(const Settings& settings);

}  // namespace tallyman::app
