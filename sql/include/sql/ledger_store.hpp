#pragma once
// The receivables ledger in the database: documents in, postings written, projections kept.
//
// Posting methods take a batch (a single request is a batch of one; an import, a thousand
// rows at a time) and must run inside a WriteTransaction: the caller commits or rolls back
// the whole. Documents are taken in order, later ones seeing earlier ones. The first one
// refused stops the batch; the results then end with its outcome.
//
// Idempotency (contract §1): a document whose id is already stored with the same content is
// `replayed` and posted nothing; with different content it is a `conflict`.

#include "core/aging.hpp"
#include "core/allocation.hpp"
#include "core/ledger.hpp"
#include "core/ledger_outcome.hpp"
#include "core/terms.hpp"
#include "sql/database.hpp"

#include <map>
#include <unordered_map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman::sql {

// An invoice as stored, with its open amount now.
struct InvoiceState {
  Invoice invoice;  // due_date always set
  std::int64_t open_amount = 0;
  bool disputed = false;
};

// A LedgerStore serves one transaction (or reads outside any): it caches the customers'
// currency and terms it has met, which an import of a million rows would otherwise fetch
// again for every batch.
//
// What a posting method writes (payments, postings, invoices' open amounts) is written when
// it returns, unless the store is loading in bulk (bulk_load): an import or a bank statement.
// Then the writes are held and written many thousands at a time (batch_done, flush), postings
// sorted by the aging index's key, which halves what that index costs to maintain; and the
// customers' open invoices are read once per load and kept in memory as payments allocate
// them, where reading them for every batch cost more than all the writing. Nothing else may
// read or change the ledger through another store while a load holds writes; flush() writes
// them, and must run before commit.
class LedgerStore {
 public:
  explicit LedgerStore(Database& db) : db_(db) {}

  // Starts a bulk load. Into an empty book (`empty_book`) every customer's currency and terms
  // are read at once, the load meeting most of them. On SQLite postings are held until
  // `held_postings_max` of them wait; on MySQL they are written at every batch_done (on
  // InnoDB long sorted runs into the middle of postings_aging left it so fragmented that a
  // 1M-invoice import took 20% longer and aging twice as long, measured, docs/performance.md).
  void bulk_load(bool empty_book, std::size_t held_postings_max) {
    bulk_ = true;
    empty_book_ = empty_book;
    held_postings_max_ = held_postings_max;
  }
  // The end of a batch of a bulk load: writes what is held when it is time to.
  void batch_done();
  // Writes everything held.
  void flush();

  std::vector<LedgerResult> post_customers(std::span<const Customer> customers);
  std::vector<LedgerResult> post_invoices(std::span<const Invoice> invoices);
  std::vector<LedgerResult> post_payments(std::span<const Payment> payments);
  LedgerResult post_credit_note(const CreditNote& note);
  // A remittance advice's lines, each applying its amount of the payment's unapplied money to
  // the invoice (apply_credit); a line whose payment has applied exactly that amount to the
  // invoice already is replayed, so that a file imported twice changes nothing.
  std::vector<LedgerResult> post_remittances(std::span<const RemittanceLine> lines);
  // Applies the customer's unapplied credit to an invoice (contract §2
  // POST /v1/customers/{id}/applications): oldest payments and credit notes first.
  // With `payment`, only that payment's unapplied money (a remittance advice's).
  LedgerResult apply_credit(const std::string& customer, const std::string& invoice, std::int64_t amount, Date date,
                            const std::optional<std::string>& payment = std::nullopt);
  // Writes off `amount` of an invoice's open amount as of `posted_on`; `document` names the
  // write-off (its request id). The request and its approval by a second person are kept by
  // the caller; this posts it, once.
  LedgerResult post_write_off(const std::string& invoice, std::int64_t amount, Date posted_on, const std::string& document);
  // Undoes a bounced payment as of `date` (contract §2 POST /v1/payments/{reference}/reverse):
  // every application it made is reversed, the invoices reopen, what was left unapplied goes.
  // Aging before `date` is unchanged. Reversing again with the same date and reason is a
  // replay; otherwise already_decided.
  LedgerResult reverse_payment(const std::string& reference, Date date, const std::string& reason);

  // A payment as stored (or posted in this load).
  struct KnownPayment {
    std::string customer;
    Date received;
    std::int64_t amount = 0;
    Currency currency;
    std::string allocations;  // allocations_text
    bool reversed = false;
  };
  // Reads those of `references` not yet known to this store (one query); payment() then
  // answers for them without another.
  void look_up_payments(const std::set<std::string>& references);
  const KnownPayment* payment(const std::string& reference);
  // What each of the stored payments among `references` has applied to each invoice, (payment,
  // invoice) → amount (reversals not counted): what a remittance line is a replay of. The
  // customers are locked first (lock_customers). One read per customer, of its postings from
  // the day the earliest of its payments was received (none of a payment's applications is older).
  using Applications = std::map<std::pair<std::string, std::string>, std::int64_t>;
  Applications applications_of(const std::set<std::string>& references);
  // Reads the open invoices of those of `customers` not yet in memory, locking the customers
  // on MySQL (lock_customers); open_items_of then answers for them as payments of this store
  // allocate. A bulk load that has met a tenth of the book's customers reads every customer's
  // at once. They stay in memory until the store goes.
  void load_open_items(const std::set<std::string>& customers);
  const OpenItems& open_items_of(const std::string& customer);

