#include "core/cash.hpp"

#include "core/bank.hpp"
#include "core/check.hpp"
#include "core/ids.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tallyman {

std::string_view to_string(LineStatus status) {
  switch (status) {
    case LineStatus::matched: return "matched";
    case LineStatus::suggested: return "suggested";
    case LineStatus::unmatched: return "unmatched";
    case LineStatus::ignored: return "ignored";
  }
  TM_ASSERT(false);
}

std::optional<LineStatus> parse_line_status(std::string_view text) {
  for (LineStatus s : {LineStatus::matched, LineStatus::suggested, LineStatus::unmatched, LineStatus::ignored})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::vector<std::string> number_tokens(std::string_view text, std::size_t max) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size() && out.size() < max;) {
    while (at < text.size() && !is_id_char(text[at])) ++at;
    std::size_t end = at;
    while (end < text.size() && is_id_char(text[end])) ++end;
    std::string word(text.substr(at, end - at));
    while (!word.empty() && (word.back() == '.' || word.back() == '/' || word.back() == ':' || word.back() == '-')) word.pop_back();
    if (!word.empty() && is_valid_id(word) && std::any_of(word.begin(), word.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        std::find(out.begin(), out.end(), word) == out.end())
      out.push_back(word);
    at = end;
  }
  return out;
}

namespace {

std::string money(std::int64_t minor, Currency c) { return format_amount(minor, c) + " " + c.str(); }

std::string list(const std::vector<CashCandidate>& cs) {
  std::string out;
  for (const CashCandidate& c : cs) out += (out.empty() ? "" : ", ") + c.invoice + " (" + c.customer + ")";
  return out;
}

CashDecision suggest(std::string rule, std::string evidence, std::vector<CashCandidate> candidates) {
  CashDecision d;
  d.status = LineStatus::suggested;
  d.rule = std::move(rule);
  d.evidence = std::move(evidence);
  d.candidates = std::move(candidates);
  return d;
}

}  // namespace

QuotedReference quoted_reference(const BankLine& line) {
  if (!line.structured_reference.empty()) return {line.structured_reference, "the structured reference"};
  if (auto typed = find_creditor_reference(line.remittance)) return {*typed, "the creditor reference in the remittance text"};
  return {line.end_to_end, "the end-to-end id"};
}

CashDecision decide_line(const BankLine& line, const CashFinds& finds) {
  CashDecision d;
  const std::string amount = money(line.amount, line.currency);
  if (line.unsplit_transactions > 0) {
    d.status = line.credit ? LineStatus::unmatched : LineStatus::ignored;
    d.evidence = "a batch booking of " + std::to_string(line.unsplit_transactions) + " transactions, " + amount +
                 " in all, whose own amounts the bank did not give: nothing is matched in it";
    return d;
  }
  if (!line.credit) {
    if (const auto& named = finds.named_payment) {
      d.evidence = (named->credit_reversed ? "a reversal by the bank of the credit of end-to-end id " + line.end_to_end +
                                                 ", posted as payment "
                                           : "a debit of " + amount + " naming payment ") +
                   named->reference + " of " + money(named->amount, named->currency) +
                   (line.return_reason.empty() ? "" : " (return reason " + line.return_reason + ")");
      if (named->currency != line.currency || line.amount < named->amount) {
        d.status = LineStatus::ignored;
        d.evidence += named->currency != line.currency ? ", in another currency: not its return"
                                                       : ", less than the payment: not its return";
        return d;
      }
      d.status = LineStatus::matched;
      d.rule = "returned_payment";
      d.evidence += ": the payment is reversed";
      return d;
    }
    d.status = LineStatus::ignored;
    d.evidence = "a debit of " + amount + " naming no payment tallyman posted";
    return d;
  }
  auto same_currency = [&](const std::vector<CashCandidate>& cs) {
    std::vector<CashCandidate> out;
    for (const CashCandidate& c : cs)
      if (c.currency == line.currency) out.push_back(c);
    return out;
  };
  // 1. The reference it quotes names one invoice.
  const std::vector<CashCandidate> referenced = same_currency(finds.by_reference);
  const QuotedReference reference = quoted_reference(line);
  const std::string& quoted = reference.reference;
  const std::string& quoted_where = reference.where;
  if (referenced.size() == 1) {
    const CashCandidate& c = referenced.front();
    d.status = LineStatus::matched;
    d.rule = "structured_reference";
    d.customer = c.customer;
    if (c.open > 0) d.allocations.push_back({c.invoice, std::min(line.amount, c.open)});
    d.evidence = quoted_where + " " + quoted + " is " +
                 (c.payment_reference == quoted ? "the payment reference of invoice " : "invoice ") + c.invoice +
                 " (" + c.customer + ", open " + money(c.open, c.currency) + ")";
    return d;
  }
  if (referenced.size() > 1)
    return suggest("structured_reference", quoted_where + " " + quoted + " names several invoices: " + list(referenced), referenced);
  if (!finds.by_reference.empty())
    return suggest("structured_reference", quoted_where + " " + quoted + " names " + list(finds.by_reference) +
                                               ", not in " + line.currency.str(), {});
  // 2. Invoice numbers in the remittance text.
  const std::vector<CashCandidate> named = same_currency(finds.by_numbers);
  if (!named.empty()) {
    std::set<std::string> customers;
    std::int64_t open = 0;
    for (const CashCandidate& c : named) {
      customers.insert(c.customer);
      open += c.open;
    }
    std::string sum;
    for (const CashCandidate& c : named) sum += (sum.empty() ? "" : " + ") + format_amount(c.open, c.currency);
    if (customers.size() == 1 && open == line.amount) {
      d.status = LineStatus::matched;
      d.rule = "invoice_numbers";
      d.customer = *customers.begin();
      for (const CashCandidate& c : named) d.allocations.push_back({c.invoice, c.open});
      d.evidence = "the remittance text names " + list(named) + "; open " + sum + " = " + amount + ", the amount";
      return d;
    }
    return suggest("invoice_numbers",
                   "the remittance text names " + list(named) + "; open " + sum +
                       (customers.size() > 1 ? ", of several customers" : ", not the amount " + amount),
                   named);
  }
  // 3 and 4. The payer's account.
  if (finds.account_owner) {
    const std::string& owner = *finds.account_owner;
    if (finds.owner_currency && *finds.owner_currency != line.currency) {
      d.evidence = "the payer's account " + line.payer_account + " is customer " + owner + "'s, whose currency is " +
                   finds.owner_currency->str() + ", not " + line.currency.str();
      return d;
    }
    std::vector<CashCandidate> exact;
    for (const CashCandidate& c : finds.owner_open)
      if (c.open == line.amount) exact.push_back(c);
    if (exact.size() == 1) {
      d.status = LineStatus::matched;
      d.rule = "account_amount";
      d.customer = owner;
      d.allocations.push_back({exact.front().invoice, line.amount});
      d.evidence = "the payer's account " + line.payer_account + " is customer " + owner + "'s; " + amount +
                   " is the open amount of invoice " + exact.front().invoice;
      return d;
    }
    if (exact.size() > 1)
      return suggest("account_amount", "the payer's account " + line.payer_account + " is customer " + owner + "'s; " +
                                           amount + " is the open amount of " + list(exact),
                     exact);
    d.status = LineStatus::matched;
    d.rule = "account";
    d.customer = owner;
    d.evidence = "the payer's account " + line.payer_account + " is customer " + owner + "'s: oldest due first";
    return d;
  }
  d.evidence = "no payment reference, invoice number or known account in the line";
  return d;
}

}  // namespace tallyman
