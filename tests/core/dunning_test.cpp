#include "core/dunning.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

OpenInvoice inv(const char* number, const char* due, std::int64_t open, bool disputed = false) {
  return {number, d(due), open, disputed};
}

const Date as_of = d("2026-03-31");

}  // namespace

TEST_CASE("dunning: the level is the highest whose days the largest days overdue reach", "[core]") {
  const DunningPolicy p = default_dunning_policy();
  auto level = [&](const char* due) {
    auto a = assess_dunning(p, {inv("I-1", due, 5000)}, std::nullopt, false, as_of);
    return a.dunned() ? a.level->level : 0;
  };
  CHECK(level("2026-03-31") == 0);  // due today: not overdue
  CHECK(level("2026-03-30") == 1);  // 1 day
  CHECK(level("2026-03-17") == 1);  // 14 days
  CHECK(level("2026-03-16") == 2);  // 15 days
  CHECK(level("2026-03-01") == 3);  // 30 days: final notice, with the credit hold
  CHECK(assess_dunning(p, {inv("I-1", "2026-03-01", 5000)}, std::nullopt, false, as_of).level->credit_hold);
  CHECK(level("2026-01-30") == 4);  // 60 days
}

TEST_CASE("dunning: the largest days overdue among the invoices decide, the amount sums them", "[core]") {
  const auto a = assess_dunning(default_dunning_policy(),
                                {inv("I-1", "2026-03-25", 600), inv("I-2", "2026-02-20", 700), inv("I-3", "2026-04-30", 900)},
                                std::nullopt, false, as_of);
  CHECK(a.overdue == 1300);
  CHECK(a.max_days_overdue == 39);
  CHECK(a.invoices == std::vector<std::string>{"I-1", "I-2"});
  CHECK(a.level->level == 3);
}

TEST_CASE("dunning: disputed invoices are left out, and so is money under the minimum", "[core]") {
  const DunningPolicy p = default_dunning_policy();  // minimum 1000
  const auto disputed = assess_dunning(p, {inv("I-1", "2026-01-01", 50000, true), inv("I-2", "2026-03-20", 999)},
                                       std::nullopt, false, as_of);
  CHECK(disputed.overdue == 999);
  CHECK(disputed.max_days_overdue == 11);
  CHECK(disputed.below_minimum);
  CHECK(!disputed.dunned());
  CHECK(assess_dunning(p, {inv("I-2", "2026-03-20", 1000)}, std::nullopt, false, as_of).dunned());
}

TEST_CASE("dunning: a pending promise leaves the customer alone", "[core]") {
  const auto a = assess_dunning(default_dunning_policy(), {inv("I-1", "2026-01-01", 5000)}, std::nullopt, true, as_of);
  CHECK(a.any_overdue());
  CHECK(a.promise_pending);
  CHECK(!a.dunned());
}

TEST_CASE("dunning: per-grade overrides move a level sooner or later", "[core]") {
  DunningPolicy p = default_dunning_policy();
  p.levels[2].grade_days = {{'C', 20}, {'A', 45}};  // final notice
  const std::vector<OpenInvoice> books{inv("I-1", "2026-03-08", 5000)};  // 23 days
  CHECK(assess_dunning(p, books, 'C', false, as_of).level->level == 3);
  CHECK(assess_dunning(p, books, 'B', false, as_of).level->level == 2);
  CHECK(assess_dunning(p, books, std::nullopt, false, as_of).level->level == 2);
  const std::vector<OpenInvoice> later{inv("I-1", "2026-02-20", 5000)};  // 39 days
  CHECK(assess_dunning(p, later, 'B', false, as_of).level->level == 3);
  CHECK(assess_dunning(p, later, 'A', false, as_of).level->level == 2);
}

TEST_CASE("dunning: within an episode a level is tasked once, a higher one again", "[core]") {
  const auto a = assess_dunning(default_dunning_policy(), {inv("I-1", "2026-03-16", 5000)}, std::nullopt, false, as_of);
  REQUIRE(a.level->level == 2);
  CHECK(needs_task(a, std::nullopt));
  CHECK(needs_task(a, 1));
  CHECK(!needs_task(a, 2));
  CHECK(!needs_task(a, 3));
  const auto nothing = assess_dunning(default_dunning_policy(), {}, std::nullopt, false, as_of);
  CHECK(!needs_task(nothing, std::nullopt));
}

