#pragma once
// Cash application (contract §7): where a statement's line goes. The ladder, first fit wins:
//   structured_reference  the line's structured reference (or end-to-end id) is an invoice's
//                         payment reference (RF) or number: that invoice
//   invoice_numbers       the remittance text names invoices of one customer whose open
//                         amounts add up to the amount: those invoices
//   account_amount        the payer's account is one customer's, and the amount is the open
//                         amount of one of its invoices: that invoice
//   account               the payer's account is one customer's: oldest due first
// A rung that fits but not uniquely (two invoices, two customers) suggests and never posts;
// what no rung fits is unmatched. Money in another currency than the customer's is never
// matched. A debit that names a payment tallyman posted returns it (it is reversed); other
// debits are ignored. Pure: the store finds the candidates, this decides and explains.

#include "core/bank_statement.hpp"
#include "core/ledger.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

enum class LineStatus { matched, suggested, unmatched, ignored };
std::string_view to_string(LineStatus status);
std::optional<LineStatus> parse_line_status(std::string_view text);

// An open invoice a rung may name.
struct CashCandidate {
  std::string invoice;
  std::string customer;
  Currency currency;
  std::int64_t open = 0;
  Date due;
  std::string payment_reference;
};

// How many candidates a line waiting in the work queue shows.
constexpr std::size_t cash_candidates_max = 5;

// What the store found for a line.
struct CashFinds {
  std::vector<CashCandidate> by_reference;  // whose RF or number is the structured reference or end-to-end id
  std::vector<CashCandidate> by_numbers;    // whose numbers appear in the remittance text, as words
  std::optional<std::string> account_owner; // the customer whose bank account paid
  std::optional<Currency> owner_currency;
  // That customer's open invoices: all of the line's amount, then up to cash_candidates_max
  // of the oldest others (what a person deciding the line is shown).
  std::vector<CashCandidate> owner_open;
  // A debit: the payment tallyman posted (not reversed) that it names, and its amount. The
  // ladder reverses it when the debit returns it: in its currency, at least its amount (a
  // return may carry the bank's fee); a smaller debit naming it (a fee, a refund) does not.
  struct NamedPayment {
    std::string reference;
    std::int64_t amount = 0;
    Currency currency;
    // Not named but found as the payment of the credit this debit reverses (camt RvslInd, MT940
    // RC): an earlier line of the account with the same end-to-end id and amount.
    bool credit_reversed = false;
  };
  std::optional<NamedPayment> named_payment;
};

struct CashDecision {
  LineStatus status = LineStatus::unmatched;
  std::string rule;      // structured_reference, invoice_numbers, account_amount, account, returned_payment
  std::string evidence;  // what was found where, in words
  std::optional<std::string> customer;
  std::vector<Allocation> allocations;  // explicit; what is left of the amount is allocated oldest first
  std::vector<CashCandidate> candidates;  // a suggestion's
};

CashDecision decide_line(const BankLine& line, const CashFinds& finds);

// What a credit line quotes for the ladder's first rung, and where: its structured reference;
// else a creditor reference its remittance text quotes (payers often type it there: core/bank.hpp
// find_creditor_reference); else its end-to-end id. Empty when it quotes none.
struct QuotedReference {
  std::string reference;
  std::string where;  // "the structured reference", as the evidence says it
};
QuotedReference quoted_reference(const BankLine& line);

// The words of a remittance text that could be invoice numbers: runs of id characters
// (core/ids.hpp) with a digit, trailing dots and slashes cut, at most `max` of them.
std::vector<std::string> number_tokens(std::string_view text, std::size_t max = 20);

}  // namespace tallyman
