#include "core/kpis.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

TEST_CASE("kpis: ratios in tenths, rounded half away from zero, none over nothing", "[core]") {
  CHECK(tenths(7, 16) == 4);        // 0.4375 -> 0.4
  CHECK(tenths(7000, 160) == 438);  // 43.75 -> 43.8
  CHECK(tenths(-7000, 160) == -438);
  CHECK(tenths(1, 20) == 1);        // 0.05 -> 0.1
  CHECK(tenths(0, 5) == 0);
  CHECK(tenths(5, 0) == std::nullopt);
  const Wide big = static_cast<Wide>(9007199254740991) * 36500;  // an amount past 2^53 times a century of days
  CHECK(tenths(big, 9007199254740991) == 365000);
}

TEST_CASE("kpis: a group's figures are its members' sums, the ratios over their sums", "[core]") {
  const KpiInputs one{150000, 120000, 30000, 30000, 60000, 600000};
  const KpiInputs two{0, 0, 0, 10000, 10000, 0};
  const KpiRow r = kpis({one, two}, 30);
  CHECK(r.opening_ar == 150000);
  CHECK(r.closing_ar == 120000);
  CHECK(r.invoiced == 40000);
  CHECK(r.collected == 70000);
  CHECK(r.dso == 900);
  CHECK(r.best_possible_dso == 225);
  CHECK(r.add == 675);
  CHECK(r.cei == 438);
  CHECK(r.wadl == 86);
  const KpiRow none = kpis({}, 31);
  CHECK(!none.dso);
  CHECK(!none.cei);
  CHECK(!none.wadl);
}
