// tallyman serve and tallyman keys create: the HTTP service wired to the database.
#include "app/commands.hpp"
#include "app/today.hpp"
#include "core/ids.hpp"
#include "http/keys.hpp"
#include "http/log.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/webhook.hpp"
#include "http/worker_pool.hpp"
#include "jobs/books.hpp"
#include "jobs/runs.hpp"
#include "jobs/scheduler.hpp"
#include "sql/books.hpp"
#include "sql/database.hpp"
#include "sql/migrations.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <chrono>
#include <date/tz.h>
#include <unistd.h>
#include <thread>

namespace tallyman::app {

namespace {

// Database workers: the requests (but credit checks) the service runs at once. On SQLite a
// request is CPU work in this process: a worker per core (more only add context switches: 2
// workers served the customer read at 29,700 requests/s here, 4 at 27,100, 8 at 21,700). On
// MySQL a worker mostly waits for the server: four per core.
// Credit desks (http/credit_desk.hpp): one per core on both; each batches what waits for it.

// A scheduled run that takes longer than this loses its lease to another instance (which then
// runs it again: a run is one transaction, so a holder that died left nothing behind).
// TALLYMAN_LEASE_SECONDS changes it (the takeover test uses a short one).
constexpr std::size_t lease_seconds_default = 600;

// "06:00" -> 360; `fallback` when unset; "off" -> -1 (no scheduled run); a usage error when
// malformed.
int minutes_of_day(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  if (std::string_view(text) == "off") return -1;
  int h = -1, m = -1;
  char extra = 0;
  if (std::sscanf(text, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
    throw UsageError(std::string(name) + " must be HH:MM, such as 06:00, or off");
  return h * 60 + m;
}

// The weekly grading run: TALLYMAN_GRADING_AT "DAY HH:MM" (mon..sun), "mon 05:00" unless set,
// "off" for none. Monday early, before the day's dunning run, so that it sees fresh grades.
struct Weekly {
  date::weekday day;
  int minutes = -1;  // -1: off
};

Weekly weekly_at(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return {date::Monday, 5 * 60};
  if (std::string_view(text) == "off") return {date::Monday, -1};
  static const char* const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  char day[4] = {};
  int h = -1, m = -1;
  char extra = 0;
  if (std::sscanf(text, "%3s %d:%d%c", day, &h, &m, &extra) == 3 && h >= 0 && h <= 23 && m >= 0 && m <= 59)
    for (unsigned d = 0; d < 7; ++d)
      if (std::string_view(day) == days[d]) return {date::weekday(d), h * 60 + m};
  throw UsageError(std::string(name) + " must be DAY HH:MM with DAY one of mon tue wed thu fri sat sun, or off");
}

// The minutes since midnight now, in TALLYMAN_TZ.
int minutes_now() {
  const auto now = std::chrono::system_clock::now();
  const char* tz = std::getenv("TALLYMAN_TZ");
  const auto local = tz == nullptr || *tz == '\0'
                         ? std::chrono::floor<std::chrono::minutes>(now).time_since_epoch()
                         : std::chrono::floor<std::chrono::minutes>(date::make_zoned(tz, now).get_local_time())
                               .time_since_epoch();
  return static_cast<int>((local % std::chrono::hours(24)).count());
}

// Who holds a lease: host and process, unique among the instances.
std::string instance_name() {
  char host[64] = "host";
  ::gethostname(host, sizeof host - 1);
  return std::string(host).substr(0, 40) + ":" + std::to_string(::getpid());
}

std::size_t env_count(const char* name, std::size_t fallback, std::size_t max);

// The outbox's sender: every pending notice that is due is POSTed to TALLYMAN_WEBHOOK_URL,
// signed with TALLYMAN_WEBHOOK_SECRET; a failure is retried after an exponential backoff
// (TALLYMAN_WEBHOOK_BACKOFF_MS, doubled per attempt) until TALLYMAN_WEBHOOK_ATTEMPTS, then
// the notice is failed. Without a URL, notices wait in the outbox.
constexpr std::size_t notices_per_round = 50;
constexpr int notice_claim_seconds = 60;

void deliver_notices(const sql::DbUrl& url, const std::string& holder) {
  const char* target = std::getenv("TALLYMAN_WEBHOOK_URL");
  if (target == nullptr || *target == '\0') return;
  const char* secret = std::getenv("TALLYMAN_WEBHOOK_SECRET");
  const int backoff_ms = static_cast<int>(env_count("TALLYMAN_WEBHOOK_BACKOFF_MS", 1000, 3'600'000));
  const int attempts_max = static_cast<int>(env_count("TALLYMAN_WEBHOOK_ATTEMPTS", 8, 100));
  sql::SqlBooks books(std::make_unique<sql::Database>(url));
  for (const NoticeView& n : books.collections().claim_notices(holder, notices_per_round, notice_claim_seconds)) {
    const http::Delivery d = http::post_signed(target, secret != nullptr ? secret : "", http::notice_payload(n));
    const int retry_ms = backoff_ms << std::min(n.attempts, 20);
    books.collections().notice_attempted(n.id, holder, d.delivered, d.error, retry_ms, attempts_max);
  }
}

std::size_t cores() { return std::max(2u, std::thread::hardware_concurrency()); }

std::size_t workers_default(sql::Dialect dialect) { return dialect == sql::Dialect::sqlite ? cores() : 4 * cores(); }

std::size_t env_count(const char* name, std::size_t fallback, std::size_t max) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (*end != '\0' || value < 1 || value > max)
    throw UsageError(std::string(name) + " must be a whole number from 1 to " + std::to_string(max));
  return value;
}

http::ServerOptions listen_options(const Args& args) {
  std::string listen = "127.0.0.1:8080";
  if (const char* env = std::getenv("TALLYMAN_LISTEN"); env != nullptr && *env != '\0') listen = env;
  if (auto v = args.option("listen")) listen = *v;
  const std::size_t colon = listen.rfind(':');
  http::ServerOptions options;
  char* end = nullptr;
  const unsigned long port = colon == std::string::npos ? 70000 : std::strtoul(listen.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || *end != '\0' || port > 65535)
    throw UsageError("--listen must be HOST:PORT, such as 127.0.0.1:8080");
  options.address = listen.substr(0, colon);
  if (options.address.size() > 2 && options.address.front() == '[') options.address = options.address.substr(1, options.address.size() - 2);
  options.port = static_cast<unsigned short>(port);
  options.io_threads = env_count("TALLYMAN_IO_THREADS", std::max(1u, std::thread::hardware_concurrency()), 16);
  options.read_timeout = std::chrono::seconds(env_count("TALLYMAN_IDLE_TIMEOUT", 30, 3600));
  return options;
}

}  // namespace

int serve_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "listen"});
  if (!args.words().empty()) throw UsageError("serve takes no words, only --db URL and --listen HOST:PORT");
  http::ServerOptions options = listen_options(args);
  const Currency currency = base_currency();
  today();  // a bad TALLYMAN_TZ is a usage error now, not a failure per request
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout or socket is an error to handle, not a death

  // The schema is brought up to date at start (on MySQL under a named lock, so instances
  // starting together take turns); then each worker opens its own connection.
  std::string why;
  const auto url = sql::parse_db_url(database_url(args), why);
  if (!url) throw UsageError(why);
  const std::size_t workers = env_count("TALLYMAN_WORKERS", workers_default(url->dialect), http::workers_max);
  const std::size_t desks = env_count("TALLYMAN_DESKS", cores(), http::desks_max);
  const std::size_t queue_max = env_count("TALLYMAN_WORKER_QUEUE", http::worker_queue_max, 1'000'000);
  {
    sql::Database db(*url);
    sql::migrate(db);
  }
  http::Metrics metrics;
  http::Router router({[] { return today(); }, currency}, metrics);
  const auto connect = [&url] { return std::make_unique<jobs::ServiceBooks>(std::make_unique<sql::Database>(*url)); };
  http::WorkerPool pool(workers, connect, router, queue_max);
  http::CreditDesk desk(desks, connect, router, queue_max);
  // Jobs. Expired reservations are marked so every hour (checks ignore them from their last
  // day on anyway; harmless when several instances do it). The dunning run happens daily at
  // TALLYMAN_DUNNING_AT (HH:MM in TALLYMAN_TZ, 06:00 unless set) and the grading run weekly
  // at TALLYMAN_GRADING_AT, each once among all instances: whoever takes the day's lease runs it.
  const int dunning_at = minutes_of_day("TALLYMAN_DUNNING_AT", 6 * 60);
  const Weekly grading_at = weekly_at("TALLYMAN_GRADING_AT");
  const int lease_seconds = static_cast<int>(env_count("TALLYMAN_LEASE_SECONDS", lease_seconds_default, 86400));
  const std::string holder = instance_name();
  const Actor scheduler_actor{"scheduler:" + holder, Role::admin, "", "{}"};
  // Runs `job` for today if its time has come and this instance takes the day's lease.
  auto leased = [&url, holder, lease_seconds](const char* job, auto&& run) {
    sql::Database db(*url);
    sql::SqlCollections leases(db);
    const Date day = today();
    if (!leases.take_lease(job, holder, day, lease_seconds)) return;
    run(db, day);
    leases.finish_lease(job, holder, day);
  };
  jobs::Scheduler scheduler(
      {{"reservation expiry", std::chrono::hours(1),
        [&url] {
          sql::SqlBooks books(std::make_unique<sql::Database>(*url));
          books.credit().expire_reservations(today());
        }},
       {"grading and dunning", std::chrono::seconds(env_count("TALLYMAN_SCHEDULER_SECONDS", 60, 3600)),
        [&] {
          const int now = minutes_now();
          if (grading_at.minutes >= 0 && date::weekday(today()) == grading_at.day && now >= grading_at.minutes)
            leased("grading", [&](sql::Database& db, Date day) { jobs::run_grading(db, scheduler_actor, day); });
          if (dunning_at >= 0 && now >= dunning_at)
            leased("dunning", [&](sql::Database& db, Date day) {
              http::log_dunning_failures(jobs::run_dunning(db, scheduler_actor, day), "scheduler");
            });
        }},
       {"notice delivery", std::chrono::seconds(env_count("TALLYMAN_WEBHOOK_SECONDS", 5, 3600)),
        [&url, holder] { deliver_notices(*url, holder); }}});
  http::serve(router, pool, desk, options, [&](unsigned short port) {
    std::printf("tallyman listening on http://%s:%u (database %s, %zu workers, %zu credit desks, %zu I/O threads)\n",
                options.address.c_str(), port, url->display.c_str(), workers, desks, options.io_threads);
    std::fflush(stdout);
  });
  std::printf("tallyman stopped\n");
  return 0;
}

