#pragma once
// A thread about to wait for work another thread does for it (a credit check waiting for the
// turn another check runs, sql/books_credit.cpp; a write waiting for another write of this
// process to the SQLite file, sql/database.cpp) says so with a WaitScope. The pool the thread
// belongs to (http/worker_pool.cpp) then lets another of its threads take a request meanwhile,
// so that waiting checks do not leave the cores idle. A thread outside a pool (the CLI, tests)
// has no listener, and the scope does nothing.
//
// A thread that must not wait at all (an I/O thread answering a quick read itself,
// http/server.cpp) sets must_not_wait. What would wait, or write, calls refuse_to_wait() first:
// it throws WouldWait before anything is changed, and the request goes to the pool instead.
//
// Nor may such a thread read for long: while it holds the loop, every other connection of the
// loop waits too. So each request it answers gets a budget of quick_read_steps_max of the
// database's own steps (SQLite's virtual machine instructions, counted by sql/database.cpp);
// a read that would take more (a credit check of a customer with thousands of open
// invoices) is stopped where it is and throws WouldWait too. Only reads run there, so
// nothing was changed, and a worker reads it again with no budget.

#include <cstdint>

namespace tallyman {

class WaitListener {
 public:
  virtual void waiting(bool begins) = 0;

 protected:
  ~WaitListener() = default;
};

// Set by a pool on each of its threads.
inline thread_local WaitListener* wait_listener = nullptr;

class WaitScope {
 public:
  WaitScope() : listener_(wait_listener) {
    if (listener_ != nullptr) listener_->waiting(true);
  }
  ~WaitScope() {
    if (listener_ != nullptr) listener_->waiting(false);
  }
  WaitScope(const WaitScope&) = delete;
  WaitScope& operator=(const WaitScope&) = delete;

 private:
  WaitListener* listener_;
};

// Not a std::exception: no handler's catch takes it for a failure.
struct WouldWait {};

inline thread_local bool must_not_wait = false;

// About 0.1-0.2 ms on this project's machine: a check of a customer with 5 open invoices
// takes ~170 steps, one with 50,000 about 740,000 (docs/performance.md); ~15 steps per open
// invoice, so a customer with up to ~650 open invoices is answered on the loop.
constexpr std::int64_t quick_read_steps_max = 10'000;
// What is left of the budget of the request being answered; set per request.
inline thread_local std::int64_t quick_read_steps_left = 0;

inline void refuse_to_wait() {
  if (must_not_wait) throw WouldWait{};
}

}  // namespace tallyman
