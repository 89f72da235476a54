#include "http/metrics.hpp"

#include <cstdio>

namespace tallyman::http {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::size_t bucket = 0;
  while (bucket < latency_bounds.size() && seconds > latency_bounds[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  ++latency_[bucket];
  latency_sum_ += seconds;
  ++latency_count_;
}

std::string Metrics::prometheus() const {
  std::string out;
  char line[2048];
  out += "# HELP tallyman_requests_total Requests answered, by route and status.\n";
  out += "# TYPE tallyman_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, count] : requests_) {
    std::snprintf(line, sizeof line, "tallyman_requests_total{route=\"%s\",status=\"%d\"} %llu\n", key.first.c_str(),
                  key.second, static_cast<unsigned long long>(count));
    out += line;
  }
  out += "# HELP tallyman_request_duration_seconds Time from a request read to its response written.\n";
  out += "# TYPE tallyman_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t j = 0; j < latency_bounds.size(); ++j) {
    cumulative += latency_[j];
    std::snprintf(line, sizeof line, "tallyman_request_duration_seconds_bucket{le=\"%g\"} %llu\n", latency_bounds[j],
                  static_cast<unsigned long long>(cumulative));
    out += line;
  }
  cumulative += latency_.back();
  std::snprintf(line, sizeof line,
                "tallyman_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                "tallyman_request_duration_seconds_sum %.6f\n"
                "tallyman_request_duration_seconds_count %llu\n",
                static_cast<unsigned long long>(cumulative), latency_sum_,
                static_cast<unsigned long long>(latency_count_));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP tallyman_database_workers Requests the database workers run at once.\n"
                "# TYPE tallyman_database_workers gauge\n"
                "tallyman_database_workers %lld\n"
                "# HELP tallyman_database_workers_busy Requests in the database workers now.\n"
                "# TYPE tallyman_database_workers_busy gauge\n"
                "tallyman_database_workers_busy %lld\n"
                "# HELP tallyman_credit_batches_total Batches of credit checks the credit desk decided.\n"
                "# TYPE tallyman_credit_batches_total counter\n"
                "tallyman_credit_batches_total %llu\n"
                "# HELP tallyman_credit_batch_checks_total The credit checks in those batches.\n"
                "# TYPE tallyman_credit_batch_checks_total counter\n"
                "tallyman_credit_batch_checks_total %llu\n"
                "# HELP tallyman_credit_batch_reruns_total Times a batch's writes ran again because another"
                " transaction took what they needed (a deadlock, a cluster's certification conflict).\n"
                "# TYPE tallyman_credit_batch_reruns_total counter\n"
                "tallyman_credit_batch_reruns_total %llu\n"
                "# HELP tallyman_database_errors_total Requests that met a failing database.\n"
                "# TYPE tallyman_database_errors_total counter\n"
                "tallyman_database_errors_total %llu\n"
                "# HELP tallyman_connections Open client connections.\n"
                "# TYPE tallyman_connections gauge\n"
                "tallyman_connections %lld\n",
                static_cast<long long>(workers_.load()), static_cast<long long>(workers_busy_.load()),
                static_cast<unsigned long long>(credit_batches_.load()),
                static_cast<unsigned long long>(credit_batch_checks_.load()),
                static_cast<unsigned long long>(credit_batch_reruns_.load()),
                static_cast<unsigned long long>(database_errors_.load()),
                static_cast<long long>(connections_.load()));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP tallyman_transaction_reruns_total Write transactions run again because another took"
                " what they needed (a key, a deadlock, a cluster's certification conflict).\n"
                "# TYPE tallyman_transaction_reruns_total counter\n"
                "tallyman_transaction_reruns_total %llu\n"
                "# HELP tallyman_request_reruns_total Requests run again on a new database connection after"
                " theirs was lost before anything committed (a database or cluster node gone).\n"
                "# TYPE tallyman_request_reruns_total counter\n"
                "tallyman_request_reruns_total %llu\n",
                static_cast<unsigned long long>(transaction_reruns_ ? transaction_reruns_() : 0),
                static_cast<unsigned long long>(request_reruns_.load()));
  out += line;
  return out;
}

}  // namespace tallyman::http
