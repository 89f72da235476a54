#include "http/log.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <mutex>
#include <string>

namespace tallyman::http {

namespace {

std::mutex log_mutex;
std::string log_buffer;

void write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_event(std::initializer_list<LogField> fields) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  for (const auto& [name, value] : fields)
    std::visit([&, name = name](const auto& v) { line[name] = v; }, value);
  // Text that is not UTF-8 (a client's request id, a database's message) is not refused: its
  // bad bytes become U+FFFD.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  std::lock_guard lock(log_mutex);
  log_buffer += text;
  if (log_buffer.size() >= log_buffer_bytes_max) {
    write_out(log_buffer);
    log_buffer.clear();
  }
}

void log_flush() {
  std::lock_guard lock(log_mutex);
  if (log_buffer.empty()) return;
  write_out(log_buffer);
  log_buffer.clear();
}

void log_dunning_failures(const DunningRun& run, std::string_view request_id) {
  for (const DunningFailure& f : run.failures)
    log_event({{"level", "error"}, {"request_id", request_id}, {"dunning_run", run.id}, {"customer", f.customer},
               {"database", f.error}});
  if (run.customers_failed > static_cast<int>(run.failures.size()))
    log_event({{"level", "error"},
               {"request_id", request_id},
               {"dunning_run", run.id},
               {"customers_failed", std::int64_t{run.customers_failed}}});
}

}  // namespace tallyman::http
