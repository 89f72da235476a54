#pragma once
// The database workers: a fixed number of threads, each holding its own Books (its own
// database connection), answering requests from one bounded queue (request_queue.hpp).
// Blocking database work runs here, never on the I/O threads. Every route but the credit
// checks comes here (router.cpp's table says which go where).

#include "core/books.hpp"
#include "http/limits.hpp"
#include "http/request_queue.hpp"
#include "http/router.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tallyman::http {

class WorkerPool {
 public:
  using Connect = std::function<std::unique_ptr<Books>()>;  // throws StorageError when it cannot

  // At most queue_max requests wait for one of the workers.
  WorkerPool(std::size_t workers, Connect connect, Router& router, std::size_t queue_max = worker_queue_max);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; done(response) is called once, on a worker or the reaper. False when
  // the queue is full (the caller answers 503 itself).
  bool submit(Request request, Done done);
  // Answers what is queued, then ends the workers.
  void stop();

 private:
  void run();

  Connect connect_;
  Router& router_;
  RequestQueue queue_;
  std::vector<std::thread> threads_;
  std::optional<Reaper> reaper_;
};

}  // namespace tallyman::http
