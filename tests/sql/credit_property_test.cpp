// Property: random sequences of credit checks, holds, overrides, releases, invoices that
// consume holds, payments, their reversals, credit notes and expiry runs, posted through the
// real books on SQLite and on MariaDB, decide and hold exactly as a small reference model
// says. The model is written from the contract and the issue alone (it shares no code with
// core's decision or sql's projections): each order's hold, what each customer owes, and the
// limit with its band. After every step each customer's reserved credit, as an account read
// shows it, and each order's reservation must be the model's.
#include "sql/books.hpp"
#include "sql/support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace tallyman;

namespace {

struct ModelHold {
  std::string customer;
  std::int64_t amount = 0;
  long expires = 0;  // the last day it holds, in days from the start
  ReservationStatus status = ReservationStatus::active;
};

struct ModelKept {  // a check that was not approved, kept for an override
  std::string customer;
  std::int64_t amount = 0;
  bool overridden = false;
};

struct ModelPayment {  // not reversed yet
  std::string reference, customer;
  std::int64_t amount = 0;
};

struct Model {
  std::map<std::string, std::int64_t> limit, owed;  // by customer: owed = invoiced less paid and credited
  std::vector<ModelPayment> payments;
  std::map<std::string, ModelHold> holds;            // by order_ref
  std::map<std::string, ModelKept> kept;             // by order_ref
  int band_bp = 0, days = 0;

