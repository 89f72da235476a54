#include "http/log.hpp"

#include <cstdio>
#include <mutex>

namespace tallyman::http {

namespace {

std::mutex log_mutex;
std::string log_buffer;

void write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_line(const std::string& line) {
  std::lock_guard lock(log_mutex);
  log_buffer += line;
  log_buffer += '\n';
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
    log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(request_id) + "\",\"dunning_run\":" +
             std::to_string(run.id) + ",\"customer\":\"" + json_escape(f.customer) + "\",\"database\":\"" +
             json_escape(f.error) + "\"}");
  if (run.customers_failed > static_cast<int>(run.failures.size()))
    log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(request_id) + "\",\"dunning_run\":" +
             std::to_string(run.id) + ",\"customers_failed\":" + std::to_string(run.customers_failed) + "}");
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace tallyman::http
