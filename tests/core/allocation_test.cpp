#include "core/allocation.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }
const Currency eur = *parse_currency("EUR");

OpenItem item(const char* number, const char* issue, const char* due, std::int64_t open, bool disputed = false) {
  return OpenItem{number, d(issue), d(due), open, disputed};
}

Payment payment(std::int64_t amount, const char* received, std::vector<Allocation> allocations = {}) {
  return Payment{"PAY-1", "C-1", d(received), amount, eur, std::move(allocations)};
}

// invoice -> amount applied
std::map<std::string, std::int64_t> applied(const AllocationResult& r) {
  std::map<std::string, std::int64_t> out;
  for (const Posting& p : r.postings)
    if (p.kind == PostingKind::payment_applied) out[*p.invoice] += -p.open_delta;
  return out;
}

}  // namespace

TEST_CASE("allocation: oldest due date first, then by number, rest unapplied", "[core]") {
  std::vector<OpenItem> items{item("INV-3", "2026-01-10", "2026-02-20", 100), item("INV-2", "2026-01-05", "2026-02-10", 100),
                              item("INV-1", "2026-01-05", "2026-02-10", 100)};
  auto r = allocate_payment(payment(250, "2026-03-01"), OpenItems(items));
  REQUIRE(r.outcome == AllocationOutcome::allocated);
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-1", 100}, {"INV-2", 100}, {"INV-3", 50}});
  CHECK(r.unapplied == 0);
  // Applications follow the order: INV-1 before INV-2 (same due date, by number).
  CHECK(*r.postings[1].invoice == "INV-1");
  CHECK(*r.postings[2].invoice == "INV-2");
  auto over = allocate_payment(payment(500, "2026-03-01"), OpenItems(items));
  CHECK(over.unapplied == 200);
}

TEST_CASE("allocation: every posting is dated with the received date and balances", "[core]") {
  std::vector<OpenItem> items{item("INV-1", "2026-01-05", "2026-02-10", 100)};
  auto r = allocate_payment(payment(130, "2026-03-01"), OpenItems(items));
  std::int64_t unapplied = 0;
  for (const Posting& p : r.postings) {
    CHECK(p.posted_on == d("2026-03-01"));
    unapplied += p.unapplied_delta;
  }
  CHECK(r.postings.front().kind == PostingKind::payment);
  CHECK(unapplied == r.unapplied);
  CHECK(r.unapplied == 30);
}

TEST_CASE("allocation: explicit allocations come first, even to a later due date", "[core]") {
  std::vector<OpenItem> items{item("INV-1", "2026-01-05", "2026-02-10", 100), item("INV-2", "2026-01-20", "2026-03-20", 100)};
  auto r = allocate_payment(payment(150, "2026-03-01", {{"INV-2", 100}}), OpenItems(items));
  REQUIRE(r.outcome == AllocationOutcome::allocated);
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-1", 50}, {"INV-2", 100}});
  CHECK(*r.postings[1].invoice == "INV-2");
}

TEST_CASE("allocation: automatic allocation skips disputed invoices and those issued after receipt", "[core]") {
  std::vector<OpenItem> items{item("INV-1", "2026-01-05", "2026-02-10", 100, true),
                              item("INV-2", "2026-03-02", "2026-03-05", 100),
                              item("INV-3", "2026-03-01", "2026-04-01", 100)};
  auto r = allocate_payment(payment(300, "2026-03-01"), OpenItems(items));
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-3", 100}});  // issued on the received date counts
  CHECK(r.unapplied == 200);
}

TEST_CASE("allocation: an explicit allocation may settle a disputed invoice", "[core]") {
  std::vector<OpenItem> items{item("INV-1", "2026-01-05", "2026-02-10", 100, true)};
  auto r = allocate_payment(payment(100, "2026-03-01", {{"INV-1", 100}}), OpenItems(items));
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-1", 100}});
}

TEST_CASE("allocation: refused explicit allocations post nothing", "[core]") {
  std::vector<OpenItem> items{item("INV-1", "2026-01-05", "2026-02-10", 100), item("INV-9", "2026-03-05", "2026-04-05", 100),
                              item("INV-0", "2026-01-01", "2026-01-31", 0)};
  SECTION("unknown invoice") {
    auto r = allocate_payment(payment(100, "2026-03-01", {{"INV-1", 10}, {"INV-7", 10}}), OpenItems(items));
    CHECK(r.outcome == AllocationOutcome::unknown_invoice);
    CHECK(r.failed_allocation == 1);
    CHECK(r.postings.empty());
  }
  SECTION("more than the open amount") {
    CHECK(allocate_payment(payment(200, "2026-03-01", {{"INV-1", 101}}), OpenItems(items)).outcome ==
          AllocationOutcome::exceeds_open_amount);
    CHECK(allocate_payment(payment(200, "2026-03-01", {{"INV-0", 1}}), OpenItems(items)).outcome ==
          AllocationOutcome::exceeds_open_amount);
    // Two allocations to one invoice count together.
    CHECK(allocate_payment(payment(200, "2026-03-01", {{"INV-1", 60}, {"INV-1", 60}}), OpenItems(items)).outcome ==
          AllocationOutcome::exceeds_open_amount);
  }
  SECTION("an invoice issued after the payment was received") {
    CHECK(allocate_payment(payment(200, "2026-03-01", {{"INV-9", 10}}), OpenItems(items)).outcome ==
          AllocationOutcome::issued_after_payment);
  }
}

