#pragma once
// A thread about to wait for work another thread does for it (a credit check waiting for the
// turn another check runs, sql/books_credit.cpp; a write waiting for another write of this
// process to the SQLite file, sql/database.cpp) says so with a WaitScope. The pool the thread
// belongs to (http/worker_pool.cpp) then lets another of its threads take a request meanwhile,
// so that waiting checks do not leave the cores idle. A thread outside a pool (the CLI, tests)
// has no listener, and the scope does nothing.

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

}  // namespace tallyman
