#pragma once
// Jobs that run by themselves while the service runs: each task at its interval, on one
// thread of their own (never an I/O thread or a request's worker). A task that throws is
// reported to on_failure (the service logs it) and runs again at its next turn. Stopping waits
// for a task in progress to finish.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tallyman::jobs {

struct Task {
  std::string name;
  std::chrono::seconds every;
  std::function<void()> run;
};

class Scheduler {
 public:
  // The task's name and what it threw.
  using OnFailure = std::function<void(const std::string& task, const std::string& what)>;
  // Starts at once: every task runs first now, then at its interval.
  Scheduler(std::vector<Task> tasks, OnFailure on_failure);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

 private:
  void loop();

  std::vector<Task> tasks_;
  OnFailure on_failure_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tallyman::jobs
