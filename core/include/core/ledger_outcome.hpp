#pragma once
// What became of a request to change the ledger (core/ledger_books.hpp): done, or why not.
// Expected business outcomes are values, never exceptions (docs/architecture.md); the HTTP
// layer maps each to its status with an exhaustive switch, the importer to its message.

#include <string>
#include <string_view>

namespace tallyman {

enum class LedgerOutcome {
  created,
  replayed,               // the same document was stored before, with the same content
  updated,                // a resource changed in place (terms, a customer's settings, a dispute)
  pending,                // accepted, waiting for a second person's approval (a credit-limit raise)
  conflict,               // the same id was posted with different content
  not_found,              // the resource the request is about does not exist
  unknown_customer,
  currency_mismatch,      // not the customer's currency: tallyman never converts
  unknown_terms,
  unknown_invoice,        // an allocation or credit note names an invoice the customer lacks
  issued_after_document,  // ... or one issued after the payment or credit note
  exceeds_open_amount,    // ... or more than its open amount
  exceeds_unapplied,      // more than the customer's unapplied credit as of the date
  dated_too_early,        // dated before something it must follow (a reversal before the payment)
  already_decided,        // a request that was approved, rejected or reversed already
  same_person,            // approval by the person who asked: a second person must approve
  account_taken,          // a bank account that belongs to another customer
};

std::string_view to_string(LedgerOutcome outcome);
// For the person: "is more than the invoice's open amount", said of `field`.
std::string_view describe(LedgerOutcome outcome);

struct LedgerResult {
  LedgerOutcome outcome = LedgerOutcome::created;
  std::string field;  // the field at fault when refused
  bool accepted() const {
    return outcome == LedgerOutcome::created || outcome == LedgerOutcome::replayed || outcome == LedgerOutcome::updated ||
           outcome == LedgerOutcome::pending;
  }
};

}  // namespace tallyman
