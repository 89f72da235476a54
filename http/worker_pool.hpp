#pragma once
// The database workers: a fixed number of threads, each holding its own Books (its own
// database connection), taking requests from one bounded queue. Blocking database work runs
// here, never on the I/O threads.
//
// At most `workers` of them run requests at once. A pool may have more threads than that:
// while one of its threads waits for work another does for it (core/wait.hpp: a credit check
// waiting for the turn another check runs for it, a write waiting for another write), a
// further thread takes a request. So the checks that wait in a turn do not hold the cores from
// the requests behind them, and the turns fill up (docs/performance.md has the figures).
//
// Waiting for a worker is brief: a request still queued after worker_wait_max is taken out
// by the pool's reaper thread and answered 503; it is never run. So is one that finds the
// queue full.

#include "core/books.hpp"
#include "core/wait.hpp"
#include "http/limits.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tallyman::http {

class WorkerPool : private WaitListener {
 public:
  using Connect = std::function<std::unique_ptr<Books>()>;  // throws StorageError when it cannot
  using Done = std::function<void(Response)>;
  // Work of the caller's on a worker's books (connected when null, as in answer_here).
  using Task = std::function<void(std::unique_ptr<Books>&)>;

  // threads >= workers; at most queue_max requests and tasks wait for one.
  WorkerPool(std::size_t workers, std::size_t threads, Connect connect, Router& router,
             std::size_t queue_max = worker_queue_max);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; done(response) is called once, on a worker or the reaper thread.
  // False when the queue is full (the caller answers 503 itself). With wake = false no
  // sleeping worker is woken for it: the caller promises to call wake() soon (the server does
  // once per round of I/O).
  bool submit(Request request, Done done, bool wake = true);
  // Queues a task in the same queue: a worker runs it; or, if it waits too long, the reaper
  // calls refused(503) instead. False when the queue is full.
  bool submit_task(Task task, Done refused, bool wake = true);
  // Answers a round of quick requests (Router::quick) on the calling thread, together in one
  // read transaction, with the given books (connected here when null): for each its
  // response, or none when it would wait (core/wait.hpp), and then the caller submits it.
  // On SQLite an I/O thread calls it, as reads there never wait: a check needs ~17 us of work,
  // and handing it to a worker and back cost 11-15 us more. On MySQL a worker calls it for a
  // whole round (submit_task), and the books read the round's checks ahead in one round trip
  // (Router::read_ahead); the requests that read does not cover are handed back.
  // (docs/performance.md has the figures.)
  std::vector<std::optional<Response>> answer_here(const std::vector<const Request*>& requests,
                                                   std::unique_ptr<Books>& books);
  // Wakes as many sleeping workers as there are requests queued.
  void wake();
  // Runs what is queued, then ends the workers.
  void stop();

 private:
  struct Job {
    Request request;
    Done done;
    std::chrono::steady_clock::time_point queued;
    Task task;  // when set, run instead of answering request; done only refuses
  };
  bool enqueue(Job job, bool wake);
  // An idle thread, waiting to be handed a turn at the queue.
  struct Sleeper {
    std::condition_variable woken;
    bool go = false;
  };
  void run();
  void reap();
  // f()'s answer, or a 503 or 500 for what it throws (logged with the request id).
  template <class F>
  auto answer(const std::string& request_id, F&& f) -> decltype(f());
  void waiting(bool begins) override;
  // Under mutex_:
  bool may_take() const { return !queue_.empty() && running_ < workers_; }
  // Whether to wake a thread for the queue: not when one is already on its way to it.
  bool wanted() const { return queue_.size() > woken_ && running_ + woken_ < workers_; }
  void wake_one();

  Connect connect_;
  Router& router_;
  std::mutex mutex_;
  // Idle threads, the one idle the shortest time last, and woken first: its connection's page
  // cache and its CPU caches are the warmest. (Woken in turn, as a shared condition variable
  // does, requests went round all the threads' connections: reading checks ran ~10% slower
  // with 16 threads than with 2.)
  std::vector<Sleeper*> sleeping_;
  std::condition_variable reaper_wake_;  // only for stopping the reaper
  std::deque<Job> queue_;
  const std::size_t workers_;
  const std::size_t queue_max_;
  std::size_t running_ = 0;  // threads running a request and not waiting in it
  std::size_t woken_ = 0;    // threads woken to take a request that have not yet looked
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::thread reaper_;
};

}  // namespace tallyman::http