TEST_CASE("allocation: open items are found by number and walked oldest due first while open", "[core]") {
  OpenItems items({item("INV-3", "2026-01-10", "2026-02-20", 100), item("INV-2", "2026-01-05", "2026-02-10", 100),
                   item("INV-1", "2026-01-05", "2026-02-10", 100), item("INV-0", "2026-01-01", "2026-01-31", 0)});
  auto walk = [&] {
    std::vector<std::string> numbers;
    for (const OpenItem* i : items.open_in_order()) numbers.push_back(i->number);
    return numbers;
  };
  CHECK(walk() == std::vector<std::string>{"INV-1", "INV-2", "INV-3"});
  REQUIRE(items.find("INV-0") != nullptr);  // settled, still found
  CHECK(items.find("INV-7") == nullptr);
  items.set_open("INV-1", 0);  // settled: leaves the walk, still found
  CHECK(walk() == std::vector<std::string>{"INV-2", "INV-3"});
  CHECK(items.find("INV-1")->open == 0);
  items.set_open("INV-0", 40);  // reopened: joins the walk in its place
  CHECK(walk() == std::vector<std::string>{"INV-0", "INV-2", "INV-3"});
  items.set_open("INV-2", 30);  // partly paid: stays
  CHECK(walk() == std::vector<std::string>{"INV-0", "INV-2", "INV-3"});
  items.add(item("INV-2", "2026-01-05", "2026-01-06", 999));  // held already: unchanged
  CHECK(items.find("INV-2")->open == 30);
  CHECK(walk() == std::vector<std::string>{"INV-0", "INV-2", "INV-3"});
  auto r = allocate_payment(payment(100, "2026-03-01"), items);
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-0", 40}, {"INV-2", 30}, {"INV-3", 30}});
  CHECK(items.find("INV-0")->open == 40);  // allocating changes nothing: the caller applies it
}

TEST_CASE("allocation: a payment older than most invoices takes those issued by its date, wherever they fall due", "[core]") {
  // In the order of due dates INV-B (issued after the payment) and INV-D (disputed) come first,
  // INV-A (issued before it, on long terms) last.
  OpenItems items({item("INV-A", "2026-01-01", "2026-06-30", 100), item("INV-B", "2026-02-01", "2026-03-01", 100),
                   item("INV-C", "2026-02-05", "2026-03-05", 100), item("INV-D", "2026-01-02", "2026-02-02", 100, true)});
  CHECK(items.payable_by(d("2026-01-15")) == 1);  // INV-A: INV-D is disputed
  CHECK(items.payable_by(d("2026-02-05")) == 3);
  CHECK(items.payable_by(d("2025-12-31")) == 0);
  auto r = allocate_payment(payment(150, "2026-01-15"), items);
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-A", 100}});
  CHECK(r.unapplied == 50);
  items.set_open("INV-A", 0);
  CHECK(items.payable_by(d("2026-01-15")) == 0);
  CHECK(allocate_payment(payment(150, "2026-01-15"), items).unapplied == 150);
  items.set_open("INV-A", 20);
  CHECK(items.payable_by(d("2026-01-15")) == 1);
  CHECK(applied(allocate_payment(payment(150, "2026-01-15"), items)) == std::map<std::string, std::int64_t>{{"INV-A", 20}});
}

TEST_CASE("allocation: open items are found by their open amount, also after they change", "[core]") {
  OpenItems items({item("INV-1", "2026-01-05", "2026-03-10", 100), item("INV-2", "2026-01-05", "2026-02-10", 100),
                   item("INV-3", "2026-01-05", "2026-02-10", 70)});
  auto numbers = [](const std::vector<const OpenItem*>& found) {
    std::vector<std::string> out;
    for (const OpenItem* i : found) out.push_back(i->number);
    return out;
  };
  CHECK(numbers(items.with_open(100)) == std::vector<std::string>{"INV-2", "INV-1"});  // oldest due first
  CHECK(items.with_open(50).empty());
  items.set_open("INV-1", 50);  // partly paid: found by what is left
  items.set_open("INV-3", 0);   // settled: found no more
  items.add(item("INV-4", "2026-01-06", "2026-02-11", 50));
  CHECK(numbers(items.with_open(100)) == std::vector<std::string>{"INV-2"});
  CHECK(numbers(items.with_open(50)) == std::vector<std::string>{"INV-4", "INV-1"});
  CHECK(items.with_open(70).empty());
  CHECK(items.with_open(0).empty());
}

