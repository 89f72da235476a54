#pragma once
// Credit control over the database (core/credit_books.hpp; sql/credit_books.cpp for the checks,
// overrides and reservations, credit_policy.cpp for the policy, scores and expiry).

#include "core/credit_books.hpp"
#include "sql/database.hpp"

#include <functional>
#include <random>

namespace tallyman::sql {

// How often a batch of credit checks' writes (or an override's) run, reading afresh, while
// another transaction takes what they need: a key, a lock in a deadlock, a row another node
// of a cluster changed (credit_books.cpp), with a random pause of up to 2^attempt ms (at most
// credit_batch_backoff_ms_max) between. Past it the request fails (503). Three instances on
// three Galera nodes holding one customer's credit at once lost a batch 8 times in a row.
constexpr int credit_batch_attempts_max = 16;
constexpr int credit_batch_backoff_ms_max = 64;

class SqlCredit final : public CreditBooks {
 public:
  explicit SqlCredit(Database& db) : db_(db) {}
  CreditAnswers check_credits(const std::vector<CreditCheckInput>& checks, Date today) override;
  CreditCheck override_check(const Actor& actor, const std::string& order_ref, const std::string& reason, bool reserve,
                             Date today) override;
  ReleaseOutcome release_reservation(const Actor& actor, const std::string& order_ref) override;
  std::optional<Reservation> reservation(const std::string& order_ref) override;
  CreditPolicy credit_policy() override;
  PolicyChange put_credit_policy(const Actor& actor, const CreditPolicy& policy) override;
  std::optional<StoredScore> score(const std::string& customer) override;
  Page<GradingRun> grading_runs(const PageRequest& page) override;
  std::vector<Reservation> reservations(const std::string& customer, const std::optional<ReservationStatus>& status) override;
  Page<RefusedCheck> refused_checks(bool waiting_only, const PageRequest& page) override;
  // The hourly job: marks the reservations whose last day is before `today` expired; how many.
  std::size_t expire_reservations(Date today);

 private:
  // A batch's (or an override's) write phase; `also` writes more in its transaction, knowing
  // what was decided.
  CreditBatch decide_and_write(const std::vector<CreditCheckInput>& checks, Date today, int& reruns,
                               const std::function<void(const CreditBatch&)>& also);
  Database& db_;
  std::minstd_rand random_{std::random_device{}()};  // the pauses between a batch's attempts
};

}  // namespace tallyman::sql
