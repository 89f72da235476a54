#include "core/credit.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

using R = CreditReason;
using D = CreditDecision;

CreditPosition clean(std::int64_t limit = 1'000'000) {
  CreditPosition p;
  p.limit = limit;
  p.open = 250'000;
  return p;
}

}  // namespace

TEST_CASE("credit: within the limit and nothing else, approved with the exposure breakdown", "[core]") {
  CreditPosition p = clean();
  p.unapplied = 10'000;
  p.reserved = 60'000;
  const CreditAnswer a = decide_credit(CreditPolicy{}, p, 120'000);
  CHECK(a.decision == D::approved);
  CHECK(a.reasons.empty());
  CHECK(a.exposure == 300'000);
  CHECK(a.available == 700'000);
  CHECK(a.after_order == 420'000);
}

TEST_CASE("credit: exactly at the limit is within it, one minor unit over is declined", "[core]") {
  CHECK(decide_credit(CreditPolicy{}, clean(), 750'000).decision == D::approved);
  const CreditAnswer over = decide_credit(CreditPolicy{}, clean(), 750'001);
  CHECK(over.decision == D::declined);
  CHECK(over.reasons == std::vector<R>{R::over_limit});
}

TEST_CASE("credit: the tolerance band above the limit is review, beyond it declined", "[core]") {
  CreditPolicy policy;
  policy.over_limit_review_bp = 1000;  // 10%: up to 1,100,000
  CHECK(decide_credit(policy, clean(), 850'000).decision == D::review);
  CHECK(decide_credit(policy, clean(), 850'000).reasons == std::vector<R>{R::over_limit});
  CHECK(decide_credit(policy, clean(), 850'001).decision == D::declined);
  policy.check_limit = false;
  CHECK(decide_credit(policy, clean(), 5'000'000).decision == D::approved);
}

TEST_CASE("credit: a limit of 0 means no credit at all", "[core]") {
  CreditPosition p = clean(0);
  p.open = 0;
  CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::declined);
}

TEST_CASE("credit: manual hold and dunning hold decline, each with its reason", "[core]") {
  CreditPosition p = clean();
  p.on_hold = true;
  CHECK(decide_credit(CreditPolicy{}, p, 1).reasons == std::vector<R>{R::on_hold});
  CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::declined);
  p.on_hold = false;
  p.dunning_hold = true;
  CHECK(decide_credit(CreditPolicy{}, p, 1).reasons == std::vector<R>{R::dunning_hold});
  CreditPolicy off;
  off.decline_on_dunning_hold = false;
  CHECK(decide_credit(off, p, 1).decision == D::approved);
}

TEST_CASE("credit: overdue days past the threshold is review, at it not", "[core]") {
  CreditPosition p = clean();
  p.overdue = 1;
  p.max_days_overdue = 30;
  CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::approved);
  p.max_days_overdue = 31;
  CHECK(decide_credit(CreditPolicy{}, p, 1).reasons == std::vector<R>{R::overdue_days});
  CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::review);
  CreditPolicy off;
  off.review_overdue_days.reset();
  CHECK(decide_credit(off, p, 1).decision == D::approved);
}

TEST_CASE("credit: overdue money over its share of the limit is review", "[core]") {
  CreditPosition p = clean();  // limit 1,000,000; the default share 20% is 200,000
  p.overdue = 200'000;
  CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::approved);
  p.overdue = 200'001;
  CHECK(decide_credit(CreditPolicy{}, p, 1).reasons == std::vector<R>{R::overdue_amount});
  CreditPolicy off;
  off.review_overdue_share_bp.reset();
  CHECK(decide_credit(off, p, 1).decision == D::approved);
}

TEST_CASE("credit: grade C is review, A and B are not", "[core]") {
  CreditPosition p = clean();
  for (char g : {'A', 'B'}) {
    p.grade = g;
    CHECK(decide_credit(CreditPolicy{}, p, 1).decision == D::approved);
  }
  p.grade = 'C';
  CHECK(decide_credit(CreditPolicy{}, p, 1).reasons == std::vector<R>{R::grade});
  CreditPolicy off;
  off.review_grade_c = false;
  CHECK(decide_credit(off, p, 1).decision == D::approved);
}

TEST_CASE("credit: no limit yet is review with no_limit", "[core]") {
  CreditPosition p;
  const CreditAnswer a = decide_credit(CreditPolicy{}, p, 5);
  CHECK(a.decision == D::review);
  CHECK(a.reasons == std::vector<R>{R::no_limit});
  CHECK(!a.available);
  CreditPolicy off;
  off.review_no_limit = false;
  CHECK(decide_credit(off, p, 5).decision == D::approved);
}

TEST_CASE("credit: every reason that applies is given, and a declining one wins", "[core]") {
  CreditPosition p = clean();
  p.on_hold = true;
  p.dunning_hold = true;
  p.overdue = 900'000;
  p.max_days_overdue = 90;
  p.grade = 'C';
  const CreditAnswer a = decide_credit(CreditPolicy{}, p, 800'000);
  CHECK(a.reasons == std::vector<R>{R::over_limit, R::on_hold, R::dunning_hold, R::overdue_days, R::overdue_amount,
                                    R::grade});
  CHECK(a.decision == D::declined);
  CreditPosition reviews = clean();
  reviews.max_days_overdue = 45;
  reviews.overdue = 300'000;
  reviews.grade = 'C';
  const CreditAnswer b = decide_credit(CreditPolicy{}, reviews, 10);
  CHECK(b.reasons == std::vector<R>{R::overdue_days, R::overdue_amount, R::grade});
  CHECK(b.decision == D::review);
}

TEST_CASE("credit: a policy out of range is refused field by field", "[core]") {
  CreditPolicy p;
  p.over_limit_review_bp = -1;
  p.review_overdue_share_bp = 100'001;
  p.review_overdue_days = -5;
  p.reservation_days = 0;
  CHECK(validate(p).size() == 4);
  CHECK(validate(CreditPolicy{}).empty());
}