  // The customer with its bank accounts.
  std::optional<Customer> customer(const std::string& id);
  std::vector<std::string> bank_accounts(const std::string& customer);
  // Sets a customer's bank accounts to `accounts` (normalized): account_taken when one belongs
  // to another customer, else updated (or replayed: the same ones).
  LedgerResult put_bank_accounts(const std::string& customer, const std::vector<std::string>& accounts);
  // Every payment term, by code.
  const std::map<std::string, Terms, std::less<>>& terms() { return all_terms(); }
  std::vector<Customer> customers(const std::set<std::string>& ids);
  std::optional<InvoiceState> invoice(const std::string& number);
  // The customer's unapplied credit now (payments and credit notes not yet applied).
  std::int64_t unapplied(const std::string& customer);
  // Every posting, in the order written; optionally one customer's. For statements and checks.
  // With the customer's currency, the aging index finds them; without it, a full scan.
  std::vector<Posting> postings(const std::optional<std::string>& customer = std::nullopt,
                                std::optional<Currency> currency = std::nullopt);

  // Aging as of spec.as_of in one currency, computed from the journal (aging_query.cpp).
  // parts > 1 splits the customers into that many ranges read at once on as many
  // connections (a core each); a single customer is never split.
  AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer = std::nullopt,
                    std::size_t parts = 1);

  // Posting that reads a customer's balances to change them (payments, credit notes) first
  // locks the customer rows until commit: on MySQL a second instance then waits and reads
  // what the first wrote. (Locking the invoices read instead is not enough: a range scan of
  // invoices_customer_due misses a row whose open amount a concurrent writer just lowered.)
  // SQLite's BEGIN IMMEDIATE already admits one writer at a time.
  void lock_customers(const std::set<std::string>& ids);
  void lock_all_customers();

 private:
  void insert_postings(const std::vector<Posting>& postings);
  // An invoice carrying an order_ref lowers that order's active reservation by its amount
  // (contract §3); one that reaches zero is consumed.
  void consume_reservations(std::span<const Invoice> invoices, const std::vector<LedgerResult>& results);
  void set_open_amounts(const std::vector<std::pair<std::string, std::int64_t>>& opens);
  // Adds to the customers' open invoices in memory the invoices of `named` that are theirs but
  // not open (an allocation naming one is then refused as exceeding it, not as unknown).
  void load_named_items(const std::set<std::string>& named);
  // Reads these customers' open invoices into memory anew, locking them on MySQL.
  void read_open_items(const std::vector<std::string>& customers);
  // The open invoices of `customers` (of every customer when none are given), by customer.
  void read_open(std::span<const std::string> customers, std::unordered_map<std::string, std::vector<OpenItem>>& into);
  void flush_postings();
  // Writes what is held and forgets what was read: after each posting method outside a bulk
  // load, and before those that change open amounts without this store's memory of them
  // (credit notes, applications, write-offs).
  void forget();

  struct CustomerFacts {
    Currency currency;
    std::string terms;
  };
  // Looked up once or twice per imported row, among all the book's customers: hashed.
  using CustomerFactsMap = std::unordered_map<std::string, CustomerFacts>;
  // The facts of those of `ids` that exist (from the cache, else one query for the rest).
  const CustomerFactsMap& customer_facts(const std::set<std::string>& ids);
  const std::map<std::string, Terms, std::less<>>& all_terms();
  // Why a document for `customer` in `currency` cannot be posted, if it cannot: the customer
  // is unknown, or keeps its books in another currency. Else, with `found`, its facts.
  static std::optional<LedgerResult> refusal(const CustomerFactsMap& facts, const std::string& customer,
                                           Currency currency, const CustomerFacts** found = nullptr);

  Database& db_;
  bool bulk_ = false;
  bool empty_book_ = false;
  std::size_t held_postings_max_ = 0;
  bool all_facts_ = false;  // facts_ holds every customer's (an empty-book load read them all)
  std::optional<bool> any_reservations_;
  std::vector<Posting> held_;
  struct HeldPayment {
    std::string reference;
    const KnownPayment* payment;  // in payments_
    std::int64_t unapplied;
  };
  std::vector<HeldPayment> held_payments_;
  std::unordered_map<std::string, std::int64_t> held_opens_;  // invoice -> open amount
  std::unordered_map<std::string, std::optional<KnownPayment>> payments_;  // looked up: stored or not
  std::unordered_map<std::string, OpenItems> open_;                      // customer -> open invoices
  bool all_open_ = false;  // open_ holds every customer's (a customer missing has none)
  std::optional<std::size_t> customers_in_book_;
  CustomerFactsMap facts_;
  std::optional<std::map<std::string, Terms, std::less<>>> terms_;
};

}  // namespace tallyman::sql
