#include "jobs/scheduler.hpp"

#include <exception>

namespace tallyman::jobs {

Scheduler::Scheduler(std::vector<Task> tasks, OnFailure on_failure)
    : tasks_(std::move(tasks)), on_failure_(std::move(on_failure)), thread_([this] { loop(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Scheduler::loop() {
  using clock = std::chrono::steady_clock;
  std::vector<clock::time_point> due(tasks_.size(), clock::now());
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = clock::time_point::max();
    for (std::size_t k = 0; k < tasks_.size(); ++k) {
      if (due[k] <= clock::now()) {
        lock.unlock();
        try {
          tasks_[k].run();
        } catch (const std::exception& e) {
          on_failure_(tasks_[k].name, e.what());
        }
        lock.lock();
        due[k] = clock::now() + tasks_[k].every;
      }
      next = std::min(next, due[k]);
    }
    if (!stopping_) wake_.wait_until(lock, next);
  }
}

}  // namespace tallyman::jobs
