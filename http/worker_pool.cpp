#include "http/worker_pool.hpp"

#include "http/limits.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"

namespace tallyman::http {

WorkerPool::WorkerPool(std::size_t workers, Connect connect, Router& router)
    : connect_(std::move(connect)), router_(router) {
  router_.metrics().set_workers(workers);
  for (std::size_t k = 0; k < workers; ++k) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

WorkerPool::Ticket WorkerPool::submit(Request request, Done done, bool wake) {
  auto ticket = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= worker_queue_max) return nullptr;
    queue_.push_back({std::move(request), std::move(done), ticket});
  }
  if (wake) ready_.notify_one();
  return ticket;
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
  for (std::thread& t : threads_) t.join();
  threads_.clear();
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
    if (job.ticket->exchange(true)) continue;  // waited too long: answered 503 already
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
