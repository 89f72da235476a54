#pragma once
// The database workers: a fixed number of threads, each holding its own Books (its own
// database connection), taking requests from one bounded queue. Blocking database work runs
// here, never on the I/O threads.
//
// Waiting for a worker is brief: a request still queued after worker_wait_max is taken out
// by the pool's reaper thread and answered 503; it is never run. So is one that finds the
// queue full.

#include "core/books.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tallyman::http {

class WorkerPool {
 public:
  using Connect = std::function<std::unique_ptr<Books>()>;  // throws StorageError when it cannot
  using Done = std::function<void(Response)>;

  WorkerPool(std::size_t workers, Connect connect, Router& router);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; done(response) is called once, on a worker or the reaper thread.
  // False when the queue is full (the caller answers 503 itself). With wake = false no
  // sleeping worker is woken for it: the caller promises to call wake() soon (the server does
  // once per round of I/O).
  bool submit(Request request, Done done, bool wake = true);
  // Wakes as many sleeping workers as there are requests queued.
  void wake();
  // Runs what is queued, then ends the workers.
  void stop();

 private:
  struct Job {
    Request request;
    Done done;
    std::chrono::steady_clock::time_point queued;
  };
  void run();
  void reap();

  Connect connect_;
  Router& router_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable reaper_wake_;  // only for stopping the reaper
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::thread reaper_;
};

}  // namespace tallyman::http
