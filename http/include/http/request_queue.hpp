#pragma once
// A bounded queue of requests waiting for a thread that answers them: the database workers'
// (worker_pool.hpp) and each credit desk's (credit_desk.hpp). A request that finds the queue
// full is refused at once (the caller answers 503); one that waits longer than worker_wait_max
// is answered 503 by reap() and never run.

#include "http/limits.hpp"
#include "http/message.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tallyman::http {

class Metrics;

using Done = std::function<void(Response)>;  // called once, with the request's response

struct Waiting {
  Request request;
  Done done;
  std::chrono::steady_clock::time_point since;
};

class RequestQueue {
 public:
  explicit RequestQueue(std::size_t max) : max_(max) {}
  // False when the queue is full or closed.
  bool push(Request request, Done done);
  // The next requests, at most `most`, in arrival order; waits while there are none. Once
  // closed, what is left, and then nothing: the taker ends.
  std::vector<Waiting> take(std::size_t most);
  // Answers 503 the requests that waited longer than worker_wait_max.
  void reap();
  void close();

 private:
  const std::size_t max_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Waiting> queue_;
  bool closed_ = false;
};

// A thread that reaps queues every worker_reap_interval until it is destroyed.
class Reaper {
 public:
  explicit Reaper(std::vector<RequestQueue*> queues);
  ~Reaper();
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

 private:
  std::vector<RequestQueue*> queues_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// f()'s response, or the 503 (the database failed) or 500 (a bug outside the books' contract)
// for what it throws, logged with the request id.
Response answered(Metrics& metrics, const std::string& request_id, const std::function<Response()>& f);

}  // namespace tallyman::http
