// The outbox delivered to a webhook: a small receiver on loopback checks each signature,
// fails on purpose, and counts: retries after failures, nothing twice after success, failed
// after the last attempt; and the early-warning event the daily look sends.
#include "http/support.hpp"

#include <catch2/catch.hpp>
#include <date/date.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

std::string hmac_hex(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), digest, &length);
  char hex[3];
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

// Answers 500 to the first `fail_first` requests (or to all, with fail_always), then 200.
class Receiver {
 public:
  Receiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  std::atomic<int> fail_first{0};
  std::atomic<bool> fail_always{false};
  std::atomic<int> requests{0}, bad_signatures{0};
  std::mutex mutex;
  std::vector<std::string> bodies;

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[65536];
      std::size_t head_end = std::string::npos, length = 0;
      while (true) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
          const std::size_t at = in.find("Content-Length: ");
          length = at == std::string::npos ? 0 : std::stoul(in.substr(at + 16));
        }
        if (head_end != std::string::npos && in.size() >= head_end + 4 + length) break;
      }
      const std::string body = in.substr(head_end + 4, length);
      const std::size_t sig = in.find("X-Tallyman-Signature: sha256=");
      const std::string signature = sig == std::string::npos ? "" : in.substr(sig + 29, 64);
      if (signature != hmac_hex("s3cret", body)) ++bad_signatures;
      const int n = ++requests;
      {
        std::lock_guard lock(mutex);
        bodies.push_back(body);
      }
      const bool fail = fail_always || n <= fail_first;
      const std::string answer = std::string("HTTP/1.1 ") + (fail ? "500 Internal Server Error" : "200 OK") +
                                 "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

json wait_for(const Service& s, const std::string& id, const char* status) {
  json n;
  for (int k = 0; k < 200; ++k) {
    n = s.call("GET", "/v1/notices/" + id, "collector").json_body();
    if (n["delivery"]["status"] == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return n;
}

void overdue_customer(const Service& s, const std::string& id) {
  REQUIRE(s.call("POST", "/v1/customers", "finance", json{{"id", id}, {"name", id}, {"currency", "EUR"}}).status == 201);
  REQUIRE(s.call("POST", "/v1/invoices", "finance",
                 json{{"number", "I-" + id}, {"customer", id}, {"issue_date", "2026-01-01"}, {"due_date", "2026-01-31"},
                      {"amount", 5000}, {"currency", "EUR"}})
              .status == 201);
}

}  // namespace

TEST_CASE("webhook: notices are delivered signed, retried after failures, once, or failed at last", "[http]") {
  Receiver receiver;
  receiver.fail_first = 2;
  Service s("sqlite", "TALLYMAN_WEBHOOK_URL=http://127.0.0.1:" + std::to_string(receiver.port()) +
                          "/hook TALLYMAN_WEBHOOK_SECRET=s3cret TALLYMAN_WEBHOOK_SECONDS=1"
                          " TALLYMAN_WEBHOOK_BACKOFF_MS=100 TALLYMAN_WEBHOOK_ATTEMPTS=4");
  overdue_customer(s, "W-1");
  REQUIRE(s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", "2026-02-05"}}).status == 201);
  const std::string id = s.call("GET", "/v1/dunning-tasks", "collector").json_body()["items"][0]["notice"];
  json sent = wait_for(s, id, "sent");
  CHECK(sent["delivery"]["status"] == "sent");
  CHECK(sent["delivery"]["attempts"] == 3);  // two failures, then delivered
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(receiver.requests == 3);  // nothing more after success
  CHECK(receiver.bad_signatures == 0);
  {
    std::lock_guard lock(receiver.mutex);
    const json body = json::parse(receiver.bodies.back());
    CHECK(body["customer"] == "W-1");
    CHECK(body["subject"] == "Payment reminder: 50.00 EUR overdue");
    CHECK(receiver.bodies[0] == receiver.bodies[2]);  // the same notice each time
  }

  // A receiver that always fails: after the last attempt the notice is failed, and left alone.
  receiver.fail_always = true;
  overdue_customer(s, "W-2");
  REQUIRE(s.call("POST", "/v1/dunning-runs", "finance", json{{"as_of", "2026-02-06"}}).status == 201);
  const std::string second = s.call("GET", "/v1/dunning-tasks?customer=W-2", "collector").json_body()["items"][0]["notice"];
  json failed = wait_for(s, second, "failed");
  CHECK(failed["delivery"]["status"] == "failed");
  CHECK(failed["delivery"]["attempts"] == 4);
  const int after = receiver.requests;
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  CHECK(receiver.requests == after);
}

TEST_CASE("webhook: the day's early-warning look sends an event for a customer's first signal", "[http]") {
  Receiver receiver;
  Service s("sqlite");
  REQUIRE(s.call("POST", "/v1/customers", "finance",
                 json{{"id", "E-1"}, {"name", "Near"}, {"currency", "EUR"}, {"credit_limit", 10000}})
              .status == 201);
  const auto today = date::floor<date::days>(std::chrono::system_clock::now());
  REQUIRE(s.call("POST", "/v1/invoices", "finance",
                 json{{"number", "I-E1"}, {"customer", "E-1"}, {"issue_date", date::format("%F", today - date::days(1))},
                      {"due_date", date::format("%F", today + date::days(30))}, {"amount", 9500}, {"currency", "EUR"}})
              .status == 201);
  // An instance whose day's runs are due at once: the dunning run, then the look.
  auto scheduled = s.another("TALLYMAN_DUNNING_AT=00:00 TALLYMAN_WEBHOOK_URL=http://127.0.0.1:" +
                             std::to_string(receiver.port()) + "/hook TALLYMAN_WEBHOOK_SECRET=s3cret TALLYMAN_WEBHOOK_SECONDS=1");
  for (int k = 0; k < 100 && receiver.requests == 0; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(receiver.requests == 1);
  CHECK(receiver.bad_signatures == 0);
  std::lock_guard lock(receiver.mutex);
  const json body = json::parse(receiver.bodies.at(0));
  CHECK(body["event"] == "watchlist.signal");
  CHECK(body["customer"] == "E-1");
  CHECK(body["subject"] == "Early warning: Near (E-1)");
  CHECK(body["text"].get<std::string>().find("near_limit: balance 95.00 is 95.0% of the credit limit 100.00") !=
        std::string::npos);
}
