#pragma once
// The books (core/books.hpp) over SQLite or MySQL, a class per area, all on one connection:
// each method one transaction. Every change is written to the audit table in the transaction
// that makes it. The service keeps one SqlBooks per database worker and credit desk.
//   SqlAccess       access_books.cpp     keys, health
//   SqlLedger       ledger_books.cpp     terms, customers, invoices, payments, credit notes,
//                   ledger_reads.cpp     write-offs, limit changes (LedgerStore posts)
//   SqlCredit       credit_books.cpp     credit checks in batches, overrides, reservations, policy
//   SqlCollections  collections_books.cpp dunning policy, tasks, promises, notices; the outbox
//   SqlReports      report_books.cpp     aging, overdue, statement, audit
// The runs' stores are in run_stores.hpp (the runs themselves are jobs/').

#include "core/books.hpp"
#include "sql/database.hpp"

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
// of a cluster changed (credit_books.cpp), with a random pause of up to 2^attempt ms (at most
// credit_batch_backoff_ms_max) between. Past it the request fails (503). Three instances on
// three Galera nodes holding one customer's credit at once lost a batch 8 times in a row.
constexpr int credit_batch_attempts_max = 16;
constexpr int credit_batch_backoff_ms_max = 64;

class SqlAccess final : public AccessBooks {
 public:
  explicit SqlAccess(Database& db) : db_(db) {}
  void ping() override;
  std::optional<Actor> key_holder(const std::string& key_hash) override;
  void add_key(const std::string& name, Role role, const std::string& key_hash) override;

 private:
  Database& db_;
  // Key holders found, by key hash, until a time: every request asks, and this instance
  // serves one thread, so no lock. Unknown keys are not remembered.
  struct KnownKey {
    Actor actor;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::string, KnownKey> keys_;
};

class SqlLedger final : public LedgerBooks {
 public:
  explicit SqlLedger(Database& db);
  ~SqlLedger() override;

  std::vector<Terms> terms() override;
  LedgerResult put_terms(const Actor& actor, const Terms& terms) override;
  LedgerResult post_customer(const Actor& actor, const Customer& customer) override;
  LedgerResult patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) override;
  LedgerResult decide_limit_change(const Actor& actor, std::int64_t id, bool approve) override;
  std::optional<LimitChange> limit_change(std::int64_t id) override;
  Page<LimitChange> limit_changes(const std::optional<WriteOffStatus>& status, const std::optional<std::string>& customer,
                                  const PageRequest& page) override;
  std::optional<Customer> customer(const std::string& id) override;
  std::optional<Account> account(const std::string& id, Date today) override;
  Page<Customer> customers(const PageRequest& page) override;
  LedgerResult post_invoice(const Actor& actor, const Invoice& invoice) override;
  std::optional<InvoiceView> invoice(const std::string& number) override;
  Page<InvoiceView> invoices(const std::optional<std::string>& customer, const std::optional<InvoiceStatus>& status,
                             const PageRequest& page) override;
  LedgerResult dispute(const Actor& actor, const std::string& number, const std::optional<std::string>& reason) override;
  LedgerResult post_payment(const Actor& actor, const Payment& payment) override;
  std::optional<PaymentView> payment(const std::string& reference) override;
  LedgerResult reverse_payment(const Actor& actor, const std::string& reference, Date date,
                               const std::string& reason) override;
  LedgerResult apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                            std::int64_t amount, Date date) override;
  LedgerResult post_credit_note(const Actor& actor, const CreditNote& note) override;
  LedgerResult request_write_off(const Actor& actor, const std::string& invoice, std::int64_t amount,
                                 const std::string& reason, std::int64_t& id) override;
  LedgerResult decide_write_off(const Actor& actor, std::int64_t id, bool approve, Date today) override;
  std::optional<WriteOffRequest> write_off(std::int64_t id) override;
  Page<WriteOffRequest> write_offs(const std::optional<WriteOffStatus>& status, const PageRequest& page) override;

 private:
  // A request that a second person approves or rejects (write-offs, limit changes).
  LedgerResult decide(const char* table, const Actor& actor, std::int64_t id, bool approve,
                      const std::function<LedgerResult()>& apply);
  Database& db_;
  // The account read is the service's most frequent request: its statement is prepared once
  // per connection and run again with new values (ledger_reads.cpp).
  struct AccountStatement;
  std::unique_ptr<AccountStatement> account_;
};

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

class SqlCollections final : public CollectionsBooks {
 public:
  explicit SqlCollections(Database& db) : db_(db) {}
  DunningPolicy dunning_policy() override;
  PolicyChange put_dunning_policy(const Actor& actor, const DunningPolicy& policy) override;
  std::optional<DunningRun> dunning_run(std::int64_t id) override;
  Page<DunningTask> dunning_tasks(const TaskFilter& filter, const PageRequest& page) override;
  std::optional<DunningTask> dunning_task(std::int64_t id) override;
  std::optional<NoticeView> notice(std::int64_t id) override;
  PromiseOutcome make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                              std::int64_t& id) override;
  std::vector<PromiseView> promises(const std::string& customer, Date as_of) override;
  TaskUpdate update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                         const std::optional<std::string>& note) override;

  // The outbox's sender: claims up to `max` pending notices that are due (none claimed by a
  // live other sender), for `claim_seconds`; then reports each attempt. A notice whose
  // attempt succeeded is sent and never claimed again; after `attempts_max` failures, failed.
  std::vector<NoticeView> claim_notices(const std::string& holder, std::size_t max, int claim_seconds);
  void notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                        int retry_after_ms, int attempts_max);
  // Scheduled jobs among instances: takes `job`'s lease for `day` unless it was done for that
  // day or another holder's lease is still running; true if this holder has it now.
  bool take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds);
  void finish_lease(const std::string& job, const std::string& holder, Date day);

 private:
  Database& db_;
};

class SqlReports final : public ReportBooks {
 public:
  explicit SqlReports(Database& db) : db_(db) {}
  AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer) override;
  std::vector<OverdueRow> overdue(const OverdueFilter& filter) override;
  Statement statement(const Customer& customer, Date from, Date to) override;
  Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                         const PageRequest& page) override;

 private:
  Database& db_;
};

// Every area on one connection (the runs are jobs/': jobs/books.hpp joins them to these).
class SqlBooks {
 public:
  explicit SqlBooks(std::unique_ptr<Database> db);
  ~SqlBooks();
  SqlAccess& access() { return access_; }
  SqlLedger& ledger() { return ledger_; }
  SqlCredit& credit() { return credit_; }
  SqlCollections& collections() { return collections_; }
  SqlReports& reports() { return reports_; }
  Database& database() { return *db_; }

 private:
  std::unique_ptr<Database> db_;
  SqlAccess access_{*db_};
  SqlLedger ledger_{*db_};
  SqlCredit credit_{*db_};
  SqlCollections collections_{*db_};
  SqlReports reports_{*db_};
};

}  // namespace tallyman::sql
