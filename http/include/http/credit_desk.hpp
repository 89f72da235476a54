#pragma once
// The credit desk: where POST /v1/credit-checks goes (router.cpp's table sends it here). Checks
// wait in bounded queues, one per desk, sharded by customer, so that one customer's checks
// meet at one desk. Each desk is a thread with its own database connection; it takes the
// checks waiting for it, up to desk_batch_max at once, and decides them as one batch
// (CreditBooks::check_credits: two statements read every position, core decides each in order
// with the holds of those before it, the holds are written in one transaction under the
// customers' row locks), then answers each on its connection. Batches grow with the load: those that
// arrive while a desk is at the database go together next. docs/architecture.md, "The credit
// desk", has why.

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

class CreditDesk {
 public:
  using Connect = std::function<std::unique_ptr<Books>()>;  // throws StorageError when it cannot

  CreditDesk(std::size_t desks, Connect connect, Router& router, std::size_t queue_max = desk_queue_max);
  ~CreditDesk();
  CreditDesk(const CreditDesk&) = delete;
  CreditDesk& operator=(const CreditDesk&) = delete;

  // Queues a check at its customer's desk; done(response) is called once, on the desk or the
  // reaper. False when that desk's queue is full (the caller answers 503 itself).
  bool submit(Request request, Done done);
  // Answers what is queued, then ends the desks.
  void stop();

 private:
  void run(RequestQueue& queue);
  void answer(std::vector<Waiting>& batch, std::unique_ptr<Books>& books);

  Connect connect_;
  Router& router_;
  std::vector<std::unique_ptr<RequestQueue>> queues_;  // one per desk
  std::vector<std::thread> threads_;
  std::optional<Reaper> reaper_;
};

}  // namespace tallyman::http