TEST_CASE("allocation: an explicit allocation leaves the rest of its invoice to the oldest-first rule", "[core]") {
  OpenItems items({item("INV-1", "2026-01-05", "2026-02-10", 100), item("INV-2", "2026-01-20", "2026-03-20", 100)});
  auto r = allocate_payment(payment(150, "2026-03-01", {{"INV-1", 30}}), items);
  REQUIRE(r.outcome == AllocationOutcome::allocated);
  CHECK(applied(r) == std::map<std::string, std::int64_t>{{"INV-1", 100}, {"INV-2", 50}});
  CHECK(r.postings.size() == 4);  // the payment, INV-1 named, INV-1's rest, INV-2
}

TEST_CASE("allocation: allocations adding up to more than the payment are invalid", "[core]") {
  auto errors = validate(payment(100, "2026-03-01", {{"INV-1", 60}, {"INV-2", 50}}));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == "allocations");
  CHECK(validate(payment(100, "2026-03-01", {{"INV-1", 0}})).at(0).field == "allocations[0].amount");
  CHECK(validate(payment(100, "2026-03-01", {{"bad id", 5}})).at(0).field == "allocations[0].invoice");
}

TEST_CASE("allocation: credit notes reduce an invoice or become unapplied credit", "[core]") {
  const OpenItem inv = item("INV-1", "2026-01-05", "2026-02-10", 100);
  CreditNote note{"CN-1", "C-1", d("2026-02-01"), 40, eur, std::string("INV-1")};
  auto r = credit_note_postings(note, &inv);
  REQUIRE(r.outcome == CreditNoteOutcome::posted);
  CHECK(r.postings.at(0).open_delta == -40);
  CHECK(r.postings.at(0).unapplied_delta == 0);
  note.amount = 101;
  CHECK(credit_note_postings(note, &inv).outcome == CreditNoteOutcome::exceeds_open_amount);
  CHECK(credit_note_postings(note, nullptr).outcome == CreditNoteOutcome::unknown_invoice);
  note.amount = 10;
  note.date = d("2026-01-01");
  CHECK(credit_note_postings(note, &inv).outcome == CreditNoteOutcome::issued_after_credit_note);
  note.invoice.reset();
  auto free = credit_note_postings(note, nullptr);
  CHECK(free.postings.at(0).unapplied_delta == 10);
  CHECK_FALSE(free.postings.at(0).invoice.has_value());
}

TEST_CASE("allocation: unapplied credit is applied oldest source first, as of the date given", "[core]") {
  const OpenItem inv = item("INV-1", "2026-01-05", "2026-02-10", 1000);
  std::vector<CreditSource> sources{{PostingKind::credit_note_applied, "CN-2", d("2026-02-01"), 300},
                                    {PostingKind::payment_applied, "PAY-1", d("2026-01-20"), 200},
                                    {PostingKind::payment_applied, "PAY-0", d("2026-01-20"), 100},
                                    {PostingKind::payment_applied, "PAY-9", d("2026-03-05"), 900}};  // after the date
  auto r = apply_unapplied_credit("C-1", eur, inv, 450, d("2026-03-01"), sources);
  REQUIRE(r.outcome == CreditApplicationOutcome::applied);
  REQUIRE(r.postings.size() == 3);
  CHECK(r.postings[0].document == "PAY-0");  // same date: by document
  CHECK(r.postings[1].document == "PAY-1");
  CHECK(r.postings[2].document == "CN-2");
  CHECK(r.postings[2].kind == PostingKind::credit_note_applied);
  CHECK(r.postings[2].open_delta == -150);
  for (const Posting& p : r.postings) {
    CHECK(p.posted_on == d("2026-03-01"));
    CHECK(p.open_delta == p.unapplied_delta);
  }
  CHECK(r.used == std::vector<std::pair<std::size_t, std::int64_t>>{{2, 100}, {1, 200}, {0, 150}});
  CHECK(apply_unapplied_credit("C-1", eur, inv, 601, d("2026-03-01"), sources).outcome ==
        CreditApplicationOutcome::exceeds_unapplied);
  CHECK(apply_unapplied_credit("C-1", eur, inv, 1001, d("2026-03-10"), sources).outcome ==
        CreditApplicationOutcome::exceeds_open_amount);
  CHECK(apply_unapplied_credit("C-1", eur, inv, 1, d("2026-01-04"), sources).outcome ==
        CreditApplicationOutcome::issued_after_date);
}