  // What a customer's reserved credit shows on `day`: its active holds that still hold.
  std::int64_t reserved(const std::string& customer, long day) const {
    std::int64_t sum = 0;
    for (const auto& [ref, h] : holds)
      if (h.customer == customer && h.status == ReservationStatus::active && h.expires >= day) sum += h.amount;
    return sum;
  }
  // Another customer's active hold of the order, even past its last day, refuses it.
  bool conflicts(const std::string& customer, const std::string& order) const {
    auto h = holds.find(order);
    return h != holds.end() && h->second.status == ReservationStatus::active && h->second.customer != customer;
  }
  // What the customer would owe and hold with `amount` more, the order's own hold not counted.
  std::int64_t after_order(const std::string& customer, const std::string& order, std::int64_t amount,
                           long day) const {
    std::int64_t own = 0;
    if (auto h = holds.find(order); h != holds.end() && h->second.status == ReservationStatus::active &&
                                    h->second.customer == customer && h->second.expires >= day)
      own = h->second.amount;
    return owed.at(customer) + reserved(customer, day) - own + amount;
  }
  // approved, review or declined, by the limit and the band above it.
  CreditDecision decide(const std::string& customer, const std::string& order, std::int64_t amount, long day) const {
    const std::int64_t after = after_order(customer, order, amount, day);
    const std::int64_t lim = limit.at(customer);
    if (after <= lim) return CreditDecision::approved;
    return after <= lim + lim * band_bp / 10'000 ? CreditDecision::review : CreditDecision::declined;
  }
  void hold(const std::string& customer, const std::string& order, std::int64_t amount, long day) {
    holds[order] = ModelHold{customer, amount, day + days, ReservationStatus::active};
  }
};

Date day_of(long k) { return parse_date("2026-03-01").value() + date::days(k); }

struct Reached {  // how often a sequence met each outcome
  int approved = 0, declined = 0, conflicts = 0, overridden = 0, consumed = 0, expired = 0, reversed = 0;
};

void run_sequence(const std::string& backend, unsigned seed, int steps, Reached& reached) {
  CAPTURE(backend, seed);
  test::TestDb t(backend);
  sql::SqlBooks books(t.connect());
  std::mt19937 rng(seed);
  auto pick = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };
  const Actor finance{"f", Role::finance, "r1", "{}"};
  const Currency eur = *parse_currency("EUR");
  Model model;
  model.band_bp = static_cast<int>(pick(0, 1) * 1000);
  model.days = static_cast<int>(pick(2, 8));
  CreditPolicy policy = books.credit().credit_policy();
  policy.over_limit_review_bp = model.band_bp;
  policy.reservation_days = model.days;
  policy.review_overdue_days = std::nullopt;  // the model knows the limit only
  policy.review_overdue_share_bp = std::nullopt;
  REQUIRE(books.credit().put_credit_policy(finance, policy) == PolicyChange::changed);
  const std::vector<std::string> customers{"C-1", "C-2", "C-3"};
  for (const auto& c : customers) {
    model.limit[c] = pick(5, 20) * 1000;
    model.owed[c] = 0;
    REQUIRE(books.ledger().post_customer(finance, Customer{c, c, eur, model.limit[c], "NET30", std::nullopt, std::nullopt,
                                                  false, {}})
                .outcome == LedgerOutcome::created);
  }
  long day = 0;
  int documents = 0;
  auto& [approved, declined, conflicts, overridden, consumed, expired, reversed] = reached;
  for (int step = 0; step < steps; ++step) {
    CAPTURE(step, day);
    const Date today = day_of(day);
    const std::string customer = customers[static_cast<std::size_t>(pick(0, 2))];
    const std::string order = "O-" + std::to_string(pick(1, 8));
    const long what = pick(0, 99);
    if (what < 45) {  // a batch of checks, reserving or not, as the credit desk makes them
      // Half the batches are one customer's: their checks must see each other's holds.
      const long size = pick(1, 6);
      const bool one_customer = pick(0, 1) != 0;
      std::vector<CreditCheckInput> batch;
      for (long k = 0; k < size; ++k) {
        const std::string who = one_customer ? customer : customers[static_cast<std::size_t>(pick(0, 2))];
        const std::string what_order = k == 0 ? order : "O-" + std::to_string(pick(1, 8));
        batch.push_back({{who, what_order, pick(1, 60) * 100, eur, pick(0, 3) != 0}, finance.name, false});
      }
      const std::vector<CreditCheck> answers = books.credit().check_credits(batch, today).checks;
      REQUIRE(answers.size() == batch.size());
      // The model decides them one by one.
      for (std::size_t k = 0; k < batch.size(); ++k) {
        const auto& [who, what_order, amount, currency, reserve] = batch[k].request;
        CAPTURE(k, who, what_order, amount, reserve);
        const CreditCheck& got = answers[k];
        if (model.conflicts(who, what_order)) {
          CHECK(got.outcome == CreditOutcome::held_elsewhere);
          ++conflicts;
          continue;
        }
        REQUIRE(got.outcome == CreditOutcome::decided);
        const CreditDecision want = model.decide(who, what_order, amount, day);
        CHECK(got.answer.decision == want);
        CHECK(got.answer.after_order == model.after_order(who, what_order, amount, day));
        if (want != CreditDecision::approved) {
          model.kept[what_order] = ModelKept{who, amount, false};
          ++declined;
        } else {
          ++approved;
          if (reserve) model.hold(who, what_order, amount, day);
        }
      }
    } else if (what < 52) {  // finance overrides a kept check
      const bool reserve = pick(0, 1) != 0;
      CAPTURE(order, reserve);
      const CreditCheck got = books.credit().override_check(finance, order, "known customer", reserve, today);
      auto kept = model.kept.find(order);
      if (kept == model.kept.end()) {
        CHECK(got.outcome == CreditOutcome::no_check);
      } else if (kept->second.overridden) {
        CHECK(got.outcome == CreditOutcome::overridden_already);
      } else if (model.conflicts(kept->second.customer, order)) {
        CHECK(got.outcome == CreditOutcome::held_elsewhere);
      } else {
        CHECK(got.outcome == CreditOutcome::decided);
        CHECK(got.answer.decision == CreditDecision::approved);
        kept->second.overridden = true;
        ++overridden;
        if (reserve) model.hold(kept->second.customer, order, kept->second.amount, day);
      }
    } else if (what < 62) {  // the order is released
      CAPTURE(order);
      const ReleaseOutcome got = books.credit().release_reservation(finance, order);
      auto h = model.holds.find(order);
      if (h == model.holds.end()) {
        CHECK(got == ReleaseOutcome::no_reservation);
      } else if (h->second.status == ReservationStatus::released) {
        CHECK(got == ReleaseOutcome::released_already);
      } else if (h->second.status != ReservationStatus::active) {
        CHECK(got == ReleaseOutcome::ended);
      } else {
        CHECK(got == ReleaseOutcome::released);
        h->second.status = ReservationStatus::released;
        h->second.amount = 0;
      }
    } else if (what < 76) {  // an invoice, most carrying an order_ref: it consumes its own customer's hold
      const std::int64_t amount = pick(1, 30) * 100;
      std::optional<std::string> ref;
      if (pick(0, 3) != 0) ref = order;
      for (const auto& [r, h] : model.holds)  // half of those: an order the customer holds, if any
        if (ref && h.customer == customer && h.status == ReservationStatus::active && pick(0, 1) == 0) ref = r;
      const std::string number = "INV-" + std::to_string(++documents);
      CAPTURE(customer, number, amount, ref);
      REQUIRE(books.ledger().post_invoice(finance, Invoice{number, customer, today, std::nullopt, amount, eur, ref}).outcome ==
              LedgerOutcome::created);
      model.owed[customer] += amount;
      if (ref) {
        auto h = model.holds.find(*ref);
        if (h != model.holds.end() && h->second.status == ReservationStatus::active &&
            h->second.customer == customer) {
          h->second.amount = std::max<std::int64_t>(0, h->second.amount - amount);
          if (h->second.amount == 0) {
            h->second.status = ReservationStatus::consumed;
            ++consumed;
          }
        }
      }
    } else if (what < 84) {  // a payment: whatever it is applied to, it lowers what is owed by its amount
      const std::int64_t amount = pick(1, 30) * 100;
      const std::string reference = "PAY-" + std::to_string(++documents);
      CAPTURE(customer, reference, amount);
      REQUIRE(books.ledger().post_payment(finance, Payment{reference, customer, today, amount, eur, {}}).outcome ==
              LedgerOutcome::created);
      model.owed[customer] -= amount;
      model.payments.push_back({reference, customer, amount});
    } else if (what < 87) {  // a payment reversed (it bounced): owed again, whatever it had paid
      if (model.payments.empty()) continue;
      const auto k = static_cast<std::size_t>(pick(0, static_cast<long>(model.payments.size()) - 1));
      const ModelPayment paid = model.payments[k];
      model.payments.erase(model.payments.begin() + static_cast<long>(k));
      CAPTURE(paid.reference);
      CHECK(books.ledger().reverse_payment(finance, paid.reference, today, "returned").outcome == LedgerOutcome::created);
      model.owed[paid.customer] += paid.amount;
      ++reversed;
    } else if (what < 90) {  // a credit note of no invoice: unapplied credit, which lowers what is owed
      const std::int64_t amount = pick(1, 10) * 100;
      const std::string number = "CN-" + std::to_string(++documents);
      CAPTURE(customer, number, amount);
      REQUIRE(books.ledger().post_credit_note(finance, CreditNote{number, customer, today, amount, eur, std::nullopt}).outcome ==
              LedgerOutcome::created);
      model.owed[customer] -= amount;
    } else if (what < 95) {  // the expiry job
      std::size_t want = 0;
      for (auto& [ref, h] : model.holds)
        if (h.status == ReservationStatus::active && h.expires < day) {
          h.status = ReservationStatus::expired;
          h.amount = 0;
          ++want;
        }
      CHECK(books.credit().expire_reservations(today) == want);
      expired += static_cast<int>(want);
    } else {
      day += pick(1, 3);
    }
    // After each step: every customer's reserved credit and every order's hold, as the model says.
    for (const auto& c : customers) {
      const auto account = books.ledger().account(c, day_of(day));
      REQUIRE(account);
      CHECK(account->balance.reserved == model.reserved(c, day));
    }
    for (int k = 1; k <= 8; ++k) {
      const std::string ref = "O-" + std::to_string(k);
      const auto got = books.credit().reservation(ref);
      auto want = model.holds.find(ref);
      REQUIRE(got.has_value() == (want != model.holds.end()));
      if (!got) continue;
      CAPTURE(ref);
      CHECK(got->customer == want->second.customer);
      CHECK(got->status == want->second.status);
      CHECK(got->amount == want->second.amount);
      CHECK(got->expires == day_of(want->second.expires));
    }
  }
}

// The sequences reached every kind of outcome, so that each was compared with the model.
void every_outcome(const Reached& r) {
  CHECK(r.approved > 0);
  CHECK(r.declined > 0);
  CHECK(r.conflicts > 0);
  CHECK(r.overridden > 0);
  CHECK(r.consumed > 0);
  CHECK(r.expired > 0);
  CHECK(r.reversed > 0);
}

}  // namespace

TEST_CASE("credit property: random checks, holds and postings on SQLite decide and hold as the model says",
          "[sql][property]") {
  Reached reached;
  for (unsigned seed = 1; seed <= 12; ++seed) run_sequence("sqlite", seed, 250, reached);
  every_outcome(reached);
}

TEST_CASE("credit property: random checks, holds and postings on MariaDB decide and hold as the model says",
          "[sql][mysql][property]") {
  Reached reached;
  for (unsigned seed = 101; seed <= 106; ++seed) run_sequence("mysql", seed, 250, reached);
  every_outcome(reached);
}
