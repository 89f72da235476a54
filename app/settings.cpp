#include "settings.hpp"

#include "commands.hpp"
#include "today.hpp"
#include "http/limits.hpp"
#include "http/webhook.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace tallyman::app {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::size_t cores() { return std::max(2u, std::thread::hardware_concurrency()); }

// A whole number from 1 to max, `fallback` when unset.
std::size_t count(const char* name, std::size_t fallback, std::size_t max) {
  const std::string text = env(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if (*end != '\0' || value < 1 || value > max)
    throw UsageError(std::string(name) + " must be a whole number from 1 to " + std::to_string(max));
  return value;
}

// "06:00" -> 360; `fallback` when unset; "off" -> -1 (no scheduled run).
int minutes_of_day(const char* name, int fallback) {
  const std::string text = env(name);
  if (text.empty()) return fallback;
  if (text == "off") return -1;
  int h = -1, m = -1;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
    throw UsageError(std::string(name) + " must be HH:MM, such as 06:00, or off");
  return h * 60 + m;
}

const char* const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// "mon 05:00"; `fallback` when unset; "off".
jobs::Weekly weekly_at(const char* name, jobs::Weekly fallback) {
  const std::string text = env(name);
  if (text.empty()) return fallback;
  if (text == "off") return {date::Monday, -1};
  char day[4] = {};
  int h = -1, m = -1;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%3s %d:%d%c", day, &h, &m, &extra) == 3 && h >= 0 && h <= 23 && m >= 0 && m <= 59)
    for (unsigned d = 0; d < 7; ++d)
      if (std::string_view(day) == day_names[d]) return {date::weekday(d), h * 60 + m};
  throw UsageError(std::string(name) + " must be DAY HH:MM with DAY one of mon tue wed thu fri sat sun, or off");
}

void listen_at(const std::string& listen, http::ServerOptions& server) {
  const std::size_t colon = listen.rfind(':');
  char* end = nullptr;
  const unsigned long port = colon == std::string::npos ? 70000 : std::strtoul(listen.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || *end != '\0' || port > 65535)
    throw UsageError("--listen must be HOST:PORT, such as 127.0.0.1:8080");
  server.address = listen.substr(0, colon);
  if (server.address.size() > 2 && server.address.front() == '[')
    server.address = server.address.substr(1, server.address.size() - 2);
  server.port = static_cast<unsigned short>(port);
}

std::string clock_time(int minutes) {
  if (minutes < 0) return "off";
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60 % 24, minutes % 60);
  return text;
}

}  // namespace

Settings read_settings(const Args& args) {
  Settings s;
  std::string why;
  const auto url = sql::parse_db_url(database_url(args), why);
  if (!url) throw UsageError(why);
  s.db = *url;
  listen_at(args.option("listen").value_or(env("TALLYMAN_LISTEN").empty() ? "127.0.0.1:8080" : env("TALLYMAN_LISTEN")),
            s.server);
  s.server.io_threads = count("TALLYMAN_IO_THREADS", std::max(1u, std::thread::hardware_concurrency()), 16);
  s.server.read_timeout = std::chrono::seconds(count("TALLYMAN_IDLE_TIMEOUT", 30, 3600));
  s.workers = count("TALLYMAN_WORKERS", s.db.dialect == sql::Dialect::sqlite ? cores() : 4 * cores(), http::workers_max);
  s.desks = count("TALLYMAN_DESKS", cores(), http::desks_max);
  s.queue_max = count("TALLYMAN_WORKER_QUEUE", http::worker_queue_max, 1'000'000);
  s.time_zone = env("TALLYMAN_TZ");
  today(s.time_zone);  // a time zone that does not exist is a usage error now
  s.currency = base_currency();
  jobs::Schedule& j = s.schedule;
  j.dunning_at = minutes_of_day("TALLYMAN_DUNNING_AT", j.dunning_at);
  j.grading_at = weekly_at("TALLYMAN_GRADING_AT", j.grading_at);
  j.lease_seconds = static_cast<int>(count("TALLYMAN_LEASE_SECONDS", static_cast<std::size_t>(j.lease_seconds), 86400));
  j.every = std::chrono::seconds(count("TALLYMAN_SCHEDULER_SECONDS", static_cast<std::size_t>(j.every.count()), 3600));
  j.webhook.url = env("TALLYMAN_WEBHOOK_URL");
  if (std::string bad; !j.webhook.url.empty() && !http::is_webhook_url(j.webhook.url, bad))
    throw UsageError("TALLYMAN_WEBHOOK_URL: " + bad);
  j.webhook.secret = env("TALLYMAN_WEBHOOK_SECRET");
  j.webhook.backoff_ms = static_cast<int>(count("TALLYMAN_WEBHOOK_BACKOFF_MS", 1000, 3'600'000));
  j.webhook.attempts_max = static_cast<int>(count("TALLYMAN_WEBHOOK_ATTEMPTS", 8, 100));
  j.webhook.every = std::chrono::seconds(count("TALLYMAN_WEBHOOK_SECONDS", 5, 3600));
  return s;
}

std::string describe(const Settings& s) {
  std::string out;
  auto line = [&](const char* name, const std::string& value) { out += std::string(name) + " = " + value + "\n"; };
  const jobs::Schedule& j = s.schedule;
  line("database", s.db.display);
  line("listen", s.server.address + ":" + std::to_string(s.server.port));
  line("io_threads", std::to_string(s.server.io_threads));
  line("idle_timeout_seconds", std::to_string(s.server.read_timeout.count() / 1000));
  line("workers", std::to_string(s.workers));
  line("credit_desks", std::to_string(s.desks));
  line("queue_max", std::to_string(s.queue_max));
  line("time_zone", s.time_zone.empty() ? "UTC" : s.time_zone);
  line("currency", s.currency.str());
  line("dunning_at", clock_time(j.dunning_at));
  line("grading_at", j.grading_at.minutes < 0 ? "off"
                                              : std::string(day_names[j.grading_at.day.c_encoding()]) + " " +
                                                    clock_time(j.grading_at.minutes));
  line("lease_seconds", std::to_string(j.lease_seconds));
  line("scheduler_seconds", std::to_string(j.every.count()));
  line("webhook_url", j.webhook.url.empty() ? "(none: notices wait in the outbox)" : j.webhook.url);
  line("webhook_secret", j.webhook.secret.empty() ? "(none)" : "(set)");
  line("webhook_backoff_ms", std::to_string(j.webhook.backoff_ms));
  line("webhook_attempts", std::to_string(j.webhook.attempts_max));
  line("webhook_seconds", std::to_string(j.webhook.every.count()));
  return out;
}

}  // namespace tallyman::app
