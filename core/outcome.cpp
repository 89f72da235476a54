#include "core/outcome.hpp"

#include "core/check.hpp"

namespace tallyman {

std::string_view to_string(PostOutcome outcome) {
  switch (outcome) {
    case PostOutcome::created: return "created";
    case PostOutcome::replayed: return "replayed";
    case PostOutcome::updated: return "updated";
    case PostOutcome::pending: return "pending";
    case PostOutcome::conflict: return "conflict";
    case PostOutcome::not_found: return "not_found";
    case PostOutcome::unknown_customer: return "unknown_customer";
    case PostOutcome::currency_mismatch: return "currency_mismatch";
    case PostOutcome::unknown_terms: return "unknown_terms";
    case PostOutcome::unknown_invoice: return "unknown_invoice";
    case PostOutcome::issued_after_document: return "issued_after_document";
    case PostOutcome::exceeds_open_amount: return "exceeds_open_amount";
    case PostOutcome::exceeds_unapplied: return "exceeds_unapplied";
    case PostOutcome::dated_too_early: return "dated_too_early";
    case PostOutcome::already_decided: return "already_decided";
    case PostOutcome::same_person: return "same_person";
  }
  TM_ASSERT(false);
}

std::string_view describe(PostOutcome outcome) {
  switch (outcome) {
    case PostOutcome::created:
    case PostOutcome::replayed:
    case PostOutcome::updated:
    case PostOutcome::pending: return "";
    case PostOutcome::conflict: return "is already stored with different content";
    case PostOutcome::not_found: return "names nothing stored";
    case PostOutcome::unknown_customer: return "names no known customer";
    case PostOutcome::currency_mismatch: return "is not the customer's currency";
    case PostOutcome::unknown_terms: return "names no known payment terms";
    case PostOutcome::unknown_invoice: return "names no invoice of this customer";
    case PostOutcome::issued_after_document: return "names an invoice issued after this document's date";
    case PostOutcome::exceeds_open_amount: return "is more than the invoice's open amount";
    case PostOutcome::exceeds_unapplied: return "is more than the customer's unapplied credit";
    case PostOutcome::dated_too_early: return "is earlier than what it must follow";
    case PostOutcome::already_decided: return "was decided already";
    case PostOutcome::same_person: return "must be approved by someone other than the requester";
  }
  TM_ASSERT(false);
}

}  // namespace tallyman
