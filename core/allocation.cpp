#include "core/allocation.hpp"

#include "core/check.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace tallyman {

namespace {

Posting application(const Payment& p, const OpenItem& item, std::int64_t amount) {
  return Posting{p.customer, p.currency, p.received_date, PostingKind::payment_applied, p.reference,
                 item.number, item.issue_date, item.due_date, -amount, -amount};
}

}  // namespace

AllocationResult allocate_payment(const Payment& payment, std::span<const OpenItem> items) {
  AllocationResult result;
  result.postings.push_back(Posting{payment.customer, payment.currency, payment.received_date,
                                    PostingKind::payment, payment.reference, std::nullopt,
                                    std::nullopt, std::nullopt, 0, payment.amount});
  std::map<std::string, OpenItem, std::less<>> open;
  for (const OpenItem& item : items) open.emplace(item.number, item);
  std::int64_t remaining = payment.amount;

  for (std::size_t k = 0; k < payment.allocations.size(); ++k) {
    const Allocation& a = payment.allocations[k];
    auto it = open.find(a.invoice);
    AllocationOutcome refused = AllocationOutcome::allocated;
    if (it == open.end())
      refused = AllocationOutcome::unknown_invoice;
    else if (it->second.issue_date > payment.received_date)
      refused = AllocationOutcome::issued_after_payment;
    else if (a.amount > it->second.open)
      refused = AllocationOutcome::exceeds_open_amount;
    if (refused != AllocationOutcome::allocated) {
      result.outcome = refused;
      result.failed_allocation = k;
      result.postings.clear();
      return result;
    }
    // validate() has already refused allocations adding up to more than the payment.
    TM_ASSERT(a.amount <= remaining);
    it->second.open -= a.amount;
    remaining -= a.amount;
    result.postings.push_back(application(payment, it->second, a.amount));
  }

  std::vector<const OpenItem*> candidates;
  for (const auto& [number, item] : open)
    if (item.open > 0 && !item.disputed && item.issue_date <= payment.received_date)
      candidates.push_back(&item);
  std::sort(candidates.begin(), candidates.end(), [](const OpenItem* x, const OpenItem* y) {
    return x->due_date != y->due_date ? x->due_date < y->due_date : x->number < y->number;
  });
  for (const OpenItem* item : candidates) {
    if (remaining == 0) break;
    const std::int64_t amount = std::min(remaining, item->open);
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
