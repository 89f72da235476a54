#pragma once
// The books as the service sees them: every read and change a request can make, each one
// transaction. The HTTP layer calls this interface; sql/ implements it over SQLite and
// MySQL (sql/books.hpp). An instance serves one thread with one connection: the service
// keeps as many as it has database workers.
//
// Changes carry an Actor (the API key's name and role): each is written to the audit trail in
// the same transaction as the change itself. "Today" is always a parameter: core reads no
// clock.
//
// A failing environment (database unreachable, locked too long) throws StorageError; every
// business outcome is a PostOutcome value.

#include "core/aging.hpp"
#include "core/credit.hpp"
#include "core/credit_batch.hpp"
#include "core/dunning.hpp"
#include "core/grading.hpp"
#include "core/notice.hpp"
#include "core/errors.hpp"
#include "core/ledger.hpp"
#include "core/outcome.hpp"
#include "core/roles.hpp"
#include "core/terms.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

struct Actor {
  std::string name;  // the API key's name: who did it, in the audit trail
  Role role = Role::admin;
  std::string request_id;  // the request that made the change, kept with its audit entry
  std::string request;     // what the request said (its JSON body), kept with its audit entry
};

// A page of a list ordered by its key: `after` is the last key of the previous page.
struct PageRequest {
  std::string after;
  std::size_t limit = 100;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;  // the key to continue after, if there is more
};

// GET /v1/customers/{id} "balance" (contract §2), now. exposure = open - unapplied + reserved.
struct Balance {
  std::int64_t open = 0;
  std::int64_t overdue = 0;  // the part of open past its due date as of today
  std::int64_t unapplied = 0;
  std::int64_t reserved = 0;
  std::int64_t exposure = 0;
  std::optional<std::int64_t> available;  // credit_limit - exposure; none without a limit
};

// A customer with its balance: GET /v1/customers/{id}.
struct Account {
  Customer customer;
  Balance balance;
  bool dunning_hold = false;  // set by a dunning level with credit_hold, lifted when nothing is overdue
};

// A change to a customer's settings: each field present is set. The currency never changes.
struct CustomerPatch {
  std::optional<std::string> name;
  std::optional<std::optional<std::int64_t>> credit_limit;  // {nullopt}: remove the limit
  std::optional<std::string> terms;
  std::optional<std::optional<std::string>> collector;
  std::optional<std::optional<char>> grade;
  std::optional<bool> on_hold;
};

enum class InvoiceStatus { open, paid, written_off };
std::string_view to_string(InvoiceStatus status);
std::optional<InvoiceStatus> parse_invoice_status(std::string_view text);

struct InvoiceView {
  Invoice invoice;  // due_date always set
  std::int64_t open_amount = 0;
  InvoiceStatus status = InvoiceStatus::open;
  bool disputed = false;
  std::optional<std::string> dispute_reason;
};

struct PaymentView {
  Payment payment;
  std::int64_t unapplied = 0;
  std::optional<Date> reversed_on;
  std::optional<std::string> reversal_reason;
};

enum class WriteOffStatus { pending, approved, rejected };
std::string_view to_string(WriteOffStatus status);
std::optional<WriteOffStatus> parse_write_off_status(std::string_view text);

struct WriteOffRequest {
  std::int64_t id = 0;
  std::string invoice;
  std::string customer;
  std::int64_t amount = 0;
  Currency currency;
  std::string reason;
  WriteOffStatus status = WriteOffStatus::pending;
  std::string requested_by;
  std::string requested_at;  // UTC timestamps
  std::optional<std::string> decided_by;
  std::optional<std::string> decided_at;
  std::optional<Date> posted_on;
};

// A credit-limit raise asked for by finance, waiting for a manager who is not the requester
// (lowering a limit takes effect at once).
struct LimitChange {
  std::int64_t id = 0;
  std::string customer;
  std::optional<std::int64_t> old_limit;
  std::int64_t new_limit = 0;
  WriteOffStatus status = WriteOffStatus::pending;  // pending, approved, rejected: the same three
  std::string requested_by;
  std::string requested_at;
  std::optional<std::string> decided_by;
  std::optional<std::string> decided_at;
};

// A grading run: how many customers it examined, how many had history to be scored, and how
// many grades it changed.
struct GradingRun {
  std::int64_t id = 0;
  Date as_of;
  int examined = 0;
  int graded = 0;
  int changed = 0;
};

struct StoredScore {
  Score score;
  Date as_of;
};

enum class TaskStatus { open, done, cancelled, resolved };
std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);

struct DunningTask {
  std::int64_t id = 0;
  std::string customer;
  int level = 0;
  std::string action;
  std::int64_t overdue_amount = 0;
  std::vector<std::string> invoices;
  Date created;  // the run's as_of
  TaskStatus status = TaskStatus::open;
  std::optional<std::string> note;
  std::optional<std::string> collector;  // the customer's
  std::optional<std::int64_t> notice;    // the notice it sent, if its action sends one
};

