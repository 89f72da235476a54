#include "http/worker_pool.hpp"

#include "http/limits.hpp"

#include <thread>

namespace tallyman::http {

WorkerPool::WorkerPool(std::size_t workers, Connect connect, Router& router, std::size_t queue_max)
    : connect_(std::move(connect)), router_(router), queue_(queue_max) {
  router_.metrics().set_workers(workers);
  for (std::size_t k = 0; k < workers; ++k) threads_.emplace_back([this] { run(); });
  reaper_.emplace(std::vector<RequestQueue*>{&queue_});
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(Request request, Done done) { return queue_.push(std::move(request), std::move(done)); }

void WorkerPool::stop() {
  queue_.close();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  reaper_.reset();
}

void WorkerPool::run() {
  std::unique_ptr<Books> books;  // connected when first needed, again after a failure
  for (;;) {
    std::vector<Waiting> taken = queue_.take(1);
    if (taken.empty()) return;  // closed and drained
    Waiting& job = taken.front();
    router_.metrics().worker_busy(1);
    Response response;
    for (int attempt = 1;; ++attempt) {
      response = answered(router_.metrics(), job.request.request_id, [&] {
        if (!books) books = connect_();
        return router_.handle(job.request, books.get());
      });
      // A connection that failed once is not trusted again: the next request opens a new one.
      if (response.status == 503) books.reset();
      // Lost before anything committed (a database or cluster node gone): once more on a new
      // connection, which haproxy gives to a node that is up, after a pause that lets it see
      // the lost one down.
      if (!response.connection_lost || attempt >= lost_connection_attempts_max) break;
      router_.metrics().request_rerun();
      std::this_thread::sleep_for(lost_connection_pause * attempt);
    }
    router_.metrics().worker_busy(-1);
    job.done(std::move(response));
  }
}

}  // namespace tallyman::http
