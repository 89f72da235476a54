#include "core/credit_batch.hpp"

#include "core/check.hpp"

#include <algorithm>

namespace tallyman {

std::string_view to_string(ReservationStatus status) {
  switch (status) {
    case ReservationStatus::active: return "active";
    case ReservationStatus::consumed: return "consumed";
    case ReservationStatus::released: return "released";
    case ReservationStatus::expired: return "expired";
  }
  TM_ASSERT(false);
}

namespace {

// What the batch's earlier holds changed, as the next check must see it.
struct Held {
  std::map<std::string, std::int64_t> counted;     // by customer: added to its position's reserved
  std::map<std::string, std::int64_t> projection;  // by customer: added to its reserved_amount
  std::map<std::string, StoredPosition::Hold> orders;  // by order_ref: its hold now
};

// Replaces the entry for the same key, or appends one.
template <class T, class Key>
void put_last(std::vector<T>& items, T item, Key key) {
  auto same = std::find_if(items.begin(), items.end(), [&](const T& t) { return key(t) == key(item); });
  if (same != items.end()) *same = std::move(item);
  else items.push_back(std::move(item));
}

CreditCheck decide_one(const CreditPolicy& policy, const CreditCheckInput& in, const StoredPosition& stored,
                       Held& held, CreditBatch& batch, Date today) {
  const CreditCheckRequest& r = in.request;
  CreditCheck check{CreditOutcome::decided, r, {}, {}, std::nullopt};
  if (stored.currency != r.currency) {
    check.outcome = CreditOutcome::currency_mismatch;
    return check;
  }
  auto batch_hold = held.orders.find(r.order_ref);
  const std::optional<StoredPosition::Hold> hold =
      batch_hold != held.orders.end() ? std::optional(batch_hold->second) : stored.order_hold;
  // Another customer's hold of the order stands until it ends, past its last day too (until
  // the expiry job takes it out of that customer's reserved credit).
  if (hold && hold->customer != r.customer) {
    check.outcome = CreditOutcome::held_elsewhere;
    return check;
  }
  const bool own_holds = hold && hold->last_day >= today;  // counted in the position's reserved
  const std::int64_t own_counted = own_holds ? hold->amount : 0;
  const std::int64_t own_projected = hold ? hold->amount : 0;  // in the projection, lapsed or not

  check.position = stored.position;
  check.position.reserved += held.counted[r.customer] - own_counted;
  check.answer = decide_credit(policy, check.position, r.amount);
  if (own_holds) check.reservation = Reservation{r.order_ref, r.customer, hold->amount, r.currency, hold->last_day, ReservationStatus::active};
  if (in.overridden) check.answer.decision = CreditDecision::approved;  // a person decided; the reasons stay

  if (check.answer.decision != CreditDecision::approved) {
    put_last(batch.kept, KeptCheck{r, check.answer.decision, check.answer.reasons},
             [](const KeptCheck& k) { return k.request.order_ref; });
    return check;
  }
  if (!r.reserve) return check;
  // The rules approve only what fits the limit (a person may approve more).
  if (!in.overridden && policy.check_limit && check.position.limit)
    TM_ASSERT(check.answer.after_order <= *check.position.limit);
  const Date last_day = today + date::days(policy.reservation_days);
  held.counted[r.customer] += r.amount - own_counted;
  held.projection[r.customer] += r.amount - own_projected;
  held.orders[r.order_ref] = {r.customer, r.amount, last_day};
  check.reservation = Reservation{r.order_ref, r.customer, r.amount, r.currency, last_day, ReservationStatus::active};
  put_last(batch.holds, HoldWrite{*check.reservation, in.actor, in.overridden},
           [](const HoldWrite& h) { return h.reservation.order_ref; });
  batch.projection_after[r.customer] = stored.reserved_projection + held.projection[r.customer];
  return check;
}

}  // namespace

CreditBatch decide_credit_batch(const CreditPolicy& policy, const std::vector<CreditCheckInput>& checks,
                                const std::vector<std::optional<StoredPosition>>& positions, Date today) {
  TM_ASSERT(checks.size() == positions.size());
  CreditBatch batch;
  Held held;
  for (std::size_t k = 0; k < checks.size(); ++k) {
    if (!positions[k]) {
      batch.checks.push_back({CreditOutcome::unknown_customer, checks[k].request, {}, {}, std::nullopt});
      continue;
    }
    batch.checks.push_back(decide_one(policy, checks[k], *positions[k], held, batch, today));
  }
  return batch;
}

}  // namespace tallyman
