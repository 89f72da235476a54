// Payments and credit notes: the postings that meet invoices (core/allocation.hpp) and the
// projections (invoices.open_amount, payments/credit_notes.unapplied_amount) they move.
#include "core/allocation.hpp"
#include "core/check.hpp"
#include "clock.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "bulk.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

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

void LedgerStore::look_up_payments(const std::set<std::string>& references) {
  std::vector<std::string> missing;
  for (const std::string& r : references)
    if (!payments_.contains(r)) missing.push_back(r);
  for_each_part(missing, rows_per_statement, [&](std::span<const std::string> part) {
    for (const std::string& r : part) payments_[r] = std::nullopt;
    Params p;
    std::string ref, customer, received, currency, allocations;
    long long amount = 0, reversed = 0;
    Query q(db_.session(),
            "SELECT reference, customer, received_date, amount, currency, allocations, reversed_on IS NOT NULL"
            " FROM payments WHERE reference IN (" + placeholders(p, part) + ")",
            p);
    q.into(ref).into(customer).into(received).into(amount).into(currency).into(allocations).into(reversed);
    if (q.run()) do {
        payments_[ref] = KnownPayment{customer, db_date(received), amount, db_currency(currency), allocations, reversed != 0};
      } while (q.fetch());
  });
}

const LedgerStore::KnownPayment* LedgerStore::payment(const std::string& reference) {
  look_up_payments({reference});
  const auto& known = payments_.at(reference);
  return known ? &*known : nullptr;
}

void LedgerStore::load_open_items(const std::set<std::string>& customers) {
  std::vector<std::string> missing;
  if (!all_open_)
    for (const std::string& c : customers)
      if (!open_.contains(c)) missing.push_back(c);
  if (missing.empty()) return;
  // A million invoices' open items read customer by customer through invoices_customer_due
  // took 2.8 s, in one scan of the table 1.2 s (docs/performance.md): a bulk load that has
  // met a tenth of the book's customers reads all the rest at once.
  if (bulk_ && !customers_in_book_) {
    Params none;
    long long n = 0;
    Query(db_.session(), "SELECT COUNT(*) FROM customers", none).into(n).run();
    customers_in_book_ = static_cast<std::size_t>(n);
  }
  all_open_ = bulk_ && (open_.size() + missing.size()) * 10 >= *customers_in_book_;
  if (all_open_) {
    lock_all_customers();
    std::unordered_map<std::string, std::vector<OpenItem>> read;
    read_open({}, read);
    // Customers met before keep their items as this store has changed them.
    for (auto& [customer, items] : read) open_.try_emplace(customer, std::move(items));
  } else {
    read_open_items(missing);
  }
}

void LedgerStore::read_open_items(const std::vector<std::string>& customers) {
  for_each_part(customers, rows_per_statement, [&](std::span<const std::string> part) {
    lock_customers({part.begin(), part.end()});
    std::unordered_map<std::string, std::vector<OpenItem>> read;
    read_open(part, read);
    for (const std::string& c : part) open_[c] = OpenItems(std::move(read[c]));
  });
}

void LedgerStore::read_open(std::span<const std::string> customers,
                            std::unordered_map<std::string, std::vector<OpenItem>>& into) {
  Params p;
  const std::string where = customers.empty() ? "" : " AND customer IN (" + placeholders(p, customers) + ")";
  std::string number, customer, issue, due;
  long long open = 0, disputed = 0, serial = 0;
  soci::indicator serial_ind = soci::i_ok;
  Query q(db_.session(),
          "SELECT number, customer, issue_date, due_date, open_amount, disputed, payment_serial FROM invoices"
          " WHERE open_amount > 0" + where,
          p);
  q.into(number).into(customer).into(issue).into(due).into(open).into(disputed).into(serial, serial_ind);
  if (q.run()) do {
      into[customer].push_back(OpenItem{number, db_date(issue), db_date(due), open, disputed != 0,
                                        serial_ind == soci::i_ok ? serial : 0});
    } while (q.fetch());
}