struct NoticeView {
  std::int64_t id = 0;
  std::int64_t task = 0;
  std::string customer;
  int level = 0;
  RenderedNotice rendered;
  Currency currency;
  std::string status;  // pending, sent, failed
  int attempts = 0;
  std::string created_at;
};

struct TaskFilter {
  std::optional<TaskStatus> status;
  std::optional<std::string> collector;
  std::optional<int> level;
  std::optional<std::string> customer;
};

// A customer whose writes the database refused in a run: the run went on without it.
struct DunningFailure {
  std::string customer;
  std::string error;  // the database's words, for the log
};
constexpr std::size_t dunning_failures_kept = 100;  // of a run's failures, for the log; all are counted

struct DunningRun {
  std::int64_t id = 0;
  Date as_of;
  int examined = 0;
  int tasks_created = 0;
  int holds_set = 0;
  int holds_released = 0;
  int tasks_resolved = 0;
  int promises_broken = 0;
  std::int64_t duration_ms = 0;
  int customers_failed = 0;
  std::vector<DunningFailure> failures;  // the first dunning_failures_kept; only as the run returns
};

struct PromiseView {
  std::int64_t id = 0;
  std::string customer;
  Promise promise;
  PromiseState state = PromiseState::pending;  // as of the day asked
  std::int64_t paid = 0;                       // received towards it so far
  std::string made_by;
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string at;  // UTC timestamp
  std::string actor;
  std::string role;
  std::string action;  // "invoice.post", "write_off.approve", ...
  std::string entity;  // "invoice", "customer", ...
  std::string entity_id;
  std::string request_id;
  std::string detail;  // a JSON document of what was posted or changed
};

// GET /v1/reports/overdue: one row per customer with money past due as of a date.
struct OverdueRow {
  Customer customer;
  std::int64_t overdue_amount = 0;
  int max_days_overdue = 0;
  int invoices = 0;
  std::optional<int> dunning_level;  // the level of the customer's open dunning episode
  std::optional<PromiseView> promise;  // a promise pending as of the date
};

struct OverdueFilter {
  Date as_of;
  int min_days = 1;
  std::optional<std::string> collector;
  std::optional<char> grade;
};

// GET /v1/customers/{id}/statement: the balance (open - unapplied) before `from`, every
// posting dated in [from, to] in date order, the balance after `to`.
struct StatementLine {
  Posting posting;
  std::int64_t amount = 0;   // its effect on the balance: open_delta - unapplied_delta
  std::int64_t balance = 0;  // the running balance after it
};

struct Statement {
  Customer customer;
  Date from;
  Date to;
  std::int64_t opening = 0;
  std::vector<StatementLine> lines;
  std::int64_t closing = 0;
};

// What check_credits answered, and how often its writes ran again because another transaction
// took what they needed (a deadlock, a cluster's certification conflict).
struct CreditAnswers {
  std::vector<CreditCheck> checks;  // one per check asked, in order
  int reruns = 0;
};

class Books {
 public:
  virtual ~Books() = default;

  // Health: a cheap round trip to the database; throws StorageError when it is unreachable.
  virtual void ping() = 0;

  // API keys: the holder of the key whose SHA-256 is `key_hash` (hex), if any. An
  // implementation may remember the answer for a minute: every request asks.
  virtual std::optional<Actor> key_holder(const std::string& key_hash) = 0;
  virtual void add_key(const std::string& name, Role role, const std::string& key_hash) = 0;

  virtual std::vector<Terms> terms() = 0;
  virtual PostResult put_terms(const Actor& actor, const Terms& terms) = 0;

