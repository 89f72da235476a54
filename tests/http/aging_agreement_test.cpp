// GET /v1/reports/aging and `tallyman report aging --format json` print the same document
// (contract §6), on a random book posted through the API, as of random dates, both bases.
#include "core/calendar.hpp"
#include "http/support.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace tallyman;
using test::json;

TEST_CASE("aging: the endpoint agrees with the command line on a random book", "[http][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::Service s(backend);
  std::mt19937 rng(20261123);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto day = [&](int offset) {
    const Date d = Date(date::year(2026) / 1 / 1) + date::days(offset);
    return format_date(d);
  };
  const int customers = 12;
  for (int c = 0; c < customers; ++c) {
    json body{{"id", "C-" + std::to_string(c)}, {"name", "Customer " + std::to_string(c)}, {"currency", "EUR"}};
    if (c % 3 == 0) body["terms"] = "EOM30";
    REQUIRE(s.call("POST", "/v1/customers", "finance", body).status == 201);
  }
  for (int k = 0; k < 80; ++k) {
    json body{{"number", "INV-" + std::to_string(k)}, {"customer", "C-" + std::to_string(pick(0, customers - 1))},
              {"issue_date", day(pick(0, 150))},         {"amount", pick(1, 500000)},
              {"currency", "EUR"}};
    if (pick(0, 1) == 1) body["due_date"] = day(150 + pick(0, 60));
    REQUIRE(s.call("POST", "/v1/invoices", "finance", body).status == 201);
  }
  for (int k = 0; k < 40; ++k) {
    json body{{"reference", "PAY-" + std::to_string(k)}, {"customer", "C-" + std::to_string(pick(0, customers - 1))},
              {"received_date", day(pick(10, 200))},      {"amount", pick(1, 600000)},
              {"currency", "EUR"}};
    REQUIRE(s.call("POST", "/v1/payments", "finance", body).status == 201);
  }
  for (int round = 0; round < 6; ++round) {
    const std::string as_of = day(pick(0, 260));
    const std::string basis = round % 2 == 0 ? "due_date" : "issue_date";
    const std::string buckets = round % 3 == 0 ? "30,60,90" : "15,45";
    auto http = s.call("GET", "/v1/reports/aging?as_of=" + as_of + "&basis=" + basis + "&buckets=" + buckets, "collector");
    REQUIRE(http.status == 200);
    int status = -1;
    const std::string cli = test::run_tallyman(
        {"report", "aging", "--as-of", as_of, "--basis", basis, "--buckets", buckets, "--format", "json", "--db", s.url()},
        &status);
    REQUIRE(status == 0);
    INFO("as of " << as_of << " by " << basis);
    CHECK(json::parse(http.body) == json::parse(cli));
    CHECK(!json::parse(http.body)["customers"].empty());
  }
}
