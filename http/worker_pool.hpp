#pragma once
// The database workers: a fixed number of threads, each holding its own Books (its own
// database connection), taking requests from one bounded queue. Blocking database work runs
// here, never on the I/O threads.
//
// Each queued request has a Ticket, claimed once: by the worker that runs it, or by the
// server when the request has waited worker_wait_max and is answered 503 instead. A request
// answered 503 is never run.

#include "core/books.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <atomic>
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
  using Ticket = std::shared_ptr<std::atomic<bool>>;  // true once claimed

  WorkerPool(std::size_t workers, Connect connect, Router& router);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; done(response) is called on a worker thread unless the caller claims
  // the ticket first. None when the queue is full (the caller answers 503 itself). With
  // wake = false no sleeping worker is woken for it: the caller promises to call wake() soon
  // (the server does once per round of I/O).
  Ticket submit(Request request, Done done, bool wake = true);
  // Wakes as many sleeping workers as there are requests queued.
  void wake();
  // Runs what is queued, then ends the workers.
  void stop();

 private:
  struct Job {
    Request request;
    Done done;
    Ticket ticket;
  };
  void run();

  Connect connect_;
  Router& router_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tallyman::http