int keys_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "role", "name"});
  if (args.words() != std::vector<std::string>{"create"})
    throw UsageError("usage: tallyman keys create --role ROLE --name NAME [--db URL]");
  auto role = parse_role(args.option("role").value_or(""));
  if (!role) throw UsageError("--role must be sales, collector, finance, manager or admin");
  const std::string name = args.option("name").value_or("");
  if (!is_valid_id(name)) throw UsageError("--name must be 1-64 characters from A-Z a-z 0-9 . _ : / -");
  auto db = open_database(args);
  sql::migrate(*db);
  const std::string key = http::new_api_key();
  sql::SqlBooks books(std::move(db));
  books.access().add_key(name, *role, http::key_hash(key));
  std::printf("%s\n", key.c_str());
  std::fprintf(stderr, "key created for %s with role %s; it is shown this once, only its hash is kept\n",
               name.c_str(), std::string(to_string(*role)).c_str());
  return 0;
}

int dunning_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "as-of"});
  if (args.words() != std::vector<std::string>{"run"})
    throw UsageError("usage: tallyman dunning run [--as-of D] [--db URL]");
  Date as_of = today();
  if (auto v = args.option("as-of")) {
    auto d = parse_date(*v);
    if (!d) throw UsageError("--as-of must be a date that exists, as YYYY-MM-DD");
    as_of = *d;
  }
  const Actor actor = cli_actor("{}");
  const DunningRun run = jobs::run_dunning(*open_migrated(args), actor, as_of);
  std::printf("dunning run %lld as of %s: %d customers examined, %d tasks created, %d holds set, %d holds released,"
              " %d tasks resolved, %lld ms\n",
              static_cast<long long>(run.id), format_date(run.as_of).c_str(), run.examined, run.tasks_created,
              run.holds_set, run.holds_released, run.tasks_resolved, static_cast<long long>(run.duration_ms));
  for (const DunningFailure& f : run.failures)
    std::fprintf(stderr, "dunning run %lld: customer %s left out: %s\n", static_cast<long long>(run.id),
                 f.customer.c_str(), f.error.c_str());
  if (run.customers_failed > 0) {
    std::fprintf(stderr, "dunning run %lld: %d customers left out\n", static_cast<long long>(run.id), run.customers_failed);
    return 1;
  }
  return 0;
}

}  // namespace tallyman::app
