// The matching ladder (core/cash.hpp): each rung, its suggestion when it fits twice, the
// currency rule, and debits.
#include "core/cash.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

const Currency eur = *parse_currency("EUR"), usd = *parse_currency("USD");

BankLine credit(std::int64_t amount) {
  BankLine l;
  l.key = "B-1/1";
  l.amount = amount;
  l.currency = eur;
  l.payer_account = "DE89370400440532013000";
  return l;
}

CashCandidate invoice(const char* number, const char* customer, std::int64_t open, Currency c = eur) {
  return {number, customer, c, open, parse_date("2026-03-01").value(), "RF18539007547034"};
}

}  // namespace

TEST_CASE("cash ladder: a structured reference names one invoice", "[core]") {
  BankLine l = credit(30000);
  l.structured_reference = "RF18539007547034";
  const CashDecision d = decide_line(l, {{invoice("INV-1", "C-1", 25000)}, {}, {}, {}, {}, {}});
  CHECK(d.status == LineStatus::matched);
  CHECK(d.rule == "structured_reference");
  CHECK(d.customer == "C-1");
  CHECK(d.allocations == std::vector<Allocation>{{"INV-1", 25000}});  // the rest stays unapplied
  CHECK(d.evidence == "the structured reference RF18539007547034 is the payment reference of invoice INV-1 (C-1, open 250.00 EUR)");
  // Two invoices named: a suggestion, nothing posted.
  const CashDecision two = decide_line(l, {{invoice("INV-1", "C-1", 1), invoice("INV-2", "C-2", 1)}, {}, {}, {}, {}, {}});
  CHECK(two.status == LineStatus::suggested);
  CHECK(two.candidates.size() == 2);
  // In another currency: never matched.
  CHECK(decide_line(l, {{invoice("INV-1", "C-1", 25000, usd)}, {}, {}, {}, {}, {}}).status == LineStatus::suggested);
}

TEST_CASE("cash ladder: a batch booking the bank did not split is left for a person, whatever it names", "[core]") {
  BankLine l = credit(15050);
  l.unsplit_transactions = 2;
  l.structured_reference = "RF18539007547034";
  l.remittance = "INV-8 and INV-9";
  const CashFinds finds{{invoice("INV-1", "C-1", 15050)}, {invoice("INV-8", "C-1", 10000), invoice("INV-9", "C-1", 5050)},
                        {}, {}, {}, {}};
  const CashDecision d = decide_line(l, finds);
  CHECK(d.status == LineStatus::unmatched);
  CHECK(d.allocations.empty());
  CHECK(d.evidence ==
        "a batch booking of 2 transactions, 150.50 EUR in all, whose own amounts the bank did not give: nothing is "
        "matched in it");
  l.credit = false;
  CHECK(decide_line(l, {{}, {}, {}, {}, {}, CashFinds::NamedPayment{"P-1", 15050, eur}}).status ==
        LineStatus::ignored);  // though it names a payment it may return
}

TEST_CASE("cash ladder: invoice numbers in the text, adding up to the amount", "[core]") {
  BankLine l = credit(15050);
  l.remittance = "INV-8 and INV-9";
  const CashFinds finds{{}, {invoice("INV-8", "C-1", 10000), invoice("INV-9", "C-1", 5050)}, {}, {}, {}, {}};
  const CashDecision d = decide_line(l, finds);
  CHECK(d.status == LineStatus::matched);
  CHECK(d.rule == "invoice_numbers");
  CHECK(d.allocations == std::vector<Allocation>{{"INV-8", 10000}, {"INV-9", 5050}});
  l.amount = 15000;  // short: a suggestion
  CHECK(decide_line(l, finds).status == LineStatus::suggested);
  l.amount = 15050;
  const CashFinds two{{}, {invoice("INV-8", "C-1", 10000), invoice("INV-9", "C-2", 5050)}, {}, {}, {}, {}};
  CHECK(decide_line(l, two).status == LineStatus::suggested);
}

TEST_CASE("cash ladder: the payer's account, with an invoice of the amount or oldest first", "[core]") {
  BankLine l = credit(5050);
  CashFinds finds{{}, {}, std::string("C-1"), eur, {invoice("INV-8", "C-1", 10000), invoice("INV-9", "C-1", 5050)}, {}};
  CashDecision d = decide_line(l, finds);
  CHECK(d.rule == "account_amount");
  CHECK(d.allocations == std::vector<Allocation>{{"INV-9", 5050}});
  l.amount = 7000;
  d = decide_line(l, finds);
  CHECK(d.status == LineStatus::matched);
  CHECK(d.rule == "account");
  CHECK(d.allocations.empty());
  finds.owner_open.push_back(invoice("INV-10", "C-1", 7000));
  finds.owner_open.push_back(invoice("INV-11", "C-1", 7000));
  CHECK(decide_line(l, finds).status == LineStatus::suggested);
  finds.owner_currency = usd;
  CHECK(decide_line(l, finds).status == LineStatus::unmatched);
  CHECK(decide_line(l, {}).status == LineStatus::unmatched);
}

TEST_CASE("cash ladder: a debit returns the payment it names, or is ignored", "[core]") {
  BankLine l = credit(6000);
  l.credit = false;
  l.return_reason = "AC04";
  CashFinds finds;
  CHECK(decide_line(l, finds).status == LineStatus::ignored);
  finds.named_payment = CashFinds::NamedPayment{"P-9", 6000, eur};
  const CashDecision d = decide_line(l, finds);
  CHECK(d.status == LineStatus::matched);
  CHECK(d.rule == "returned_payment");
  CHECK(d.evidence == "a debit of 60.00 EUR naming payment P-9 of 60.00 EUR (return reason AC04): the payment is reversed");
  l.amount = 6250;  // returned with the bank's fee
  CHECK(decide_line(l, finds).status == LineStatus::matched);
  // A smaller debit naming it (a fee, a refund of part of it), or one in another currency:
  // not its return, nothing reversed.
  l.amount = 500;
  l.return_reason.clear();
  const CashDecision fee = decide_line(l, finds);
  CHECK(fee.status == LineStatus::ignored);
  CHECK(fee.evidence == "a debit of 5.00 EUR naming payment P-9 of 60.00 EUR, less than the payment: not its return");
  l.amount = 6000;
  l.currency = usd;
  CHECK(decide_line(l, finds).status == LineStatus::ignored);
}

TEST_CASE("cash ladder: the words of a remittance text that may be invoice numbers", "[core]") {
  CHECK(number_tokens("Invoice INV-7, INV-8. and 2026/0042/ thanks") ==
        std::vector<std::string>{"INV-7", "INV-8", "2026/0042"});
  CHECK(number_tokens("no numbers here").empty());
}
