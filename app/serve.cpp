// tallyman serve, config, keys create and dunning run: the HTTP service wired to the database
// and the jobs.
#include "commands.hpp"
#include "settings.hpp"
#include "today.hpp"
#include "core/ids.hpp"
#include "http/keys.hpp"
#include "http/log.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/webhook.hpp"
#include "http/worker_pool.hpp"
#include "jobs/books.hpp"
#include "jobs/runs.hpp"
#include "jobs/schedule.hpp"
#include "sql/books.hpp"
#include "sql/database.hpp"
#include "sql/migrations.hpp"

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace tallyman::app {

namespace {

// Who holds a lease: host and process, unique among the instances.
std::string instance_name() {
  char host[64] = "host";
  ::gethostname(host, sizeof host - 1);
  return std::string(host).substr(0, 40) + ":" + std::to_string(::getpid());
}

}  // namespace

int serve_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "listen"});
  if (!args.words().empty()) throw UsageError("serve takes no words, only --db URL and --listen HOST:PORT");
  const Settings settings = read_settings(args);
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout or socket is an error to handle, not a death

  // The schema is brought up to date at start (on MySQL under a named lock, so instances
  // starting together take turns); then each worker and desk opens its own connection.
  {
    sql::Database db(settings.db);
    sql::migrate(db);
  }
  const std::string tz = settings.time_zone;
  http::Metrics metrics;
  http::Router router({[tz] { return today(tz); }, settings.currency}, metrics);
  metrics.set_transaction_reruns(sql::transaction_reruns_total);
  const sql::DbUrl url = settings.db;
  const auto connect = [url] { return std::make_unique<jobs::ServiceBooks>(std::make_unique<sql::Database>(url)); };
  http::WorkerPool pool(settings.workers, connect, router, settings.queue_max);
  http::CreditDesk desk(settings.desks, connect, router, settings.queue_max);
  const auto deliver = [](const jobs::Webhook& webhook, const NoticeView& notice) {
    const http::Delivery d = http::post_signed(webhook.url, webhook.secret, http::notice_payload(notice));
    return jobs::Delivered{d.delivered, d.error};
  };
  jobs::Scheduler scheduler(jobs::service_tasks(
      url, settings.schedule, {[tz] { return today(tz); }, [tz] { return minutes_now(tz); }}, instance_name(), deliver,
      [](const DunningRun& run) { http::log_dunning_failures(run, "scheduler"); }),
      [](const std::string& task, const std::string& what) {
        http::log_event({{"level", "error"}, {"job", task}, {"error", what}});
      });
  const http::ServerOptions& options = settings.server;
  http::serve(router, pool, desk, options, [&](unsigned short port) {
    std::printf("tallyman listening on http://%s:%u (database %s, %zu workers, %zu credit desks, %zu I/O threads)\n",
                options.address.c_str(), port, url.display.c_str(), settings.workers, settings.desks,
                options.io_threads);
    std::fflush(stdout);
  });
  std::printf("tallyman stopped\n");
  return 0;
}

int config_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "listen"});
  if (!args.words().empty()) throw UsageError("config takes no words, only --db URL and --listen HOST:PORT");
  std::fputs(describe(read_settings(args)).c_str(), stdout);
  return 0;
}

int keys_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "role", "name"});
  const std::vector<std::string> words = args.words();
  constexpr const char* usage =
      "usage: tallyman keys create --role ROLE --name NAME | keys list | keys revoke NAME [--db URL]";
  if (words == std::vector<std::string>{"list"}) {
    auto db = open_database(args);
    sql::migrate(*db);
    sql::SqlBooks books(std::move(db));
    std::printf("%-32s %-10s %-22s %s\n", "name", "role", "created", "revoked");
    for (const AccessBooks::KeyInfo& k : books.access().keys())
      std::printf("%-32s %-10s %-22s %s\n", k.name.c_str(), std::string(to_string(k.role)).c_str(),
                  k.created_at.c_str(), k.revoked_at.value_or("").c_str());
    return 0;
  }
  if (words.size() == 2 && words[0] == "revoke") {
    if (!is_valid_id(words[1])) throw UsageError("keys revoke: the name must be 1-64 characters from A-Z a-z 0-9 . _ : / -");
    auto db = open_database(args);
    sql::migrate(*db);
    sql::SqlBooks books(std::move(db));
    if (!books.access().revoke_key(words[1]))
      throw UsageError("keys revoke: " + words[1] + " has no key in use");
    std::fprintf(stderr, "the key of %s is revoked; a running service refuses it within a minute\n", words[1].c_str());
    return 0;
  }
  if (words != std::vector<std::string>{"create"}) throw UsageError(usage);
  auto role = parse_role(args.option("role").value_or(""));
  if (!role) throw UsageError("--role must be sales, collector, finance, manager or admin");
  const std::string name = args.option("name").value_or("");
  if (!is_valid_id(name)) throw UsageError("--name must be 1-64 characters from A-Z a-z 0-9 . _ : / -");
  auto db = open_database(args);
  sql::migrate(*db);
  const std::string key = http::new_api_key();
  sql::SqlBooks books(std::move(db));
  if (!books.access().add_key(name, *role, http::key_hash(key)))
    throw UsageError("keys create: " + name + " has a key in use already; revoke it first (tallyman keys revoke " + name + ")");
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
    if (*d > as_of) throw UsageError("--as-of must not be after today, " + format_date(as_of));
    as_of = *d;
  }
  const Actor actor = cli_actor("{}");
  const DunningRun run = jobs::run_dunning(*open_migrated(args), actor, as_of);
  if (run.replayed) std::printf("as of %s, dunning had run already; that run's counts:\n", format_date(as_of).c_str());
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
