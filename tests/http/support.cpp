#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace tallyman::test {

json HttpResponse::json_body() const { return json::parse(body); }

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(unsigned short port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect to port " + std::to_string(port) + ": " + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void HttpClient::send_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed: what it answered is still there to read
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<HttpResponse> HttpClient::read_response(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto fill = [&]() -> bool {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  HttpResponse r;
  const std::string head = buffer_.substr(0, head_end);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  r.status = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const std::size_t next = head.find("\r\n", line_end + 2);
    const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    line_end = next;
  }
  const std::size_t length = r.headers.contains("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  while (buffer_.size() < head_end + 4 + length)
    if (!fill()) return std::nullopt;
  r.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, head_end + 4 + length);
  return r;
}

bool HttpClient::closed_within(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
  }
}

namespace {

// Appends one response to TALLYMAN_RESPONSE_LOG, when set, as a JSON line: the suite's last
// test checks every body against docs/openapi.yaml (tests/openapi/openapi_check.mjs). Many
// test processes append at once: each line goes in one write() to a file opened O_APPEND.
void record(const std::string& method, const std::string& target, const HttpResponse& r) {
  static const char* path = std::getenv("TALLYMAN_RESPONSE_LOG");
  if (path == nullptr || *path == '\0') return;
  const json line{{"method", method}, {"target", target}, {"status", r.status},
                  {"content_type", r.header("content-type")}, {"body", r.body}};
  const std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) throw std::runtime_error(std::string("cannot open ") + path + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) throw std::runtime_error(std::string("cannot write ") + path);
}

}  // namespace

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const Headers& headers) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n" + body;
  send_raw(text);
  auto r = read_response();
  if (!r) throw std::runtime_error("no response to " + method + " " + target);
  record(method, target, *r);
  return *r;
}



std::string run_tallyman(const std::vector<std::string>& args, int* status) {
  std::string cmd = "'" TALLYMAN_BIN "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run tallyman");
  std::string out;
  char chunk[4096];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, n);
  const int raw = ::pclose(pipe);
  if (status) *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

namespace {

std::string new_key(const std::string& url, const std::string& role, const std::string& name) {
  int status = 0;
  std::string key = run_tallyman({"keys", "create", "--role", role, "--name", name, "--db", url}, &status);
  if (status != 0) throw std::runtime_error("keys create failed for " + role);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

}  // namespace

Service::Service(const std::string& backend, const std::string& env)
    : db_(std::make_shared<TestDb>(backend)), url_(db_->url()) {
  for (const char* role : {"sales", "collector", "finance", "manager", "admin"})
    keys_.by_role[role] = new_key(db_->url(), role, std::string("t-") + role);
  keys_.manager2 = new_key(db_->url(), "manager", "t-manager2");
  start(env);
}

Service::Service(std::shared_ptr<TestDb> db, Keys keys, const std::string& env, std::string url)
    : db_(std::move(db)), url_(url.empty() ? db_->url() : std::move(url)), keys_(std::move(keys)) {
  start(env);
}

std::unique_ptr<Service> Service::another_on(const std::string& url, const std::string& env) const {
  return std::unique_ptr<Service>(new Service(db_, keys_, env, url));
}

std::unique_ptr<Service> Service::another(const std::string& env) const {
  return std::unique_ptr<Service>(new Service(db_, keys_, env));
}

void Service::start(const std::string& env) {
  log_path_ = (std::filesystem::temp_directory_path() / unique_name("tallyman_serve_")).string() + ".log";
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(log, STDERR_FILENO);
    ::close(out[0]);
    // The daily dunning run stays off unless a test schedules it: it would act on today.
    const std::string cmd = "TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off " + (env.empty() ? "" : env + " ") + "exec '" TALLYMAN_BIN "' serve --db '" + url_ +
                            "' --listen 127.0.0.1:0";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // "tallyman listening on http://127.0.0.1:PORT (...)"
  std::string line;
  char ch;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(out[0]);
  const std::size_t at = line.find("127.0.0.1:");
  if (at == std::string::npos) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("tallyman serve did not start: " + line);
  }
  port_ = static_cast<unsigned short>(std::stoi(line.substr(at + 10)));
}

Service::~Service() {
  if (pid_ > 0) CHECK(stop() != stopped_late);
  // TALLYMAN_TEST_KEEP_LOGS=1 leaves each server's log in the temporary directory.
  if (std::getenv("TALLYMAN_TEST_KEEP_LOGS") == nullptr) std::filesystem::remove(log_path_);
}

int Service::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  // A service that does not stop is a failure to see, not a test run that hangs: after
  // stop_wait_max it is killed, and the status says so (the caller or the check below fails).
  int raw = 0;
  const auto deadline = std::chrono::steady_clock::now() + stop_wait_max;
  while (::waitpid(pid_, &raw, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &raw, 0);
      pid_ = -1;
      return stopped_late;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

std::string Service::log() const {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Service::running() const {
  if (pid_ <= 0) return false;
  return ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

HttpResponse Service::call(const std::string& method, const std::string& target, const std::string& role,
                           const std::string& body, Headers headers) const {
  if (!role.empty()) headers.emplace_back("Authorization", "Bearer " + key(role));
  HttpClient client(port_);
  return client.request(method, target, body, headers);
}

std::string mt940_statement(const std::string& id, const std::vector<Mt940Credit>& credits) {
  auto amount = [](long long cents) {
    const std::string rest = std::to_string(cents % 100);
    return std::to_string(cents / 100) + "," + (rest.size() == 1 ? "0" + rest : rest);
  };
  std::string text = ":20:" + id + "\r\n:25:DE89370400440532013000\r\n:28C:1\r\n:60F:C260401EUR0,00\r\n";
  long long total = 0;
  for (std::size_t k = 0; k < credits.size(); ++k) {
    const Mt940Credit& c = credits[k];
    total += c.cents;
    text += ":61:2604010401CR" + amount(c.cents) + "NTRFNONREF//" + id + "-" + std::to_string(k) + "\r\n:86:166?20" +
            c.text + (c.payer_account.empty() ? "" : "?31" + c.payer_account) + "\r\n";
  }
  return text + ":62F:C260401EUR" + amount(total) + "\r\n-\r\n";
}

}  // namespace tallyman::test