const OpenItems& LedgerStore::open_items_of(const std::string& customer) {
  load_open_items({customer});
  return open_[customer];  // after a scan of all, a customer with none has no entry yet
}

void LedgerStore::load_named_items(const std::set<std::string>& named) {
  if (named.empty()) return;
  Params p;
  std::string number, customer, issue, due;
  long long open = 0, disputed = 0;
  Query q(db_.session(),
          "SELECT number, customer, issue_date, due_date, open_amount, disputed FROM invoices WHERE number IN (" +
              placeholders(p, named) + ")",
          p);
  q.into(number).into(customer).into(issue).into(due).into(open).into(disputed);
  if (q.run()) do {
      auto owner = open_.find(customer);
      if (owner == open_.end()) continue;  // not a customer of this batch: an allocation to it is refused
      owner->second.add(OpenItem{number, db_date(issue), db_date(due), open, disputed != 0});
    } while (q.fetch());
}

std::vector<LedgerResult> LedgerStore::post_payments(std::span<const Payment> payments) {
  if (payments.empty()) return {};
  std::set<std::string> refs, customer_set;
  for (const Payment& p : payments) {
    refs.insert(p.reference);
    customer_set.insert(p.customer);
  }
  look_up_payments(refs);
  const auto& facts = customer_facts(customer_set);
  load_open_items(customer_set);
  // Invoices an allocation names that are not among its customer's open ones.
  std::set<std::string> named;
  for (const Payment& p : payments) {
    if (p.allocations.empty()) continue;
    const OpenItems& own = open_[p.customer];
    for (const Allocation& a : p.allocations)
      if (own.find(a.invoice) == nullptr) named.insert(a.invoice);
  }
  load_named_items(named);

  std::vector<LedgerResult> results;
  for (const Payment& pay : payments) {
    std::string alloc_text = allocations_text(pay.allocations);
    std::optional<KnownPayment>& known = payments_.at(pay.reference);
    if (known) {
      const bool same = known->customer == pay.customer && known->received == pay.received_date &&
                        known->amount == pay.amount && known->currency == pay.currency &&
                        known->allocations == alloc_text;
      results.push_back({same ? LedgerOutcome::replayed : LedgerOutcome::conflict, same ? "" : "reference"});
      if (!same) break;
      continue;
    }
    if (auto refused = refusal(facts, pay.customer, pay.currency)) {
      results.push_back(*refused);
      break;
    }
    OpenItems& own = open_[pay.customer];
    AllocationResult allocation = allocate_payment(pay, own);
    if (allocation.outcome != AllocationOutcome::allocated) {
      results.push_back(refused(allocation.outcome, allocation.failed_allocation));
      break;
    }
    for (const Posting& posting : allocation.postings) {
      if (!posting.invoice) continue;
      const std::int64_t open = own.find(*posting.invoice)->open + posting.open_delta;
      own.set_open(*posting.invoice, open);
      held_opens_[*posting.invoice] = open;
    }
    held_.insert(held_.end(), std::make_move_iterator(allocation.postings.begin()),
                 std::make_move_iterator(allocation.postings.end()));
    known = KnownPayment{pay.customer, pay.received_date, pay.amount, pay.currency, std::move(alloc_text), false};
    held_payments_.push_back({pay.reference, &*known, allocation.unapplied});
    results.push_back({LedgerOutcome::created, ""});
  }
  if (!bulk_) forget();
  return results;
}

