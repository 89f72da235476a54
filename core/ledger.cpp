#include "core/ledger.hpp"

#include "core/bank.hpp"

#include "core/check.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"

namespace tallyman {

namespace {

const char* const id_message = "must be 1-64 characters from A-Z a-z 0-9 . _ : / -";
const char* const amount_message = "must be a whole number of minor units from 1 to 9007199254740991";

void check_id(FieldErrors& errors, const char* field, const std::string& value) {
  if (!is_valid_id(value)) errors.push_back({field, id_message});
}

void check_amount(FieldErrors& errors, const char* field, std::int64_t amount) {
  if (!is_postable_amount(amount)) errors.push_back({field, amount_message});
}

}  // namespace

FieldErrors validate(const Customer& c) {
  FieldErrors errors;
  check_id(errors, "id", c.id);
  if (!fits(name_field, c.name)) errors.push_back({"name", name_field.message});
  if (c.credit_limit && !is_valid_limit(*c.credit_limit))
    errors.push_back({"credit_limit", "must be a whole number of minor units from 0 to 9007199254740991"});
  check_id(errors, "terms", c.terms);
  if (c.collector) check_id(errors, "collector", *c.collector);
  if (c.salesperson) check_id(errors, "salesperson", *c.salesperson);
  if (c.grade && *c.grade != 'A' && *c.grade != 'B' && *c.grade != 'C')
    errors.push_back({"grade", "must be A, B or C"});
  for (const std::string& a : c.bank_accounts)
    if (normalize_account(a) != a) {
      errors.push_back({"bank_accounts", "must be IBANs or other account ids of 1 to 34 letters and digits"});
      break;
    }
  return errors;
}

FieldErrors validate(const Invoice& i) {
  FieldErrors errors;
  check_id(errors, "number", i.number);
  check_id(errors, "customer", i.customer);
  check_amount(errors, "amount", i.amount);
  if (i.due_date && *i.due_date < i.issue_date)
    errors.push_back({"due_date", "must not be before issue_date"});
  if (i.order_ref) check_id(errors, "order_ref", *i.order_ref);
  return errors;
}

FieldErrors validate(const Payment& p) {
  FieldErrors errors;
  check_id(errors, "reference", p.reference);
  check_id(errors, "customer", p.customer);
  check_amount(errors, "amount", p.amount);
  std::int64_t allocated = 0;
  for (std::size_t k = 0; k < p.allocations.size(); ++k) {
    const std::string prefix = "allocations[" + std::to_string(k) + "].";
    check_id(errors, (prefix + "invoice").c_str(), p.allocations[k].invoice);
    check_amount(errors, (prefix + "amount").c_str(), p.allocations[k].amount);
    if (is_postable_amount(p.allocations[k].amount)) allocated += p.allocations[k].amount;
  }
  if (allocated > p.amount) errors.push_back({"allocations", "add up to more than the payment's amount"});
  return errors;
}

FieldErrors validate(const RemittanceLine& l) {
  FieldErrors errors;
  check_id(errors, "payment", l.payment);
  check_id(errors, "customer", l.customer);
  check_id(errors, "invoice", l.invoice);
  check_amount(errors, "amount", l.amount);
  return errors;
}

FieldErrors validate(const CreditNote& n) {
  FieldErrors errors;
  check_id(errors, "number", n.number);
  check_id(errors, "customer", n.customer);
  check_amount(errors, "amount", n.amount);
  if (n.invoice) check_id(errors, "invoice", *n.invoice);
  return errors;
}

std::string_view to_string(PostingKind kind) {
  switch (kind) {
    case PostingKind::invoice: return "invoice";
    case PostingKind::payment: return "payment";
    case PostingKind::payment_applied: return "payment_applied";
    case PostingKind::credit_note: return "credit_note";
    case PostingKind::credit_note_applied: return "credit_note_applied";
    case PostingKind::write_off: return "write_off";
    case PostingKind::payment_reversed: return "payment_reversed";
  }
  TM_ASSERT(false);
}

std::optional<PostingKind> parse_posting_kind(std::string_view text) {
  for (PostingKind k : {PostingKind::invoice, PostingKind::payment, PostingKind::payment_applied,
                        PostingKind::credit_note, PostingKind::credit_note_applied, PostingKind::write_off,
                        PostingKind::payment_reversed})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

Posting invoice_posting(const Invoice& invoice, Date due_date) {
  TM_ASSERT(due_date >= invoice.issue_date);
  return Posting{invoice.customer, invoice.currency, invoice.issue_date, PostingKind::invoice,
                 invoice.number, invoice.number, invoice.issue_date, due_date, invoice.amount, 0};
}

Posting write_off_posting(const OpenItem& item, const std::string& customer, Currency currency,
                          Date posted_on, const std::string& write_off_id, std::int64_t amount) {
  TM_ASSERT(amount >= 1 && amount <= item.open && posted_on >= item.issue_date);
  return Posting{customer, currency, posted_on, PostingKind::write_off, write_off_id, item.number,
                 item.issue_date, item.due_date, -amount, 0};
}

std::vector<Posting> payment_reversal_postings(const Payment& payment, const std::vector<AppliedTo>& applied, Date date) {
  std::vector<Posting> postings;
  std::int64_t applied_total = 0;
  for (const AppliedTo& a : applied) {
    TM_ASSERT(a.amount > 0);
    applied_total += a.amount;
    postings.push_back(Posting{payment.customer, payment.currency, date, PostingKind::payment_reversed,
                               payment.reference, a.item.number, a.item.issue_date, a.item.due_date, a.amount,
                               a.amount});
  }
  TM_ASSERT(applied_total <= payment.amount);
  postings.push_back(Posting{payment.customer, payment.currency, date, PostingKind::payment_reversed, payment.reference,
                             std::nullopt, std::nullopt, std::nullopt, 0, -payment.amount});
  return postings;
}

}  // namespace tallyman
