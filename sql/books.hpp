#pragma once
// The books (core/books.hpp) over SQLite or MySQL: each method one transaction on this
// instance's own connection. Every change is written to the audit table in the transaction
// that makes it. The service keeps one SqlBooks per database worker.

#include "core/books.hpp"
#include "sql/database.hpp"
#include "sql/mysql_api.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>

namespace tallyman::sql {

// How long a key's holder is remembered (a key removed from the table works that much longer).
constexpr auto key_cache_ttl = std::chrono::seconds(60);
constexpr std::size_t key_cache_max = 10'000;

// How often a batch of credit checks' writes (or an override's) run, reading afresh, while
// another transaction takes what they need: a key, a lock in a deadlock, a row another node
// of a cluster changed (books_credit.cpp), with a random pause of up to 2^attempt ms (at most
// credit_batch_backoff_ms_max) between. Past it the request fails (503). Three instances on
// three Galera nodes holding one customer's credit at once lost a batch 8 times in a row.
constexpr int credit_batch_attempts_max = 16;
constexpr int credit_batch_backoff_ms_max = 64;

class SqlBooks final : public Books {
 public:
  explicit SqlBooks(std::unique_ptr<Database> db);
  ~SqlBooks() override;

  void ping() override;
  std::optional<Actor> key_holder(const std::string& key_hash) override;
  void add_key(const std::string& name, Role role, const std::string& key_hash) override;

  std::vector<Terms> terms() override;
  PostResult put_terms(const Actor& actor, const Terms& terms) override;

  PostResult post_customer(const Actor& actor, const Customer& customer) override;
  PostResult patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) override;
  PostResult decide_limit_change(const Actor& actor, std::int64_t id, bool approve) override;
  std::optional<LimitChange> limit_change(std::int64_t id) override;
  Page<LimitChange> limit_changes(const std::optional<WriteOffStatus>& status, const std::optional<std::string>& customer,
                                  const PageRequest& page) override;
  std::optional<Customer> customer(const std::string& id) override;
  std::optional<Account> account(const std::string& id, Date today) override;
  Page<Customer> customers(const PageRequest& page) override;

  PostResult post_invoice(const Actor& actor, const Invoice& invoice) override;
  std::optional<InvoiceView> invoice(const std::string& number) override;
  Page<InvoiceView> invoices(const std::optional<std::string>& customer, const std::optional<InvoiceStatus>& status,
                             const PageRequest& page) override;
  PostResult dispute(const Actor& actor, const std::string& number, const std::optional<std::string>& reason) override;

  PostResult post_payment(const Actor& actor, const Payment& payment) override;
  std::optional<PaymentView> payment(const std::string& reference) override;
  PostResult reverse_payment(const Actor& actor, const std::string& reference, Date date,
                             const std::string& reason) override;
  PostResult apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                          std::int64_t amount, Date date) override;
  PostResult post_credit_note(const Actor& actor, const CreditNote& note) override;

  PostResult request_write_off(const Actor& actor, const std::string& invoice, std::int64_t amount,
                               const std::string& reason, std::int64_t& id) override;
  PostResult decide_write_off(const Actor& actor, std::int64_t id, bool approve, Date today) override;
  std::optional<WriteOffRequest> write_off(std::int64_t id) override;
  Page<WriteOffRequest> write_offs(const std::optional<WriteOffStatus>& status, const PageRequest& page) override;

  AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer) override;
  std::vector<OverdueRow> overdue(const OverdueFilter& filter) override;
  Statement statement(const Customer& customer, Date from, Date to) override;
  Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                         const PageRequest& page) override;

  CreditAnswers check_credits(const std::vector<CreditCheckInput>& checks, Date today) override;
  CreditCheck override_check(const Actor& actor, const std::string& order_ref, const std::string& reason, bool reserve,
                             Date today) override;
  PostResult release_reservation(const Actor& actor, const std::string& order_ref) override;
  std::optional<Reservation> reservation(const std::string& order_ref) override;
  std::size_t expire_reservations(Date today) override;
  CreditPolicy credit_policy() override;
  PostResult put_credit_policy(const Actor& actor, const CreditPolicy& policy) override;
  GradingRun run_grading(const Actor& actor, Date as_of) override;
  std::optional<StoredScore> score(const std::string& customer) override;
  DunningPolicy dunning_policy() override;
  PostResult put_dunning_policy(const Actor& actor, const DunningPolicy& policy) override;
  DunningRun run_dunning(const Actor& actor, Date as_of) override;
  std::optional<DunningRun> dunning_run(std::int64_t id) override;
  Page<DunningTask> dunning_tasks(const TaskFilter& filter, const PageRequest& page) override;
  std::optional<DunningTask> dunning_task(std::int64_t id) override;
  std::optional<NoticeView> notice(std::int64_t id) override;
  std::vector<NoticeView> claim_notices(const std::string& holder, std::size_t max, int claim_seconds) override;
  void notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                        int retry_after_ms, int attempts_max) override;
  PostResult update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                         const std::optional<std::string>& note) override;
  PostResult make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                          std::int64_t& id) override;
  std::vector<PromiseView> promises(const std::string& customer, Date as_of) override;
  bool take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds) override;
  void finish_lease(const std::string& job, const std::string& holder, Date day) override;

 private:
  // Runs change(store) in one write transaction; commits when the outcome is accepted, and
  // writes the audit entry when something was created or updated.
  template <class Change>
  PostResult write(const Actor& actor, const char* action, const char* entity, const std::string& entity_id,
                   Change&& change);

  PostResult decide(const char* table, const Actor& actor, std::int64_t id, bool approve,
                    const std::function<PostResult()>& apply);
  // books_credit.cpp: a batch's (or an override's) write phase; `also` writes more in its
  // transaction, knowing what was decided.
  CreditBatch decide_and_write(const std::vector<CreditCheckInput>& checks, Date today, int& reruns,
                               const std::function<void(const CreditBatch&)>& also);
  // After money came in: if nothing undisputed is overdue any more as of `day`, the dunning
  // episode ends at once (its open tasks resolve, the hold lifts), without waiting for a run.
  void end_episode_if_clear(const std::string& customer, Date day);
  // What the customer's payments received from the promise's making to its date (or as_of,
  // if sooner) add up to; reversed payments do not count.
  std::int64_t paid_towards(const std::string& customer, const Promise& promise, Date as_of);
  // A dunning run's look at the promises pending when last looked at: each is kept or broken
  // by now (and marked so, the broken counted in `run`), or pending still. Returns the
  // customers with one pending, whom the run leaves alone.
  std::set<std::string> settle_promises(Date as_of, DunningRun& run);
  std::unique_ptr<Database> db_;
  std::minstd_rand random_{std::random_device{}()};  // the pauses between a batch's attempts
  // The account read is the service's most frequent request: its statement is prepared once
  // per connection and run again with new values (books_reads.cpp).
  struct AccountStatement;
  std::unique_ptr<AccountStatement> account_;
  // Key holders found, by key hash, until a time: every request asks, and this instance
  // serves one thread, so no lock. Unknown keys are not remembered.
  struct KnownKey {
    Actor actor;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::string, KnownKey> keys_;
};

}  // namespace tallyman::sql
