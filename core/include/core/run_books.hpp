#pragma once
// The runs a person may start as well as the schedule (contract §3, §5): grading and dunning.
// The jobs layer runs them (jobs/): it loads through the stores, decides in core, stores
// the outcome.

#include "core/books_common.hpp"
#include "core/collections_books.hpp"

#include <cstdint>

namespace tallyman {

// A grading run: how many customers it examined, how many had history to be scored, and how
// many grades it changed.
struct GradingRun {
  std::int64_t id = 0;
  Date as_of;
  int examined = 0;
  int graded = 0;
  int changed = 0;
};

class RunBooks {
 public:
  virtual ~RunBooks() = default;
  // Scores every customer as of a date (core/grading.hpp) with the policy's weights; sets the
  // grade of each that has history; keeps each one's latest score. Audited.
  virtual GradingRun run_grading(const Actor& actor, Date as_of) = 0;
  // A run as of a date assesses every customer with overdue money or an open episode
  // (core/dunning.hpp), creates the tasks a level calls for (never twice in an episode), sets
  // and lifts dunning holds, resolves the tasks of customers with nothing overdue any more. A
  // date a run covered already (that date's run, or a later one) changes nothing: the answer
  // is that run, `replayed`. A date after today is the caller's to refuse.
  virtual DunningRun run_dunning(const Actor& actor, Date as_of) = 0;
};

}  // namespace tallyman
