#include "core/credit_batch.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace tallyman;

namespace {

const Currency eur = *parse_currency("EUR");
const Date today = Date(date::year(2026) / 6 / 15);

StoredPosition stored(std::int64_t limit, std::int64_t open = 0) {
  StoredPosition s;
  s.currency = eur;
  s.position.limit = limit;
  s.position.open = open;
  return s;
}

CreditCheckInput input(const std::string& customer, const std::string& order, std::int64_t amount, bool reserve) {
  return {{customer, order, amount, eur, reserve}, "sales", false};
}

// What the store would read after a batch's writes: its positions with the holds in them.
void apply(const CreditBatch& batch, std::map<std::string, StoredPosition>& book) {
  for (const HoldWrite& h : batch.holds) {
    StoredPosition& s = book.at(h.reservation.customer);
    s.reserved_projection = batch.projection_after.at(h.reservation.customer);
  }
}

}  // namespace

TEST_CASE("credit batch: each check sees the holds of those before it, and what it replaces", "[core]") {
  const std::vector<CreditCheckInput> checks{input("C-1", "SO-1", 400, true), input("C-1", "SO-2", 400, true),
                                             input("C-1", "SO-3", 400, true), input("C-1", "SO-1", 100, true),
                                             input("C-1", "SO-4", 500, false)};
  const StoredPosition c1 = stored(1000);
  const CreditBatch b = decide_credit_batch(CreditPolicy{}, checks, std::vector<std::optional<StoredPosition>>(5, c1), today);
  REQUIRE(b.checks.size() == 5);
  CHECK(b.checks[0].answer.decision == CreditDecision::approved);
  CHECK(b.checks[1].answer.decision == CreditDecision::approved);
  CHECK(b.checks[1].position.reserved == 400);
  CHECK(b.checks[2].answer.decision == CreditDecision::declined);  // 800 + 400 > 1000
  // SO-1 again: its own hold of 400 left out, replaced by 100.
  CHECK(b.checks[3].position.reserved == 400);
  CHECK(b.checks[3].reservation->amount == 100);
  CHECK(b.checks[4].position.reserved == 500);
  CHECK(b.checks[4].answer.decision == CreditDecision::approved);  // 500 + 500 fits, and holds nothing
  REQUIRE(b.holds.size() == 2);  // SO-1's last hold, SO-2's
  CHECK(b.holds[0].reservation.order_ref == "SO-1");
  CHECK(b.holds[0].reservation.amount == 100);
  CHECK(b.holds[0].reservation.expires == today + date::days(30));
  CHECK(b.projection_after.at("C-1") == 500);
  REQUIRE(b.kept.size() == 1);
  CHECK(b.kept[0].request.order_ref == "SO-3");
}

TEST_CASE("credit batch: an order another customer holds is refused, lapsed or not, in the batch or stored", "[core]") {
  StoredPosition c2 = stored(1000);
  c2.order_hold = StoredPosition::Hold{"C-3", 50, today - date::days(1)};  // lapsed, not marked yet
  const CreditBatch b = decide_credit_batch(
      CreditPolicy{}, {input("C-1", "SO-1", 10, true), input("C-2", "SO-1", 10, true), input("C-2", "SO-9", 10, true)},
      {stored(1000), stored(1000), c2}, today);
  CHECK(b.checks[0].outcome == CreditOutcome::decided);
  CHECK(b.checks[1].outcome == CreditOutcome::held_elsewhere);  // C-1 took it earlier in the batch
  CHECK(b.checks[2].outcome == CreditOutcome::held_elsewhere);
  CHECK(b.holds.size() == 1);
}

TEST_CASE("credit batch: unknown customers and other currencies are refused, and hold nothing", "[core]") {
  StoredPosition usd = stored(1000);
  usd.currency = *parse_currency("USD");
  const CreditBatch b =
      decide_credit_batch(CreditPolicy{}, {input("C-0", "SO-1", 10, true), input("C-U", "SO-2", 10, true)},
                          {std::nullopt, usd}, today);
  CHECK(b.checks[0].outcome == CreditOutcome::unknown_customer);
  CHECK(b.checks[1].outcome == CreditOutcome::currency_mismatch);
  CHECK_FALSE(b.writes());
}

TEST_CASE("credit batch: an override approves past the limit and holds, a rule never does", "[core]") {
  CreditCheckInput forced = input("C-1", "SO-1", 5000, true);
  forced.overridden = true;
  const CreditBatch b = decide_credit_batch(CreditPolicy{}, {forced}, {stored(1000)}, today);
  CHECK(b.checks[0].answer.decision == CreditDecision::approved);
  CHECK(b.checks[0].answer.reasons == std::vector<CreditReason>{CreditReason::over_limit});
  CHECK(b.holds.front().overridden);
  CHECK(b.kept.empty());
}

TEST_CASE("credit batch: random batches decide as the same checks one at a time", "[core]") {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int round = 0; round < 200; ++round) {
    std::map<std::string, StoredPosition> together, alone;
    for (const char* c : {"C-1", "C-2"}) together[c] = alone[c] = stored(pick(1, 20) * 100, pick(0, 5) * 100);
    std::vector<CreditCheckInput> checks;
    for (int k = pick(1, 12); k > 0; --k)
      checks.push_back(input(pick(0, 1) ? "C-1" : "C-2", "SO-" + std::to_string(pick(1, 4)), pick(1, 8) * 100,
                             pick(0, 3) != 0));
    std::vector<std::optional<StoredPosition>> positions;
    for (const CreditCheckInput& c : checks) positions.push_back(together.at(c.request.customer));
    const CreditBatch batch = decide_credit_batch(CreditPolicy{}, checks, positions, today);
    // One at a time: each batch of one on the positions the earlier ones' writes left.
    std::map<std::string, StoredPosition::Hold> orders;
    for (std::size_t k = 0; k < checks.size(); ++k) {
      StoredPosition now = alone.at(checks[k].request.customer);
      if (auto o = orders.find(checks[k].request.order_ref); o != orders.end()) now.order_hold = o->second;
      const CreditBatch one = decide_credit_batch(CreditPolicy{}, {checks[k]}, {now}, today);
      INFO("round " << round << " check " << k);
      CHECK(one.checks[0].outcome == batch.checks[k].outcome);
      CHECK(one.checks[0].answer.decision == batch.checks[k].answer.decision);
      CHECK(one.checks[0].answer.after_order == batch.checks[k].answer.after_order);
      CHECK(one.checks[0].position.reserved == batch.checks[k].position.reserved);
      for (const HoldWrite& h : one.holds) {
        StoredPosition& s = alone.at(h.reservation.customer);
        const std::int64_t replaced = orders.contains(h.reservation.order_ref) ? orders[h.reservation.order_ref].amount : 0;
        s.position.reserved += h.reservation.amount - replaced;
        s.reserved_projection = one.projection_after.at(h.reservation.customer);
        orders[h.reservation.order_ref] = {h.reservation.customer, h.reservation.amount, h.reservation.expires};
      }
    }
    apply(batch, together);
    for (const char* c : {"C-1", "C-2"}) CHECK(together.at(c).reserved_projection == alone.at(c).reserved_projection);
  }
}
