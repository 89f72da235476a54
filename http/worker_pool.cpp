#include "http/worker_pool.hpp"

#include "http/limits.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"

namespace tallyman::http {

WorkerPool::WorkerPool(std::size_t workers, Connect connect, Router& router)
    : connect_(std::move(connect)), router_(router) {
  router_.metrics().set_workers(workers);
  for (std::size_t k = 0; k < workers; ++k) threads_.emplace_back([this] { run(); });
  reaper_ = std::thread([this] { reap(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(Request request, Done done, bool wake) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= worker_queue_max) return false;
    queue_.push_back({std::move(request), std::move(done), std::chrono::steady_clock::now()});
  }
  if (wake) ready_.notify_one();
  return true;
}

void WorkerPool::reap() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    reaper_wake_.wait_for(lock, worker_reap_interval);
    // The queue is in arrival order: the requests that waited too long are at its front.
    std::vector<Job> expired;
    const auto now = std::chrono::steady_clock::now();
    while (!queue_.empty() && now - queue_.front().queued > worker_wait_max) {
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (expired.empty()) continue;
    lock.unlock();
    for (Job& job : expired) job.done(problem(503, "every database worker is busy; try again shortly"));
    lock.lock();
  }
}

void WorkerPool::wake() {
  std::size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    queued = queue_.size();
  }
  if (queued == 1) ready_.notify_one();
  else if (queued > 1) ready_.notify_all();
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  reaper_wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  if (reaper_.joinable()) reaper_.join();
}

void WorkerPool::run() {
  std::unique_ptr<Books> books;  // connected when first needed, again after a failure
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    router_.metrics().worker_busy(1);
    Response response;
    try {
      if (!books) books = connect_();
      response = router_.handle(job.request, books.get());
    } catch (const StorageError& e) {
      router_.metrics().database_error();
      log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(job.request.request_id) +
               "\",\"database\":\"" + json_escape(e.what()) + "\"}");
      response = problem(503, "the database is unavailable; try again shortly");
    } catch (const std::exception& e) {
      log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(job.request.request_id) + "\",\"error\":\"" +
               json_escape(e.what()) + "\"}");
      response = problem(500, "the request failed inside the service; the log has its request id");
    }
    // A connection that failed once is not trusted again: the next request opens a new one.
    if (response.status == 503) books.reset();
    router_.metrics().worker_busy(-1);
    job.done(std::move(response));
  }
}

}  // namespace tallyman::http