  virtual PostResult post_customer(const Actor& actor, const Customer& customer) = 0;
  // A raise of the credit limit by finance is not applied: it becomes a pending LimitChange
  // (outcome pending, the rest of the patch applied). Lowering applies at once.
  virtual PostResult patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) = 0;
  virtual PostResult decide_limit_change(const Actor& actor, std::int64_t id, bool approve) = 0;
  virtual std::optional<LimitChange> limit_change(std::int64_t id) = 0;
  // Oldest first; optionally of one status, of one customer.
  virtual Page<LimitChange> limit_changes(const std::optional<WriteOffStatus>& status,
                                          const std::optional<std::string>& customer, const PageRequest& page) = 0;
  virtual std::optional<Customer> customer(const std::string& id) = 0;
  // The customer and its balance now (overdue as of `today`), read at once.
  virtual std::optional<Account> account(const std::string& id, Date today) = 0;
  virtual Page<Customer> customers(const PageRequest& page) = 0;

  virtual PostResult post_invoice(const Actor& actor, const Invoice& invoice) = 0;
  virtual std::optional<InvoiceView> invoice(const std::string& number) = 0;
  virtual Page<InvoiceView> invoices(const std::optional<std::string>& customer,
                                     const std::optional<InvoiceStatus>& status, const PageRequest& page) = 0;
  virtual PostResult dispute(const Actor& actor, const std::string& number, const std::optional<std::string>& reason) = 0;

  virtual PostResult post_payment(const Actor& actor, const Payment& payment) = 0;
  virtual std::optional<PaymentView> payment(const std::string& reference) = 0;
  virtual PostResult reverse_payment(const Actor& actor, const std::string& reference, Date date,
                                     const std::string& reason) = 0;
  virtual PostResult apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                                  std::int64_t amount, Date date) = 0;
  virtual PostResult post_credit_note(const Actor& actor, const CreditNote& note) = 0;

  // A write-off request; `id` is set to the new request's id when created.
  virtual PostResult request_write_off(const Actor& actor, const std::string& invoice, std::int64_t amount,
                                       const std::string& reason, std::int64_t& id) = 0;
  // Approval posts the write-off dated `today`; rejection posts nothing.
  virtual PostResult decide_write_off(const Actor& actor, std::int64_t id, bool approve, Date today) = 0;
  virtual std::optional<WriteOffRequest> write_off(std::int64_t id) = 0;
  virtual Page<WriteOffRequest> write_offs(const std::optional<WriteOffStatus>& status, const PageRequest& page) = 0;

  virtual AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer) = 0;
  virtual std::vector<OverdueRow> overdue(const OverdueFilter& filter) = 0;
  virtual Statement statement(const Customer& customer, Date from, Date to) = 0;
  // Credit control (core/credit_batch.hpp): a batch of checks, each decided in order on its
  // customer's position with the holds of the checks before it; the holds and the checks kept
  // for an override written in one transaction with the customers locked, so that concurrent
  // checks on any number of instances never approve past the limit.
  virtual CreditAnswers check_credits(const std::vector<CreditCheckInput>& checks, Date today) = 0;
  // Approves the order's last check (review or declined) and, if asked, reserves.
  virtual CreditCheck override_check(const Actor& actor, const std::string& order_ref, const std::string& reason,
                                     bool reserve, Date today) = 0;
  virtual PostResult release_reservation(const Actor& actor, const std::string& order_ref) = 0;
  virtual std::optional<Reservation> reservation(const std::string& order_ref) = 0;
  // Marks the reservations whose last day is before `today` expired; how many.
  virtual std::size_t expire_reservations(Date today) = 0;
  virtual CreditPolicy credit_policy() = 0;
  virtual PostResult put_credit_policy(const Actor& actor, const CreditPolicy& policy) = 0;

  // Scores every customer as of a date (core/grading.hpp) with the policy's weights; sets the
  // grade of each that has history; keeps each one's latest score. Audited.
  virtual GradingRun run_grading(const Actor& actor, Date as_of) = 0;
  virtual std::optional<StoredScore> score(const std::string& customer) = 0;

  // Collections (contract §5). A run as of a date assesses every customer with overdue money
  // or an open episode (core/dunning.hpp), creates the tasks a level calls for (never twice
  // in an episode), sets and lifts dunning holds, resolves the tasks of customers with
  // nothing overdue any more. A run for a date on or before the latest run's changes nothing
  // and examines nothing (its counts are zero).
  virtual DunningPolicy dunning_policy() = 0;
  virtual PostResult put_dunning_policy(const Actor& actor, const DunningPolicy& policy) = 0;
  virtual DunningRun run_dunning(const Actor& actor, Date as_of) = 0;
  virtual std::optional<DunningRun> dunning_run(std::int64_t id) = 0;
  virtual Page<DunningTask> dunning_tasks(const TaskFilter& filter, const PageRequest& page) = 0;
  virtual std::optional<DunningTask> dunning_task(std::int64_t id) = 0;
  virtual std::optional<NoticeView> notice(std::int64_t id) = 0;
  // The outbox's sender: claims up to `max` pending notices that are due (none claimed by a
  // live other sender), for `claim_seconds`; then reports each attempt. A notice whose
  // attempt succeeded is sent and never claimed again; after `attempts_max` failures, failed.
  virtual std::vector<NoticeView> claim_notices(const std::string& holder, std::size_t max, int claim_seconds) = 0;
  virtual void notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                                int retry_after_ms, int attempts_max) = 0;
  // Scheduled jobs among instances: takes `job`'s lease for `day` unless it was done for that
  // day or another holder's lease is still running; true if this holder has it now.
  virtual bool take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds) = 0;
  virtual void finish_lease(const std::string& job, const std::string& holder, Date day) = 0;
  // A promise to pay (collector and up); `id` is set when made. Unknown customer: refused.
  virtual PostResult make_promise(const Actor& actor, const std::string& customer, const Promise& promise,
                                  std::int64_t& id) = 0;
  // The customer's promises, newest first, each as of `as_of`.
  virtual std::vector<PromiseView> promises(const std::string& customer, Date as_of) = 0;
  // A collector closes an open task: done or cancelled, with a note.
  virtual PostResult update_task(const Actor& actor, std::int64_t id, TaskStatus status,
                                 const std::optional<std::string>& note) = 0;

  virtual Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                                 const PageRequest& page) = 0;
};

}  // namespace tallyman
