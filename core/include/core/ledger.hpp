#pragma once
// The receivables ledger: the documents users post (customers' invoices, payments, credit
// notes, write-offs) and the journal they turn into.
//
// The journal is a list of dated, immutable postings. Each posting moves two balances of one
// customer, in the customer's currency:
//   open_delta      the open amount of one invoice (invoice +, application -, write-off -)
//   unapplied_delta the customer's unapplied credit (payment +, credit note +, application -)
// Nothing is updated in place. The open amount of an invoice as of a date D is the sum of its
// postings dated on or before D; the unapplied credit as of D likewise. So every report can be
// reproduced as of any past date, whatever was posted since.
//
// Invariants (checked where postings are made): every posting of an invoice is dated on or
// after its issue date; an invoice's open amount never goes below zero; unapplied credit
// never goes below zero.

#include "core/calendar.hpp"
#include "core/money.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

struct Customer {
  std::string id;
  std::string name;
  Currency currency;
  std::optional<std::int64_t> credit_limit;  // none: no limit set yet
  std::string terms = "NET30";
  std::optional<std::string> collector;
  std::optional<char> grade;  // 'A', 'B' or 'C'
  bool on_hold = false;
  std::optional<std::string> salesperson;  // who sold on this account and answers for collecting it
  // Its bank accounts, as compared (core/bank.hpp), in order; read with one customer only (a
  // list of customers leaves them empty).
  std::vector<std::string> bank_accounts{};
  friend bool operator==(const Customer&, const Customer&) = default;
};

FieldErrors validate(const Customer& customer);

struct Invoice {
  std::string number;
  std::string customer;
  Date issue_date;
  std::optional<Date> due_date;  // none: the customer's terms give it
  std::int64_t amount = 0;
  Currency currency;
  std::optional<std::string> order_ref;
  friend bool operator==(const Invoice&, const Invoice&) = default;
};

FieldErrors validate(const Invoice& invoice);

struct Allocation {
  std::string invoice;
  std::int64_t amount = 0;
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

struct Payment {
  std::string reference;
  std::string customer;
  Date received_date;
  std::int64_t amount = 0;
  Currency currency;
  std::vector<Allocation> allocations;  // explicit ones; the rest is allocated automatically
  friend bool operator==(const Payment&, const Payment&) = default;
};

FieldErrors validate(const Payment& payment);

struct CreditNote {
  std::string number;
  std::string customer;
  Date date;
  std::int64_t amount = 0;
  Currency currency;
  std::optional<std::string> invoice;  // none: the amount becomes unapplied credit
  friend bool operator==(const CreditNote&, const CreditNote&) = default;
};

FieldErrors validate(const CreditNote& note);

// A line of a remittance advice: of a payment's unapplied money, `amount` on the invoice
// (contract §7 POST /v1/remittances; `tallyman import remittances`), as of `date`.
struct RemittanceLine {
  std::string payment;
  std::string customer;
  std::string invoice;
  std::int64_t amount = 0;
  Date date;
};

FieldErrors validate(const RemittanceLine& line);

enum class PostingKind {
  invoice,              // the invoice itself: open +amount
  payment,              // cash received: unapplied +amount
  payment_applied,      // cash applied to an invoice: open -a, unapplied -a
  credit_note,          // to an invoice: open -a; without one: unapplied +a
  credit_note_applied,  // unapplied credit of a credit note applied: open -a, unapplied -a
  write_off,            // open -a
  payment_reversed,     // a bounced payment undone: per invoice it was applied to, open +a and
                        // unapplied +a; then once, unapplied -amount
};

std::string_view to_string(PostingKind kind);
std::optional<PostingKind> parse_posting_kind(std::string_view text);

struct Posting {
  std::string customer;
  Currency currency;
  Date posted_on;
  PostingKind kind = PostingKind::invoice;
  std::string document;                // invoice number, payment reference, credit-note number, write-off id
  std::optional<std::string> invoice;  // the invoice whose open amount moves
  std::optional<Date> issue_date;      // that invoice's dates, carried so that aging reads one table
  std::optional<Date> due_date;
  std::int64_t open_delta = 0;
  std::int64_t unapplied_delta = 0;
  friend bool operator==(const Posting&, const Posting&) = default;
};

// An invoice's open amount as the allocation and posting rules see it.
struct OpenItem {
  std::string number;
  Date issue_date;
  Date due_date;
  std::int64_t open = 0;
  bool disputed = false;
  std::int64_t payment_serial = 0;  // the number of its payment reference, to show it (0: not read)
};

Posting invoice_posting(const Invoice& invoice, Date due_date);
Posting write_off_posting(const OpenItem& item, const std::string& customer, Currency currency,
                          Date posted_on, const std::string& write_off_id, std::int64_t amount);

// The postings that undo a payment as of `date`: `applied` is what it applied to each invoice
// (net, as of now), `amount` the payment's amount. Afterwards the invoices are open again by
// what it paid and the customer's unapplied credit has lost what is left of it.
struct AppliedTo {
  OpenItem item;  // the invoice (its dates)
  std::int64_t amount = 0;
};
std::vector<Posting> payment_reversal_postings(const Payment& payment, const std::vector<AppliedTo>& applied, Date date);

}  // namespace tallyman