TEST_CASE("dunning: a policy is refused field by field", "[core]") {
  CHECK(validate(default_dunning_policy()).empty());
  DunningPolicy p = default_dunning_policy();
  p.min_amount = -1;
  p.levels[1].days_overdue = 1;     // not more than level 1's
  p.levels[2].level = 5;            // not counting up
  p.levels[3].action = "call me";   // not a name
  p.levels[0].grade_days = {{'D', 3}};
  const FieldErrors errors = validate(p);
  CHECK(errors.size() == 5);
  DunningPolicy empty;
  CHECK(validate(empty).size() == 1);
}

TEST_CASE("dunning: a promise is pending to its date, kept once paid, broken after", "[core]") {
  const Promise p{1000, d("2026-03-01"), d("2026-03-10")};
  CHECK(promise_state(p, 0, d("2026-03-05")) == PromiseState::pending);
  CHECK(promise_state(p, 999, d("2026-03-10")) == PromiseState::pending);  // its last day
  CHECK(promise_state(p, 999, d("2026-03-11")) == PromiseState::broken);
  CHECK(promise_state(p, 1000, d("2026-03-05")) == PromiseState::kept);
  CHECK(promise_state(p, 1500, d("2026-04-01")) == PromiseState::kept);
}

TEST_CASE("dunning: unapplied credit covers the oldest overdue invoices first, and dunning sees the rest", "[core]") {
  DunningPolicy p = default_dunning_policy();
  const std::vector<OpenInvoice> invoices{inv("I-OLD", "2026-01-15", 3000), inv("I-NEW", "2026-03-21", 5000)};
  const auto netted = assess_dunning(p, invoices, std::nullopt, false, as_of, 4000);
  CHECK(netted.credit == 4000);
  CHECK(netted.overdue == 4000);
  CHECK(netted.max_days_overdue == 10);  // I-OLD is covered: only I-NEW's days count
  CHECK(netted.level->level == 1);
  CHECK(netted.invoices == std::vector<std::string>{"I-OLD", "I-NEW"});
  // Credit that covers it all: nothing overdue for dunning.
  const auto covered = assess_dunning(p, invoices, std::nullopt, false, as_of, 9000);
  CHECK(!covered.any_overdue());
  CHECK(covered.credit == 8000);
  // What is left under the minimum is not dunned.
  CHECK(assess_dunning(p, invoices, std::nullopt, false, as_of, 7500).below_minimum);
  // The policy may dun gross.
  p.net_unapplied = false;
  const auto gross = assess_dunning(p, invoices, std::nullopt, false, as_of, 4000);
  CHECK(gross.credit == 0);
  CHECK(gross.overdue == 8000);
  CHECK(gross.level->level == 4);
}

TEST_CASE("dunning: a customer that skips levels is held by the hold of a level below, and its notice cites nothing unsent",
          "[core]") {
  const DunningPolicy p = default_dunning_policy();  // the hold is at level 3
  CHECK(!p.holds_at(2));
  CHECK(p.holds_at(3));
  CHECK(p.holds_at(4));
  const std::vector<DunningState> page{{"C-4", "Jumps Ltd", *parse_currency("EUR"), std::nullopt, 0, std::nullopt, false, {}, 0}};
  const std::map<std::string, std::vector<OpenInvoice>> overdue{{"C-4", {inv("I-1", "2026-01-01", 5000)}}};
  int examined = 0;
  const auto steps = plan_dunning(p, page, overdue, {}, {}, as_of, examined);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].task->level == 4);
  CHECK(steps[0].sets_hold);
  REQUIRE(steps[0].notice);
  CHECK(steps[0].notice->sent.empty());
  CHECK(steps[0].notice->credit_hold);
  // Already at level 4 without a hold (a policy that gained one since): held, no new task.
  DunningState at_four = page[0];
  at_four.episode = 1;
  at_four.level = 4;
  const auto later = plan_dunning(p, {at_four}, overdue, {}, {}, as_of, examined);
  REQUIRE(later.size() == 1);
  CHECK(!later[0].task);
  CHECK(later[0].sets_hold);
}
