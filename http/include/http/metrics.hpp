#pragma once
// What GET /metrics tells Prometheus: requests by route and status, a latency histogram,
// how many database workers are busy, the credit desk's batches, database errors. Safe to use from any thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <functional>
#include <string>
#include <utility>

namespace tallyman::http {

class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr std::array<double, 10> latency_bounds{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                         0.025,  0.05,  0.1,    0.5,   1.0};

  void observe(const std::string& route, int status, double seconds);
  void database_error() { database_errors_.fetch_add(1, std::memory_order_relaxed); }
  // A batch of credit checks the desk decided, and how often its writes ran again.
  void credit_batch(std::size_t checks, int reruns) {
    credit_batches_.fetch_add(1, std::memory_order_relaxed);
    credit_batch_checks_.fetch_add(checks, std::memory_order_relaxed);
    credit_batch_reruns_.fetch_add(static_cast<std::uint64_t>(reruns), std::memory_order_relaxed);
  }
  void worker_busy(int delta) { workers_busy_.fetch_add(delta, std::memory_order_relaxed); }
  void set_workers(std::size_t n) { workers_.store(static_cast<std::int64_t>(n), std::memory_order_relaxed); }
  void connection(int delta) { connections_.fetch_add(delta, std::memory_order_relaxed); }
  // A request that lost its database connection before anything committed, run again on a new one.
  void request_rerun() { request_reruns_.fetch_add(1, std::memory_order_relaxed); }
  // Where the count of transactions run again after a conflict comes from (the database layer
  // keeps it; app wires it in).
  void set_transaction_reruns(std::function<std::uint64_t()> read) { transaction_reruns_ = std::move(read); }
  std::string prometheus() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::array<std::uint64_t, latency_bounds.size() + 1> latency_{};  // the last: above every bound
  double latency_sum_ = 0;
  std::uint64_t latency_count_ = 0;
  std::atomic<std::uint64_t> database_errors_{0};
  std::atomic<std::uint64_t> credit_batches_{0};
  std::atomic<std::uint64_t> credit_batch_checks_{0};
  std::atomic<std::uint64_t> credit_batch_reruns_{0};
  std::atomic<std::int64_t> workers_busy_{0};
  std::atomic<std::int64_t> workers_{0};
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::uint64_t> request_reruns_{0};
  std::function<std::uint64_t()> transaction_reruns_;
};

}  // namespace tallyman::http
