#include "http/worker_pool.hpp"

#include "http/limits.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"

#include <algorithm>

namespace tallyman::http {

WorkerPool::WorkerPool(std::size_t workers, std::size_t threads, Connect connect, Router& router,
                       std::size_t queue_max)
    : connect_(std::move(connect)), router_(router), workers_(workers), queue_max_(queue_max) {
  router_.metrics().set_workers(workers);
  for (std::size_t k = 0; k < std::max(workers, threads); ++k) threads_.emplace_back([this] { run(); });
  reaper_ = std::thread([this] { reap(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(Request request, Done done, bool wake) {
  return enqueue({std::move(request), std::move(done), std::chrono::steady_clock::now(), {}}, wake);
}

bool WorkerPool::submit_task(Task task, Done refused, bool wake) {
  return enqueue({{}, std::move(refused), std::chrono::steady_clock::now(), std::move(task)}, wake);
}

bool WorkerPool::enqueue(Job job, bool wake) {
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= queue_max_) return false;
  queue_.push_back(std::move(job));
  if (wake && wanted()) wake_one();
  return true;
}

void WorkerPool::wake_one() {
  if (sleeping_.empty()) return;
  Sleeper* s = sleeping_.back();
  sleeping_.pop_back();
  s->go = true;
  ++woken_;
  s->woken.notify_one();
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
  std::lock_guard lock(mutex_);
  while (wanted() && !sleeping_.empty()) wake_one();
}

void WorkerPool::waiting(bool begins) {
  std::lock_guard lock(mutex_);
  if (!begins) {
    ++running_;  // may go past workers_ for a moment: this request ends first
    return;
  }
  --running_;
  if (wanted()) wake_one();
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    while (!sleeping_.empty()) wake_one();
  }
  reaper_wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  if (reaper_.joinable()) reaper_.join();
}

std::vector<std::optional<Response>> WorkerPool::answer_here(const std::vector<const Request*>& requests,
                                                            std::unique_ptr<Books>& books) {
  struct NoWaiting {
    NoWaiting() { must_not_wait = true; }
    ~NoWaiting() { must_not_wait = false; }
  };
  std::vector<std::optional<Response>> out(requests.size());
  if (requests.empty()) return out;
  std::size_t k = 0;  // the next to answer
  bool broken = false;
  // What fails around the reads (connecting, the transaction's start or end) answers those
  // not answered yet.
  std::optional<Response> failure = answer(requests.front()->request_id, [&]() -> std::optional<Response> {
    if (!books) books = connect_();
    books->read_together([&] {
      // On MySQL the one round trip of the round: the rest are handed back.
      const std::vector<bool> ahead = router_.read_ahead(requests, *books);
      const NoWaiting scope;
      for (; k < requests.size(); ++k) {
        if (!ahead[k]) continue;
        quick_read_steps_left = quick_read_steps_max;  // each request its own budget
        try {
          out[k] = answer(requests[k]->request_id, [&] { return router_.handle(*requests[k], books.get()); });
          broken = broken || out[k]->status == 503;
        } catch (const WouldWait&) {  // left to the caller
        }
      }
    });
    return std::nullopt;
  });
  if (failure) {
    broken = broken || failure->status == 503;
    for (; k < requests.size(); ++k) out[k] = *failure;
  }
  // A connection that failed once is not trusted again: the next request opens a new one.
  if (broken) books.reset();
  return out;
}

template <class F>
auto WorkerPool::answer(const std::string& request_id, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const StorageError& e) {
    router_.metrics().database_error();
    log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(request_id) + "\",\"database\":\"" +
             json_escape(e.what()) + "\"}");
    return problem(503, "the database is unavailable; try again shortly");
  } catch (const std::exception& e) {
    log_line("{\"level\":\"error\",\"request_id\":\"" + json_escape(request_id) + "\",\"error\":\"" +
             json_escape(e.what()) + "\"}");
    return problem(500, "the request failed inside the service; the log has its request id");
  }
}

void WorkerPool::run() {
  wait_listener = this;
  std::unique_ptr<Books> books;  // connected when first needed, again after a failure
  bool ran = false;
  Sleeper me;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      if (ran) --running_;
      while (!may_take()) {
        if (stopping_ && queue_.empty()) {  // nothing left to do: the others end too
          while (!sleeping_.empty()) wake_one();
          return;
        }
        me.go = false;
        sleeping_.push_back(&me);
        me.woken.wait(lock, [&] { return me.go; });
        --woken_;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      ran = true;
    }
    router_.metrics().worker_busy(1);
    if (job.task) {
      job.task(books);
      router_.metrics().worker_busy(-1);
      continue;
    }
    Response response = answer(job.request.request_id, [&] {
      if (!books) books = connect_();
      return router_.handle(job.request, books.get());
    });
    // A connection that failed once is not trusted again: the next request opens a new one.
    if (response.status == 503) books.reset();
    router_.metrics().worker_busy(-1);
    job.done(std::move(response));
  }
}

}  // namespace tallyman::http
