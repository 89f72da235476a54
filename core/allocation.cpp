#include "core/allocation.hpp"

#include "core/check.hpp"

#include <algorithm>
#include <tuple>

namespace tallyman {

namespace {

Posting application(const Payment& p, const OpenItem& item, std::int64_t amount) {
  return Posting{p.customer, p.currency, p.received_date, PostingKind::payment_applied, p.reference,
                 item.number, item.issue_date, item.due_date, -amount, -amount};
}

}  // namespace

OpenItems::OpenItems(std::vector<OpenItem> items) {
  for (OpenItem& item : items) add(std::move(item));
}

void OpenItems::add(OpenItem item) {
  const auto [it, added] = by_number_.try_emplace(item.number, std::move(item));
  if (added && it->second.open > 0) {
    open_.insert(&it->second);
    count(it->second, true);
    if (by_open_) by_open_->insert(&it->second);
  }
}

const OpenItem* OpenItems::find(std::string_view number) const {
  const auto it = by_number_.find(number);
  return it == by_number_.end() ? nullptr : &it->second;
}

void OpenItems::set_open(std::string_view number, std::int64_t open) {
  TM_ASSERT(open >= 0);
  const auto it = by_number_.find(number);
  TM_ASSERT(it != by_number_.end());
  OpenItem& item = it->second;
  if (open == 0 && item.open > 0) {
    open_.erase(&item);
    count(item, false);
  } else if (open > 0 && item.open == 0) {
    open_.insert(&item);
    count(item, true);
  }
  if (by_open_ && item.open > 0) by_open_->erase(&item);  // its place moves with its amount
  item.open = open;
  if (by_open_ && item.open > 0) by_open_->insert(&item);
}

std::vector<const OpenItem*> OpenItems::with_open(std::int64_t amount) const {
  if (!by_open_) by_open_.emplace(open_.begin(), open_.end());
  const auto [from, to] = by_open_->equal_range(amount);
  return {from, to};
}

void OpenItems::count(const OpenItem& item, bool open) {
  if (item.disputed) return;
  auto at = std::lower_bound(payable_.begin(), payable_.end(), item.issue_date,
                             [](const auto& entry, Date date) { return entry.first < date; });
  if (open) {
    if (at == payable_.end() || at->first != item.issue_date) at = payable_.insert(at, {item.issue_date, 0});
    ++at->second;
  } else {
    TM_ASSERT(at != payable_.end() && at->first == item.issue_date);
    if (--at->second == 0) payable_.erase(at);
  }
}

std::size_t OpenItems::payable_by(Date date) const {
  std::size_t n = 0;
  for (auto it = payable_.begin(); it != payable_.end() && it->first <= date; ++it) n += it->second;
  return n;
}

AllocationResult allocate_payment(const Payment& payment, const OpenItems& items) {
  AllocationResult result;
  result.postings.push_back(Posting{payment.customer, payment.currency, payment.received_date,
                                    PostingKind::payment, payment.reference, std::nullopt,
                                    std::nullopt, std::nullopt, 0, payment.amount});
  std::int64_t remaining = payment.amount;
  // What the explicit allocations take from each invoice they name (a payment names a few).
  std::vector<std::pair<const OpenItem*, std::int64_t>> taken;
  auto taken_from = [&](const OpenItem* item) {
    std::int64_t sum = 0;
    for (const auto& [named, amount] : taken)
      if (named == item) sum += amount;
    return sum;
  };

  for (std::size_t k = 0; k < payment.allocations.size(); ++k) {
    const Allocation& a = payment.allocations[k];
    const OpenItem* item = items.find(a.invoice);
    AllocationOutcome refused = AllocationOutcome::allocated;
    if (item == nullptr)
      refused = AllocationOutcome::unknown_invoice;
    else if (item->issue_date > payment.received_date)
      refused = AllocationOutcome::issued_after_payment;
    else if (a.amount > item->open - taken_from(item))
      refused = AllocationOutcome::exceeds_open_amount;
    if (refused != AllocationOutcome::allocated) {
      result.outcome = refused;
      result.failed_allocation = k;
      result.postings.clear();
      return result;
    }
    // validate() has already refused allocations adding up to more than the payment.
    TM_ASSERT(a.amount <= remaining);
    taken.emplace_back(item, a.amount);
    remaining -= a.amount;
    result.postings.push_back(application(payment, *item, a.amount));
  }

  // The walk ends once it has met every invoice the payment may take.
  std::size_t payable = remaining > 0 ? items.payable_by(payment.received_date) : 0;
  for (const OpenItem* item : items.open_in_order()) {
    if (remaining == 0 || payable == 0) break;
    if (item->disputed || item->issue_date > payment.received_date) continue;
    --payable;
    const std::int64_t left = item->open - taken_from(item);
    if (left <= 0) continue;
    const std::int64_t amount = std::min(remaining, left);
    remaining -= amount;
    result.postings.push_back(application(payment, *item, amount));
  }
  result.unapplied = remaining;
  return result;
}

CreditNoteResult credit_note_postings(const CreditNote& note, const OpenItem* target) {
  CreditNoteResult result;
  if (!note.invoice) {
    result.postings.push_back(Posting{note.customer, note.currency, note.date, PostingKind::credit_note,
                                      note.number, std::nullopt, std::nullopt, std::nullopt, 0,
                                      note.amount});
    return result;
  }
  if (target == nullptr) {
    result.outcome = CreditNoteOutcome::unknown_invoice;
  } else if (target->issue_date > note.date) {
    result.outcome = CreditNoteOutcome::issued_after_credit_note;
  } else if (note.amount > target->open) {
    result.outcome = CreditNoteOutcome::exceeds_open_amount;
  } else {
    result.postings.push_back(Posting{note.customer, note.currency, note.date, PostingKind::credit_note,
                                      note.number, target->number, target->issue_date,
                                      target->due_date, -note.amount, 0});
  }
  return result;
}

CreditApplicationResult apply_unapplied_credit(const std::string& customer, Currency currency, const OpenItem& invoice,
                                               std::int64_t amount, Date date, std::span<const CreditSource> sources) {
  TM_ASSERT(is_postable_amount(amount));
  CreditApplicationResult result;
  if (invoice.issue_date > date) {
    result.outcome = CreditApplicationOutcome::issued_after_date;
    return result;
  }
  if (amount > invoice.open) {
    result.outcome = CreditApplicationOutcome::exceeds_open_amount;
    return result;
  }
  std::vector<std::size_t> order;
  std::int64_t available = 0;
  for (std::size_t k = 0; k < sources.size(); ++k)
    if (sources[k].date <= date && sources[k].unapplied > 0) {
      order.push_back(k);
      available += sources[k].unapplied;
    }
  if (amount > available) {
    result.outcome = CreditApplicationOutcome::exceeds_unapplied;
    return result;
  }
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return std::tie(sources[x].date, sources[x].document) < std::tie(sources[y].date, sources[y].document);
  });
  std::int64_t remaining = amount;
  for (std::size_t k : order) {
    if (remaining == 0) break;
    const std::int64_t take = std::min(remaining, sources[k].unapplied);
    remaining -= take;
    result.used.emplace_back(k, take);
    result.postings.push_back(Posting{customer, currency, date, sources[k].applied_kind, sources[k].document,
                                      invoice.number, invoice.issue_date, invoice.due_date, -take, -take});
  }
  return result;
}

}  // namespace tallyman
