#pragma once
// The service as clients meet it: `tallyman serve` in a child process on a fresh database
// (SQLite file or the test MariaDB), spoken to over real HTTP on loopback by a small blocking
// client written on POSIX sockets (so that it shares no code with the server it tests).

#include "sql/support.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace tallyman::test {

using json = nlohmann::ordered_json;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  json json_body() const;  // throws when the body is not JSON
  std::string header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(unsigned short port);  // connects
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                       const Headers& headers = {});
  void send_raw(const std::string& bytes);
  // The next response on the connection; none when the server closed it first.
  std::optional<HttpResponse> read_response(int timeout_ms = 10'000);
  // Whether the server closes the connection within the time (reads and drops what comes).
  bool closed_within(int timeout_ms);

 private:
  int fd_ = -1;
  std::string buffer_;
};

// Every role, a key each; plus a second manager, for approvals of a manager's own requests.
struct Keys {
  std::map<std::string, std::string> by_role;  // "sales", ..., "admin"
  std::string manager2;
};

class Service {
 public:
  // backend: "sqlite" or "mysql" (a fresh database each time).
  explicit Service(const std::string& backend, const std::string& env = "");
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  unsigned short port() const { return port_; }
  const std::string& url() const { return url_; }
  const Keys& keys() const { return keys_; }
  const std::string& key(const std::string& role) const { return keys_.by_role.at(role); }
  // A second process serving the same database.
  std::unique_ptr<Service> another(const std::string& env = "") const;
  // A second process serving the same database through another URL (a Galera node).
  std::unique_ptr<Service> another_on(const std::string& url, const std::string& env = "") const;
  const TestDb& database() const { return *db_; }

  // A request on a new connection, as `role` ("" for none).
  HttpResponse call(const std::string& method, const std::string& target, const std::string& role = "admin",
                    const std::string& body = "", Headers headers = {}) const;
  HttpResponse call(const std::string& method, const std::string& target, const std::string& role, const json& body,
                    Headers headers = {}) const {
    headers.emplace_back("Content-Type", "application/json");
    return call(method, target, role, body.dump(), std::move(headers));
  }
  // What the server wrote to stderr so far (its log: a JSON object per line).
  std::string log() const;
  // A signal (SIGTERM: a clean stop; SIGKILL: a crash), then the exit status; stopped_late
  // when the service was still up stop_wait_max later (it is killed then).
  int stop(int signal = SIGTERM);
  static constexpr int stopped_late = 999;
  static constexpr std::chrono::seconds stop_wait_max{30};
  pid_t pid() const { return pid_; }
  bool running() const;

 private:
  Service(std::shared_ptr<TestDb> db, Keys keys, const std::string& env, std::string url = "");
  void start(const std::string& env);

  std::shared_ptr<TestDb> db_;
  std::string url_;  // what it serves: the database's URL unless another was given
  Keys keys_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string log_path_;
};

// The tallyman binary run with arguments; its stdout.
std::string run_tallyman(const std::vector<std::string>& args, int* status = nullptr);

// An MT940 statement `id` of account DE89370400440532013000, booked 2026-04-01, a credit line
// per payment: its amount in cents, the payer's account (or none), the remittance text.
struct Mt940Credit {
  long long cents;
  std::string payer_account;
  std::string text;
};
std::string mt940_statement(const std::string& id, const std::vector<Mt940Credit>& credits);

}  // namespace tallyman::test
