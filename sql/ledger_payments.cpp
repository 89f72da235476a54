// Payments and credit notes: the postings that meet invoices (core/allocation.hpp) and the
// projections (invoices.open_amount, payments/credit_notes.unapplied_amount) they move.
#include "core/allocation.hpp"
#include "core/check.hpp"
#include "clock.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "bulk.hpp"

#include <map>
#include <set>

namespace tallyman::sql {

namespace {

struct StoredPayment {
  std::string customer;
  Date received;
  std::int64_t amount;
  Currency currency;
  std::string allocations;
};

LedgerResult refused(AllocationOutcome outcome, std::size_t index) {
  const std::string prefix = "allocations[" + std::to_string(index) + "].";
  switch (outcome) {
    case AllocationOutcome::allocated: break;
    case AllocationOutcome::unknown_invoice: return {LedgerOutcome::unknown_invoice, prefix + "invoice"};
    case AllocationOutcome::issued_after_payment: return {LedgerOutcome::issued_after_document, prefix + "invoice"};
    case AllocationOutcome::exceeds_open_amount: return {LedgerOutcome::exceeds_open_amount, prefix + "amount"};
  }
  TM_ASSERT(false);
}

}  // namespace

std::vector<OpenItem> LedgerStore::open_items(const std::vector<std::string>& customers,
                                              const std::vector<std::string>& named, std::vector<std::string>& owners) {
  std::vector<OpenItem> items;
  owners.clear();
  if (customers.empty()) return items;
  Params p;
  std::string sql = "SELECT number, customer, issue_date, due_date, open_amount, disputed FROM invoices WHERE (customer IN (" +
                    placeholders(p, customers) + ") AND open_amount > 0)";
  if (!named.empty()) sql += " OR number IN (" + placeholders(p, named) + ")";
  std::string number, customer, issue, due;
  long long open = 0, disputed = 0;
  Query q(db_.session(), sql, p);
  q.into(number).into(customer).into(issue).into(due).into(open).into(disputed);
  if (q.run()) do {
      items.push_back(OpenItem{number, db_date(issue), db_date(due), open, disputed != 0});
      owners.push_back(customer);
    } while (q.fetch());
  return items;
}

std::vector<LedgerResult> LedgerStore::post_payments(std::span<const Payment> payments) {
  if (payments.empty()) return {};
  std::set<std::string> refs, customer_set, named_set;
  for (const Payment& p : payments) {
    refs.insert(p.reference);
    customer_set.insert(p.customer);
    for (const Allocation& a : p.allocations) named_set.insert(a.invoice);
  }
  std::map<std::string, StoredPayment, std::less<>> known;
  {
    Params p;
    std::string ref, customer, received, currency, allocations;
    long long amount = 0;
    Query q(db_.session(),
            "SELECT reference, customer, received_date, amount, currency, allocations FROM payments WHERE reference IN (" +
                placeholders(p, refs) + ")",
            p);
    q.into(ref).into(customer).into(received).into(amount).into(currency).into(allocations);
    if (q.run()) do {
        known[ref] = {customer, db_date(received), amount, db_currency(currency), allocations};
      } while (q.fetch());
  }
  lock_customers(customer_set);
  const auto& facts = customer_facts(customer_set);
  // Each customer's invoices as they stand, updated in memory as the batch is allocated.
  std::vector<std::string> owners;
  std::map<std::string, std::vector<OpenItem>, std::less<>> by_customer;
  const std::vector<OpenItem> items = open_items({customer_set.begin(), customer_set.end()},
                                                 {named_set.begin(), named_set.end()}, owners);
  for (std::size_t k = 0; k < items.size(); ++k) by_customer[owners[k]].push_back(items[k]);

  std::vector<LedgerResult> results;
  std::vector<Posting> postings;
  std::vector<std::vector<Cell>> rows;
  std::map<std::string, std::int64_t> touched;  // invoice -> open amount after the batch
  const std::string now = utc_timestamp();
  for (const Payment& pay : payments) {
    const std::string alloc_text = allocations_text(pay.allocations);
    if (auto it = known.find(pay.reference); it != known.end()) {
      const StoredPayment& s = it->second;
      const bool same = s.customer == pay.customer && s.received == pay.received_date && s.amount == pay.amount &&
                        s.currency == pay.currency && s.allocations == alloc_text;
      results.push_back({same ? LedgerOutcome::replayed : LedgerOutcome::conflict, same ? "" : "reference"});
      if (!same) break;
      continue;
    }
    if (auto refused = refusal(facts, pay.customer, pay.currency)) {
      results.push_back(*refused);
      break;
    }
    std::vector<OpenItem>& own = by_customer[pay.customer];
    AllocationResult allocation = allocate_payment(pay, own);
    if (allocation.outcome != AllocationOutcome::allocated) {
      results.push_back(refused(allocation.outcome, allocation.failed_allocation));
      break;
    }
    for (const Posting& posting : allocation.postings) {
      if (!posting.invoice) continue;
      for (OpenItem& item : own)
        if (item.number == *posting.invoice) {
          item.open += posting.open_delta;
          TM_ASSERT(item.open >= 0);
          touched[item.number] = item.open;
        }
    }
    postings.insert(postings.end(), allocation.postings.begin(), allocation.postings.end());
    known[pay.reference] = {pay.customer, pay.received_date, pay.amount, pay.currency, alloc_text};
    rows.push_back({pay.reference, pay.customer, format_date(pay.received_date), static_cast<long long>(pay.amount),
                    pay.currency.str(), alloc_text, static_cast<long long>(allocation.unapplied), now});
    results.push_back({LedgerOutcome::created, ""});
  }
  insert_rows(db_.session(),
              "INSERT INTO payments (reference, customer, received_date, amount, currency, allocations,"
              " unapplied_amount, recorded_at)",
              rows);
  insert_postings(postings);
  set_open_amounts({touched.begin(), touched.end()});
  return results;
}

LedgerResult LedgerStore::post_credit_note(const CreditNote& note) {
  {
    Params p;
    std::string customer, note_date, currency, invoice;
    long long amount = 0;
    soci::indicator inv_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT customer, note_date, amount, currency, invoice FROM credit_notes WHERE number = " + p.add(note.number), p);
    q.into(customer).into(note_date).into(amount).into(currency).into(invoice, inv_ind);
    if (q.run()) {
      const bool same = customer == note.customer && db_date(note_date) == note.date && amount == note.amount &&
                        db_currency(currency) == note.currency &&
                        (inv_ind == soci::i_ok ? std::optional<std::string>(invoice) : std::nullopt) == note.invoice;
      return {same ? LedgerOutcome::replayed : LedgerOutcome::conflict, same ? "" : "number"};
    }
  }
  lock_customers({note.customer});
  auto c = customer(note.customer);
  if (!c) return {LedgerOutcome::unknown_customer, "customer"};
  if (c->currency != note.currency) return {LedgerOutcome::currency_mismatch, "currency"};
  std::optional<OpenItem> target;
  if (note.invoice) {
    auto inv = invoice(*note.invoice);
    if (inv && inv->invoice.customer == note.customer)
      target = OpenItem{inv->invoice.number, inv->invoice.issue_date, *inv->invoice.due_date, inv->open_amount,
                        inv->disputed};
  }
  CreditNoteResult r = credit_note_postings(note, target ? &*target : nullptr);
  switch (r.outcome) {
    case CreditNoteOutcome::posted: break;
    case CreditNoteOutcome::unknown_invoice: return {LedgerOutcome::unknown_invoice, "invoice"};
    case CreditNoteOutcome::issued_after_credit_note: return {LedgerOutcome::issued_after_document, "invoice"};
    case CreditNoteOutcome::exceeds_open_amount: return {LedgerOutcome::exceeds_open_amount, "amount"};
  }
  const std::int64_t unapplied = note.invoice ? 0 : note.amount;
  std::vector<std::vector<Cell>> rows{{note.number, note.customer, format_date(note.date),
                                       static_cast<long long>(note.amount), note.currency.str(),
                                       note.invoice ? Cell{*note.invoice} : Cell{nullptr},
                                       static_cast<long long>(unapplied), utc_timestamp()}};
  insert_rows(db_.session(),
              "INSERT INTO credit_notes (number, customer, note_date, amount, currency, invoice, unapplied_amount,"
              " recorded_at)",
              rows);
  insert_postings(r.postings);
  if (target) set_open_amounts({{target->number, target->open - note.amount}});
  return {LedgerOutcome::created, ""};
}

LedgerResult LedgerStore::apply_credit(const std::string& customer, const std::string& number, std::int64_t amount,
                                     Date date, const std::optional<std::string>& payment) {
  lock_customers({customer});
  auto c = this->customer(customer);
  if (!c) return {LedgerOutcome::unknown_customer, "customer"};
  auto inv = invoice(number);
  if (!inv || inv->invoice.customer != customer) return {LedgerOutcome::unknown_invoice, "invoice"};
  std::vector<CreditSource> sources;
  {
    Params p;
    std::string kind, document, when;
    long long unapplied = 0;
    std::string sql = "SELECT 'p', reference, received_date, unapplied_amount FROM payments WHERE customer = " +
                      p.add(customer) + " AND unapplied_amount > 0";
    if (payment) sql += " AND reference = " + p.add(*payment);
    else
      sql += " UNION ALL SELECT 'c', number, note_date, unapplied_amount FROM credit_notes WHERE customer = " +
             p.add(customer) + " AND unapplied_amount > 0";
    Query q(db_.session(), sql, p);
    q.into(kind).into(document).into(when).into(unapplied);
    if (q.run()) do {
        sources.push_back({kind == "p" ? PostingKind::payment_applied : PostingKind::credit_note_applied, document,
                           db_date(when), unapplied});
      } while (q.fetch());
  }
  const OpenItem item{number, inv->invoice.issue_date, *inv->invoice.due_date, inv->open_amount, inv->disputed};
  const CreditApplicationResult r = apply_unapplied_credit(customer, c->currency, item, amount, date, sources);
  switch (r.outcome) {
    case CreditApplicationOutcome::applied: break;
    case CreditApplicationOutcome::issued_after_date: return {LedgerOutcome::issued_after_document, "invoice"};
    case CreditApplicationOutcome::exceeds_open_amount: return {LedgerOutcome::exceeds_open_amount, "amount"};
    case CreditApplicationOutcome::exceeds_unapplied: return {LedgerOutcome::exceeds_unapplied, "amount"};
  }
  std::vector<std::pair<std::string, long long>> payments, notes;
  for (const auto& [k, taken] : r.used)
    (sources[k].applied_kind == PostingKind::payment_applied ? payments : notes)
        .emplace_back(sources[k].document, sources[k].unapplied - taken);
  insert_postings(r.postings);
  set_open_amounts({{number, item.open - amount}});
  update_rows(db_.session(), "payments", "reference", "unapplied_amount", payments);
  update_rows(db_.session(), "credit_notes", "number", "unapplied_amount", notes);
  return {LedgerOutcome::created, ""};
}

LedgerResult LedgerStore::post_write_off(const std::string& number, std::int64_t amount, Date posted_on,
                                      const std::string& document) {
  TM_ASSERT(is_postable_amount(amount));
  auto inv = invoice(number);
  if (!inv) return {LedgerOutcome::unknown_invoice, "invoice"};
  lock_customers({inv->invoice.customer});
  inv = invoice(number);  // again, now that no one else may move it
  const OpenItem item{number, inv->invoice.issue_date, *inv->invoice.due_date, inv->open_amount, inv->disputed};
  if (posted_on < item.issue_date) return {LedgerOutcome::issued_after_document, "invoice"};
  if (amount > item.open) return {LedgerOutcome::exceeds_open_amount, "amount"};
  insert_postings({write_off_posting(item, inv->invoice.customer, inv->invoice.currency, posted_on, document, amount)});
  set_open_amounts({{number, item.open - amount}});
  Params p;
  execute(db_,
          "UPDATE invoices SET written_off = written_off + " + p.add(static_cast<long long>(amount)) +
              " WHERE number = " + p.add(number),
          p);
  return {LedgerOutcome::created, ""};
}

LedgerResult LedgerStore::reverse_payment(const std::string& reference, Date date, const std::string& reason) {
  auto read = [&](Payment& payment, std::int64_t& unapplied, std::optional<std::string>& reversed_on,
                  std::string& reversal_reason) {
    Params p;
    std::string customer, received, currency, reversed, why;
    long long amount = 0, left = 0;
    soci::indicator reversed_ind = soci::i_ok, why_ind = soci::i_ok;
    Query q(db_.session(),
            "SELECT customer, received_date, amount, currency, unapplied_amount, reversed_on, reversal_reason"
            " FROM payments WHERE reference = " + p.add(reference),
            p);
    q.into(customer).into(received).into(amount).into(currency).into(left).into(reversed, reversed_ind)
        .into(why, why_ind);
    if (!q.run()) return false;
    payment = Payment{reference, customer, db_date(received), amount, db_currency(currency), {}};
    unapplied = left;
    reversed_on = reversed_ind == soci::i_ok ? std::optional<std::string>(reversed) : std::nullopt;
    reversal_reason = why_ind == soci::i_ok ? why : "";
    return true;
  };
  Payment payment;
  std::int64_t unapplied = 0;
  std::optional<std::string> reversed_on;
  std::string reversal_reason;
  if (!read(payment, unapplied, reversed_on, reversal_reason)) return {LedgerOutcome::not_found, "reference"};
  lock_customers({payment.customer});
  read(payment, unapplied, reversed_on, reversal_reason);  // again, now that no one else may move it
  if (reversed_on) {
    const bool same = db_date(*reversed_on) == date && reversal_reason == reason;
    return {same ? LedgerOutcome::replayed : LedgerOutcome::already_decided, same ? "" : "reference"};
  }
  if (date < payment.received_date) return {LedgerOutcome::dated_too_early, "date"};

  // What the payment applied, per invoice, net: its applications are found through the
  // customer's postings (the aging index's prefix), named by the payment's reference.
  std::vector<AppliedTo> applied;
  {
    Params p;
    const std::string sql =
        "SELECT invoice, MIN(issue_date), MIN(due_date), SUM(open_delta), MAX(posted_on) FROM postings WHERE currency = " +
        p.add(payment.currency.str()) + " AND customer = " + p.add(payment.customer) + " AND document = " +
        p.add(reference) + " AND kind = 'payment_applied' GROUP BY invoice ORDER BY invoice";
    std::string invoice, issue, due, last;
    long long delta = 0;
    Query q(db_.session(), sql, p);
    q.into(invoice).into(issue).into(due).into(delta).into(last);
    if (q.run()) do {
        if (db_date(last) > date) return {LedgerOutcome::dated_too_early, "date"};
        if (delta < 0) applied.push_back({OpenItem{invoice, db_date(issue), db_date(due), 0, false}, -delta});
      } while (q.fetch());
  }
  std::vector<Posting> postings = payment_reversal_postings(payment, applied, date);
  std::int64_t total = 0;
  for (const AppliedTo& a : applied) total += a.amount;
  TM_ASSERT(payment.amount - total == unapplied);  // the projection agrees with the journal
  std::vector<std::pair<std::string, std::int64_t>> opens;
  for (const AppliedTo& a : applied) {
    auto inv = invoice(a.item.number);
    TM_ASSERT(inv && inv->open_amount + a.amount <= inv->invoice.amount);
    opens.emplace_back(a.item.number, inv->open_amount + a.amount);
  }
  insert_postings(postings);
  set_open_amounts(opens);
  Params p;
  execute(db_,
          "UPDATE payments SET unapplied_amount = 0, reversed_on = " + p.add(format_date(date)) +
              ", reversal_reason = " + p.add(reason) + " WHERE reference = " + p.add(reference),
          p);
  return {LedgerOutcome::created, ""};
}

}  // namespace tallyman::sql
