#pragma once
// A batch of credit checks decided together (contract §3). Each check is decided alone, in
// the batch's order, on its customer's position as the store read it plus the holds that the
// checks before it in the same batch made: so a batch answers exactly as its checks decided
// one by one would. Pure: the store reads every position (two statements per batch), this
// decides, the store writes what it says (the holds, the checks kept for an override) in one
// transaction under the customers' row locks (sql/credit_books.cpp; docs/architecture.md "The credit desk").
//
// Invariant, asserted here and again by the store after its writes: a hold that the rules
// approve keeps its customer's exposure with the order within the limit.

#include "core/calendar.hpp"
#include "core/credit.hpp"
#include "core/money.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

struct CreditCheckRequest {
  std::string customer;
  std::string order_ref;
  std::int64_t amount = 0;
  Currency currency;
  bool reserve = false;
  bool operator==(const CreditCheckRequest&) const = default;
};

// A hold of credit for an order: `amount` is what is still held; an invoice with the
// order_ref consumes it, a release or its expiry ends it.
enum class ReservationStatus { active, consumed, released, expired };
std::string_view to_string(ReservationStatus status);

struct Reservation {
  std::string order_ref;
  std::string customer;
  std::int64_t amount = 0;
  Currency currency;
  Date expires;  // the last day it holds
  ReservationStatus status = ReservationStatus::active;
};

// What became of a check: decided (`answer` says how), or refused before a decision.
enum class CreditOutcome {
  decided,
  unknown_customer,
  currency_mismatch,   // not the customer's currency: tallyman never converts
  held_elsewhere,      // the order_ref holds credit of another customer
  no_check,            // an override of an order whose last check was not kept (none, or approved)
  overridden_already,  // an override of a check a person approved already
};

struct CreditCheck {
  CreditOutcome outcome = CreditOutcome::decided;
  CreditCheckRequest request;
  CreditPosition position;  // this order's own hold left out
  CreditAnswer answer;
  std::optional<Reservation> reservation;  // the order's hold after the check, if it holds
};

// What the store read for one check, as of the day checked.
struct StoredPosition {
  Currency currency;
  // reserved: the customer's active holds that still hold (past their last day they no longer
  // count), this order's own among them.
  CreditPosition position;
  std::int64_t reserved_projection = 0;  // customers.reserved_amount: every active hold, lapsed ones too
  struct Hold {
    std::string customer;
    std::int64_t amount = 0;
    Date last_day;
  };
  std::optional<Hold> order_hold;  // the order_ref's active hold, whoever's, lapsed or not
};

// A check to decide: the request, who asked (a hold names them), and whether a person
// approved it whatever the rules say (an override).
struct CreditCheckInput {
  CreditCheckRequest request;
  std::string actor;
  bool overridden = false;
};

// An order's hold as the batch leaves it: written in place of the order's stored hold.
struct HoldWrite {
  Reservation reservation;
  std::string reserved_by;
  bool overridden = false;
};

// A check that ended in review or declined, kept for a person to override.
struct KeptCheck {
  CreditCheckRequest request;
  CreditDecision decision = CreditDecision::review;
  std::vector<CreditReason> reasons;
};

struct CreditBatch {
  std::vector<CreditCheck> checks;  // one per input, in order
  std::vector<HoldWrite> holds;     // the last hold of each order the batch holds
  std::vector<KeptCheck> kept;      // the last kept check of each order
  // Each customer's reserved_amount projection after the batch's holds, for those it moves.
  std::map<std::string, std::int64_t> projection_after;
  bool writes() const { return !holds.empty() || !kept.empty(); }
};

// positions[k] is checks[k]'s customer's, none when there is no such customer.
CreditBatch decide_credit_batch(const CreditPolicy& policy, const std::vector<CreditCheckInput>& checks,
                                const std::vector<std::optional<StoredPosition>>& positions, Date today);

}  // namespace tallyman
