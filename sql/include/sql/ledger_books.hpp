#pragma once
// The ledger over the database (core/ledger_books.hpp; sql/ledger_books.cpp, ledger_reads.cpp):
// each method one transaction, audited, posting through LedgerStore.

#include "core/ledger_books.hpp"
#include "sql/database.hpp"

#include <functional>
#include <memory>

namespace tallyman::sql {

class SqlLedger final : public LedgerBooks {
 public:
  explicit SqlLedger(Database& db);
  ~SqlLedger() override;

  std::vector<Terms> terms() override;
  LedgerResult put_terms(const Actor& actor, const Terms& terms) override;
  LedgerResult post_customer(const Actor& actor, const Customer& customer) override;
  LedgerResult patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) override;
  std::vector<std::string> bank_accounts(const std::string& customer) override;
  LedgerResult decide_limit_change(const Actor& actor, std::int64_t id, bool approve) override;
  std::optional<LimitChange> limit_change(std::int64_t id) override;
  Page<LimitChange> limit_changes(const std::optional<WriteOffStatus>& status, const std::optional<std::string>& customer,
                                  const PageRequest& page) override;
  std::optional<Customer> customer(const std::string& id) override;
  std::optional<Account> account(const std::string& id, Date today) override;
  Page<CustomerRow> find_customers(const CustomerSearch& search, const PageRequest& page) override;
  LedgerResult post_invoice(const Actor& actor, const Invoice& invoice) override;
  std::optional<InvoiceView> invoice(const std::string& number) override;
  Page<InvoiceView> invoices(const std::optional<std::string>& customer, const std::optional<InvoiceStatus>& status,
                             const PageRequest& page) override;
  LedgerResult dispute(const Actor& actor, const std::string& number, const std::optional<std::string>& reason) override;
  LedgerResult post_payment(const Actor& actor, const Payment& payment) override;
  std::optional<PaymentView> payment(const std::string& reference) override;
  Page<PaymentView> payments(const std::optional<std::string>& customer, const PageRequest& page) override;
  LedgerResult reverse_payment(const Actor& actor, const std::string& reference, Date date,
                               const std::string& reason) override;
  LedgerResult apply_remittance(const Actor& actor, const std::string& customer, const std::string& payment,
                                const std::vector<Allocation>& lines, Date date) override;
  LedgerResult apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                            std::int64_t amount, Date date) override;
  LedgerResult post_credit_note(const Actor& actor, const CreditNote& note) override;
  Page<CreditNoteView> credit_notes(const std::optional<std::string>& customer, const PageRequest& page) override;
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

}  // namespace tallyman::sql
