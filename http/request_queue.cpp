#include "http/request_queue.hpp"

#include "core/errors.hpp"
#include "http/log.hpp"
#include "http/metrics.hpp"
#include "problem.hpp"

namespace tallyman::http {

bool RequestQueue::push(Request request, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || queue_.size() >= max_) return false;
    queue_.push_back({std::move(request), std::move(done), std::chrono::steady_clock::now()});
  }
  ready_.notify_one();
  return true;
}

std::vector<Waiting> RequestQueue::take(std::size_t most) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
  std::vector<Waiting> out;
  while (!queue_.empty() && out.size() < most) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

void RequestQueue::reap() {
  std::vector<Waiting> expired;
  {
    std::lock_guard lock(mutex_);
    // In arrival order: those that waited too long are at the front.
    const auto now = std::chrono::steady_clock::now();
    while (!queue_.empty() && now - queue_.front().since > worker_wait_max) {
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  for (Waiting& w : expired) w.done(problem(503, "the database is busy; try again shortly"));
}

void RequestQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

Reaper::Reaper(std::vector<RequestQueue*> queues) : queues_(std::move(queues)) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_.wait_for(lock, worker_reap_interval, [&] { return stopping_; }))
      for (RequestQueue* q : queues_) q->reap();
  });
}

Reaper::~Reaper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

Response answered(Metrics& metrics, const std::string& request_id, const std::function<Response()>& f) {
  try {
    return f();
  } catch (const StorageError& e) {
    metrics.database_error();
    log_event({{"level", "error"}, {"request_id", request_id}, {"database", e.what()}});
    return problem(503, "the database is unavailable; try again shortly");
  } catch (const std::exception& e) {
    log_event({{"level", "error"}, {"request_id", request_id}, {"error", e.what()}});
    return problem(500, "the request failed inside the service; the log has its request id");
  }
}

}  // namespace tallyman::http
