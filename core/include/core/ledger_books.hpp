#pragma once
// The receivables ledger's area of the books (core/books.hpp; contract §2): terms, customers
// and their credit-limit changes, invoices, disputes, payments, reversals, applications of
// unapplied credit, credit notes, write-offs. Every change is audited in its transaction.

#include "core/books_common.hpp"
#include "core/ledger.hpp"
#include "core/ledger_outcome.hpp"
#include "core/terms.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

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

// GET /v1/customers: customers found by id or name, each with its balance now.
enum class CustomerSort { id, name, balance, overdue };
struct CustomerSearch {
  std::optional<std::string> q;  // an id's start, or words that start words of the name (core/text.hpp search_key)
  std::optional<Currency> currency;
  CustomerSort sort = CustomerSort::id;
  bool descending = false;
  Date today;  // what is overdue
};
struct CustomerRow {
  Customer customer;
  std::int64_t open = 0;
  std::int64_t unapplied = 0;
  std::int64_t overdue = 0;
};

struct CreditNoteView {
  CreditNote note;
  std::int64_t unapplied = 0;  // of a note without an invoice, what is not applied yet
};

// A change to a customer's settings: each field present is set. The currency never changes.
struct CustomerPatch {
  std::optional<std::string> name;
  std::optional<std::optional<std::int64_t>> credit_limit;  // {nullopt}: remove the limit
  std::optional<std::string> terms;
  std::optional<std::optional<std::string>> collector;
  std::optional<std::optional<char>> grade;
  std::optional<bool> on_hold;
  std::optional<std::optional<std::string>> salesperson;
  std::optional<std::vector<std::string>> bank_accounts;  // replaces them all
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
  std::string payment_reference;  // ISO 11649 (RF), for customers to quote (core/bank.hpp)
};

// Where a payment's money went: an invoice, the amount applied to it, and the day. A reversal
// undoes each as of its date, shown as the negative amount.
struct Application {
  std::string invoice;
  std::int64_t amount = 0;
  Date date;
};

struct PaymentView {
  Payment payment;
  std::vector<Application> applications;  // in the order posted
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

// A credit-limit raise, whoever asked, waiting for a manager or admin who is not the requester
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

class LedgerBooks {
 public:
  virtual ~LedgerBooks() = default;

  virtual std::vector<Terms> terms() = 0;
  virtual LedgerResult put_terms(const Actor& actor, const Terms& terms) = 0;

  virtual LedgerResult post_customer(const Actor& actor, const Customer& customer) = 0;
  // A raise of the credit limit, by anyone, is not applied: it becomes a pending LimitChange
  // (outcome pending, the rest of the patch applied). Lowering applies at once.
  virtual LedgerResult patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) = 0;
  // A customer's bank accounts (normalized, core/bank.hpp), in order.
  virtual std::vector<std::string> bank_accounts(const std::string& customer) = 0;
  virtual LedgerResult decide_limit_change(const Actor& actor, std::int64_t id, bool approve) = 0;
  virtual std::optional<LimitChange> limit_change(std::int64_t id) = 0;
  // Oldest first; optionally of one status, of one customer.
  virtual Page<LimitChange> limit_changes(const std::optional<WriteOffStatus>& status,
                                          const std::optional<std::string>& customer, const PageRequest& page) = 0;
  virtual std::optional<Customer> customer(const std::string& id) = 0;
  // The customer and its balance now (overdue as of `today`), read at once.
  virtual std::optional<Account> account(const std::string& id, Date today) = 0;
  // Sorted by id, the page continues after an id; sorted otherwise, after a number of rows.
  virtual Page<CustomerRow> find_customers(const CustomerSearch& search, const PageRequest& page) = 0;

  virtual LedgerResult post_invoice(const Actor& actor, const Invoice& invoice) = 0;
  virtual std::optional<InvoiceView> invoice(const std::string& number) = 0;
  virtual Page<InvoiceView> invoices(const std::optional<std::string>& customer,
                                     const std::optional<InvoiceStatus>& status, const PageRequest& page) = 0;
  virtual LedgerResult dispute(const Actor& actor, const std::string& number,
                               const std::optional<std::string>& reason) = 0;

  virtual LedgerResult post_payment(const Actor& actor, const Payment& payment) = 0;
  virtual std::optional<PaymentView> payment(const std::string& reference) = 0;
  // By reference; optionally one customer's.
  virtual Page<PaymentView> payments(const std::optional<std::string>& customer, const PageRequest& page) = 0;
  virtual LedgerResult reverse_payment(const Actor& actor, const std::string& reference, Date date,
                                       const std::string& reason) = 0;
  virtual LedgerResult apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                                    std::int64_t amount, Date date) = 0;
  // A remittance advice (contract §7 POST /v1/remittances): the payment's unapplied money to
  // each invoice named, dated `date`, all or nothing.
  virtual LedgerResult apply_remittance(const Actor& actor, const std::string& customer, const std::string& payment,
                                        const std::vector<Allocation>& lines, Date date) = 0;
  virtual LedgerResult post_credit_note(const Actor& actor, const CreditNote& note) = 0;
  // By number; optionally one customer's.
  virtual Page<CreditNoteView> credit_notes(const std::optional<std::string>& customer, const PageRequest& page) = 0;

  // A write-off request; `id` is set to the new request's id when created.
  virtual LedgerResult request_write_off(const Actor& actor, const std::string& invoice, std::int64_t amount,
                                         const std::string& reason, std::int64_t& id) = 0;
  // Approval posts the write-off dated `today`; rejection posts nothing.
  virtual LedgerResult decide_write_off(const Actor& actor, std::int64_t id, bool approve, Date today) = 0;
  virtual std::optional<WriteOffRequest> write_off(std::int64_t id) = 0;
  virtual Page<WriteOffRequest> write_offs(const std::optional<WriteOffStatus>& status, const PageRequest& page) = 0;
};

}  // namespace tallyman
