#pragma once
// How a payment or a credit note meets the customer's open invoices (contract §2).
//
// A payment's explicit allocations are applied first. The rest goes to the customer's open,
// undisputed invoices issued on or before the received date, oldest due date first, then by
// number. Whatever is left stays as unapplied credit. Every application is dated with the
// received date. An explicit allocation to an invoice the customer does not have, to one
// issued after the payment was received, or of more than the invoice's open amount, is
// refused, and then nothing of the payment is posted.

#include "core/ledger.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <vector>

namespace tallyman {

enum class AllocationOutcome {
  allocated,
  unknown_invoice,           // not an invoice of this customer
  issued_after_payment,      // the invoice did not exist yet on the received date
  exceeds_open_amount,       // more than the invoice's open amount
};

// A customer's invoices as payments meet them: found by number, and walked over those with
// something open in the order the oldest-first rule takes them (due date, then number). A
// settled invoice stays findable (an allocation naming it exceeds it rather than being
// unknown) and leaves the walk; a reopened one joins it again. Finding and changing one costs
// log n, and the walk stops once it has met every invoice a payment may take (those issued by
// its date): a customer with tens of thousands of open invoices costs a payment about what one
// with ten does, also when the payment is older than most of them.
class OpenItems {
 public:
  struct DueFirst {
    bool operator()(const OpenItem* a, const OpenItem* b) const {
      return a->due_date != b->due_date ? a->due_date < b->due_date : a->number < b->number;
    }
  };

  OpenItems() = default;
  explicit OpenItems(std::vector<OpenItem> items);
  // The walk points into the items: moved, never copied.
  OpenItems(OpenItems&&) = default;
  OpenItems& operator=(OpenItems&&) = default;
  OpenItems(const OpenItems&) = delete;
  OpenItems& operator=(const OpenItems&) = delete;

  // Adds an invoice; one held already stays as it is.
  void add(OpenItem item);
  const OpenItem* find(std::string_view number) const;
  // Sets a held invoice's open amount.
  void set_open(std::string_view number, std::int64_t open);
  // Those with something open, oldest due date first, then by number.
  const std::set<const OpenItem*, DueFirst>& open_in_order() const { return open_; }
  // How many of those are undisputed and issued on or before `date`.
  std::size_t payable_by(Date date) const;
  // Those whose open amount is `amount`, oldest due date first. Looked up in an index built on
  // the first call and kept from then on: a payment import, which never asks, does not pay for it.
  std::vector<const OpenItem*> with_open(std::int64_t amount) const;

 private:
  struct ByOpen {
    using is_transparent = void;
    bool operator()(const OpenItem* a, const OpenItem* b) const {
      return a->open != b->open ? a->open < b->open : DueFirst()(a, b);
    }
    bool operator()(const OpenItem* a, std::int64_t open) const { return a->open < open; }
    bool operator()(std::int64_t open, const OpenItem* b) const { return open < b->open; }
  };

  void count(const OpenItem& item, bool open);  // it joins (or leaves) open_

  std::map<std::string, OpenItem, std::less<>> by_number_;
  std::set<const OpenItem*, DueFirst> open_;
  std::vector<std::pair<Date, std::size_t>> payable_;  // undisputed ones in open_ per issue date, by date
  mutable std::optional<std::set<const OpenItem*, ByOpen>> by_open_;  // open_ by open amount, once asked
};

struct AllocationResult {
  AllocationOutcome outcome = AllocationOutcome::allocated;
  std::size_t failed_allocation = 0;  // index into payment.allocations when refused
  std::vector<Posting> postings;       // the payment, then its applications
  std::int64_t unapplied = 0;          // what stays as unapplied credit
};

// items: the customer's open invoices, plus any invoice named by an explicit allocation
// (even if settled), as they stand now. Changes nothing: the caller applies the postings.
AllocationResult allocate_payment(const Payment& payment, const OpenItems& items);

enum class CreditNoteOutcome { posted, unknown_invoice, issued_after_credit_note, exceeds_open_amount };

struct CreditNoteResult {
  CreditNoteOutcome outcome = CreditNoteOutcome::posted;
  std::vector<Posting> postings;
};

// target: the invoice the note names, if it names one and the customer has it.
CreditNoteResult credit_note_postings(const CreditNote& note, const OpenItem* target);

// Unapplied credit applied later (contract §2, "when the remittance advice arrives"): a
// payment's or a credit note's amount not yet applied.
struct CreditSource {
  PostingKind applied_kind = PostingKind::payment_applied;  // or credit_note_applied
  std::string document;                                      // payment reference or credit-note number
  Date date;                                                 // received or dated
  std::int64_t unapplied = 0;
};

enum class CreditApplicationOutcome { applied, issued_after_date, exceeds_open_amount, exceeds_unapplied };

struct CreditApplicationResult {
  CreditApplicationOutcome outcome = CreditApplicationOutcome::applied;
  std::vector<Posting> postings;                          // one application per source drawn on
  std::vector<std::pair<std::size_t, std::int64_t>> used; // (index into sources, amount taken)
};

// Applies `amount` to the invoice as of `date`, drawing on the sources dated on or before it,
// oldest first (then by document). Every application is dated `date`.
CreditApplicationResult apply_unapplied_credit(const std::string& customer, Currency currency, const OpenItem& invoice,
                                               std::int64_t amount, Date date, std::span<const CreditSource> sources);

}  // namespace tallyman
