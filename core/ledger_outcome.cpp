#include "core/ledger_outcome.hpp"

#include "core/check.hpp"

namespace tallyman {

std::string_view to_string(LedgerOutcome outcome) {
  switch (outcome) {
    case LedgerOutcome::created: return "created";
    case LedgerOutcome::replayed: return "replayed";
    case LedgerOutcome::updated: return "updated";
    case LedgerOutcome::pending: return "pending";
    case LedgerOutcome::conflict: return "conflict";
    case LedgerOutcome::not_found: return "not_found";
    case LedgerOutcome::unknown_customer: return "unknown_customer";
    case LedgerOutcome::currency_mismatch: return "currency_mismatch";
    case LedgerOutcome::unknown_terms: return "unknown_terms";
    case LedgerOutcome::unknown_invoice: return "unknown_invoice";
    case LedgerOutcome::issued_after_document: return "issued_after_document";
    case LedgerOutcome::exceeds_open_amount: return "exceeds_open_amount";
    case LedgerOutcome::exceeds_unapplied: return "exceeds_unapplied";
    case LedgerOutcome::dated_too_early: return "dated_too_early";
    case LedgerOutcome::already_decided: return "already_decided";
    case LedgerOutcome::same_person: return "same_person";
    case LedgerOutcome::account_taken: return "account_taken";
  }
  TM_ASSERT(false);
}

std::string_view describe(LedgerOutcome outcome) {
  switch (outcome) {
    case LedgerOutcome::created:
    case LedgerOutcome::replayed:
    case LedgerOutcome::updated:
    case LedgerOutcome::pending: return "";
    case LedgerOutcome::conflict: return "is already stored with different content";
    case LedgerOutcome::not_found: return "names nothing stored";
    case LedgerOutcome::unknown_customer: return "names no known customer";
    case LedgerOutcome::currency_mismatch: return "is not the customer's currency";
    case LedgerOutcome::unknown_terms: return "names no known payment terms";
    case LedgerOutcome::unknown_invoice: return "names no invoice of this customer";
    case LedgerOutcome::issued_after_document: return "names an invoice issued after this document's date";
    case LedgerOutcome::exceeds_open_amount: return "is more than the invoice's open amount";
    case LedgerOutcome::exceeds_unapplied: return "is more than the customer's unapplied credit";
    case LedgerOutcome::dated_too_early: return "is earlier than what it must follow";
    case LedgerOutcome::already_decided: return "was decided already";
    case LedgerOutcome::same_person: return "must be approved by someone other than the requester";
    case LedgerOutcome::account_taken: return "names an account that belongs to another customer";
  }
  TM_ASSERT(false);
}

}  // namespace tallyman
