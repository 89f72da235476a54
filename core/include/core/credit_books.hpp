#pragma once
// Credit control's area of the books (core/books.hpp; contract §3): checks, overrides,
// reservations, the credit policy, grades' scores.

#include "core/books_common.hpp"
#include "core/credit.hpp"
#include "core/credit_batch.hpp"
#include "core/grading.hpp"
#include "core/run_books.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tallyman {

struct StoredScore {
  Score score;
  Date as_of;
};

// What check_credits answered, and how often its writes ran again because another transaction
// took what they needed (a deadlock, a cluster's certification conflict).
struct CreditAnswers {
  std::vector<CreditCheck> checks;  // one per check asked, in order
  int reruns = 0;
};

// What a release of a reservation did.
enum class ReleaseOutcome {
  released,
  released_already,  // the same release again
  no_reservation,    // no order_ref holds or held credit
  ended,             // consumed by an invoice, or expired
};

// An order's last check that ended in review or declined: what an override approves.
struct RefusedCheck {
  std::string order_ref;
  std::string customer;
  std::int64_t amount = 0;
  Currency currency;
  std::string decision;  // review, declined
  std::vector<std::string> reasons;
  std::string checked_at;
  std::optional<std::string> overridden_by;
  std::optional<std::string> override_reason;
};

class CreditBooks {
 public:
  virtual ~CreditBooks() = default;
  // A batch of checks (core/credit_batch.hpp), each decided in order on its customer's position
  // with the holds of the checks before it; the holds and the checks kept for an override
  // written in one transaction with the customers locked, so that concurrent checks on any
  // number of instances never approve past the limit.
  virtual CreditAnswers check_credits(const std::vector<CreditCheckInput>& checks, Date today) = 0;
  // Approves the order's last check (review or declined) and, if asked, reserves.
  virtual CreditCheck override_check(const Actor& actor, const std::string& order_ref, const std::string& reason,
                                     bool reserve, Date today) = 0;
  virtual ReleaseOutcome release_reservation(const Actor& actor, const std::string& order_ref) = 0;
  virtual std::optional<Reservation> reservation(const std::string& order_ref) = 0;
  virtual CreditPolicy credit_policy() = 0;
  virtual PolicyChange put_credit_policy(const Actor& actor, const CreditPolicy& policy) = 0;
  // The customer's latest score, factor by factor, from the last grading run.
  virtual std::optional<StoredScore> score(const std::string& customer) = 0;
  // A customer's reservations, newest expiry first; optionally of one status.
  virtual std::vector<Reservation> reservations(const std::string& customer,
                                                const std::optional<ReservationStatus>& status) = 0;
  // The checks that ended in review or declined, newest first: each order's last; optionally
  // only those no one has overridden yet.
  virtual Page<RefusedCheck> refused_checks(bool waiting_only, const PageRequest& page) = 0;
  // The grading runs, newest first.
  virtual Page<GradingRun> grading_runs(const PageRequest& page) = 0;
};

}  // namespace tallyman