LedgerResult LedgerStore::post_credit_note(const CreditNote& note) {
  forget();  // these change open amounts directly: nothing held, nothing kept in memory
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
  forget();
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

LedgerStore::Applications LedgerStore::applications_of(const std::set<std::string>& references) {
  look_up_payments(references);
  struct Payer {
    Currency currency;
    Date since;  // the day its earliest payment among them was received
    std::vector<std::string> references;
  };
  std::map<std::string, Payer> payers;
  for (const std::string& reference : references) {
    const std::optional<KnownPayment>& known = payments_.at(reference);
    if (!known) continue;
    Payer& payer = payers.try_emplace(known->customer, Payer{known->currency, known->received, {}}).first->second;
    payer.since = std::min(payer.since, known->received);
    payer.references.push_back(reference);
  }
  // Under the customers' locks (MySQL): no one applies a payment of theirs meanwhile, so what
  // is read stays true until this transaction ends.
  std::set<std::string> customers;
  for (const auto& named : payers) customers.insert(named.first);
  lock_customers(customers);
  Applications applied;
  for (const auto& named : payers) {
    const std::string& customer = named.first;  // named, not bound: clang captures no structured binding
    const Payer& payer = named.second;
    for_each_part(payer.references, rows_per_statement, [&](std::span<const std::string> part) {
      // Through the aging index's prefix: the customer's postings since `since`.
      Params p;
      std::string document, invoice;
      long long amount = 0;
      Query q(db_.session(),
              "SELECT document, invoice, -SUM(open_delta) FROM postings WHERE currency = " +
                  p.add(payer.currency.str()) + " AND customer = " + p.add(customer) + " AND posted_on >= " +
                  p.add(format_date(payer.since)) + " AND kind = 'payment_applied' AND document IN (" +
                  placeholders(p, part) + ") GROUP BY document, invoice",
              p);
      q.into(document).into(invoice).into(amount);
      if (q.run()) do {
          applied[{document, invoice}] = amount;
        } while (q.fetch());
    });
  }
  return applied;
}

std::vector<LedgerResult> LedgerStore::post_remittances(std::span<const RemittanceLine> lines) {
  forget();
  std::set<std::string> references;
  for (const RemittanceLine& line : lines) references.insert(line.payment);
  Applications applied = applications_of(references);
  std::vector<LedgerResult> results;
  for (const RemittanceLine& line : lines) {
    forget();  // apply_credit reads and writes the ledger as stored
    const KnownPayment* paid = payment(line.payment);
    if (!paid) {
      results.push_back({LedgerOutcome::not_found, "payment"});
      break;
    }
    if (paid->customer != line.customer) {
      results.push_back({LedgerOutcome::unknown_customer, "customer"});
      break;
    }
    std::int64_t& so_far = applied[{line.payment, line.invoice}];
    if (so_far == line.amount) {
      results.push_back({LedgerOutcome::replayed, ""});
      continue;
    }
    const LedgerResult r = apply_credit(line.customer, line.invoice, line.amount, line.date, line.payment);
    results.push_back(r);
    if (r.outcome != LedgerOutcome::created) break;
    so_far += line.amount;
  }
  return results;
}

LedgerResult LedgerStore::post_write_off(const std::string& number, std::int64_t amount, Date posted_on,
                                      const std::string& document) {
  forget();
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
  flush();  // it reads the payment's postings and invoices
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
  // customer's postings (the aging index's prefix) from the day it was received, named by the
  // payment's reference.
  std::vector<AppliedTo> applied;
  {
    Params p;
    const std::string sql =
        "SELECT invoice, MIN(issue_date), MIN(due_date), SUM(open_delta), MAX(posted_on) FROM postings WHERE currency = " +
        p.add(payment.currency.str()) + " AND customer = " + p.add(payment.customer) + " AND posted_on >= " +
        p.add(format_date(payment.received_date)) + " AND document = " + p.add(reference) +
        " AND kind = 'payment_applied' GROUP BY invoice ORDER BY invoice";
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
  // Its invoices reopened: read again (a bulk load that read every customer's would not).
  if (bulk_) read_open_items({payment.customer});
  if (auto known = payments_.find(reference); known != payments_.end() && known->second) known->second->reversed = true;
  return {LedgerOutcome::created, ""};
}

}  // namespace tallyman::sql
