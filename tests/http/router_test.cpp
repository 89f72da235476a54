// The router over a fake of one area of the books (core/books.hpp): the credit check's route,
// its key, role, body and answer, with no database and no process. The fake stands in for the
// area only; a route that reaches for another area fails the test.
#include "http/keys.hpp"
#include "http/router.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>

using namespace tallyman;

namespace {

struct FakeAccess final : AccessBooks {
  void ping() override {}
  std::optional<Actor> key_holder(const std::string& hash) override {
    if (hash == http::key_hash("sales-key")) return Actor{"sam", Role::sales, "", ""};
    if (hash == http::key_hash("collector-key")) return Actor{"cleo", Role::collector, "", ""};
    return std::nullopt;
  }
  bool add_key(const std::string&, Role, const std::string&) override { return true; }
  std::vector<KeyInfo> keys() override { return {}; }
  bool revoke_key(const std::string&) override { return false; }
};

struct FakeCredit final : CreditBooks {
  std::vector<CreditCheckInput> asked;
  CreditOutcome outcome = CreditOutcome::decided;
  CreditAnswers check_credits(const std::vector<CreditCheckInput>& checks, Date) override {
    asked.insert(asked.end(), checks.begin(), checks.end());
    CreditAnswers a;
    for (const CreditCheckInput& c : checks) {
      CreditCheck check{outcome, c.request, {}, {}, std::nullopt};
      check.position.limit = 1000;
      check.position.open = 300;
      check.answer = decide_credit(CreditPolicy{}, check.position, c.request.amount);
      a.checks.push_back(check);
    }
    return a;
  }
  CreditCheck override_check(const Actor&, const std::string&, const std::string&, bool, Date) override { return {}; }
  ReleaseOutcome release_reservation(const Actor&, const std::string&) override { return ReleaseOutcome::released; }
  std::optional<Reservation> reservation(const std::string&) override { return std::nullopt; }
  CreditPolicy credit_policy() override { return {}; }
  PolicyChange put_credit_policy(const Actor&, const CreditPolicy&) override { return PolicyChange::unchanged; }
  std::optional<StoredScore> score(const std::string&) override { return std::nullopt; }
  Page<GradingRun> grading_runs(const PageRequest&) override { return {}; }
  std::vector<Reservation> reservations(const std::string&, const std::optional<ReservationStatus>&) override { return {}; }
  Page<RefusedCheck> refused_checks(bool, const PageRequest&) override { return {}; }
};

struct FakeBooks final : Books {
  FakeAccess access_;
  FakeCredit credit_;
  AccessBooks& access() override { return access_; }
  CreditBooks& credit() override { return credit_; }
  LedgerBooks& ledger() override { throw std::logic_error("the credit check reached for the ledger"); }
  CollectionsBooks& collections() override { throw std::logic_error("the credit check reached for collections"); }
  ReportBooks& reports() override { throw std::logic_error("the credit check reached for the reports"); }
  RunBooks& runs() override { throw std::logic_error("the credit check reached for the runs"); }
  CashBooks& cash() override { throw std::logic_error("the credit check reached for cash application"); }
};

http::Request check(const std::string& key, const std::string& body) {
  return {"POST", "/v1/credit-checks", key.empty() ? "" : "Bearer " + key, "application/json", "", "r-1", body};
}

const std::string good = R"({"customer":"C-1","order_ref":"SO-1","amount":500,"currency":"EUR","reserve":true})";

}  // namespace

TEST_CASE("router: a credit check over a fake credit area: the key, the role, the body, the answer", "[http]") {
  http::Metrics metrics;
  http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  FakeBooks books;

  const http::Response ok = router.handle(check("sales-key", good), &books);
  REQUIRE(ok.status == 200);
  REQUIRE(books.credit_.asked.size() == 1);
  CHECK(books.credit_.asked[0].actor == "sam");
  CHECK(books.credit_.asked[0].request == CreditCheckRequest{"C-1", "SO-1", 500, *parse_currency("EUR"), true});
  const auto doc = nlohmann::json::parse(ok.body);
  CHECK(doc["decision"] == "approved");
  CHECK(doc["exposure"]["after_order"] == 800);
  CHECK(doc["exposure"]["available"] == 700);
  CHECK(ok.route == "POST /v1/credit-checks");

  CHECK(router.handle(check("", good), &books).status == 401);
  CHECK(router.handle(check("collector-key", good), &books).status == 403);
  CHECK(router.handle(check("sales-key", R"({"customer":"C-1","amount":0})"), &books).status == 422);
  CHECK(books.credit_.asked.size() == 1);  // none of those reached the books

  books.credit_.outcome = CreditOutcome::held_elsewhere;
  CHECK(router.handle(check("sales-key", good), &books).status == 409);
  books.credit_.outcome = CreditOutcome::unknown_customer;
  CHECK(router.handle(check("sales-key", good), &books).status == 422);
  books.credit_.outcome = CreditOutcome::currency_mismatch;
  CHECK(router.handle(check("sales-key", good), &books).status == 422);
}

TEST_CASE("router: targets are read by Boost.URL: escapes decoded per segment, a broken one refused", "[http]") {
  http::Metrics metrics;
  http::Router router{{[] { return parse_date("2026-06-15").value(); }, *parse_currency("EUR")}, metrics};
  FakeBooks books;
  auto get = [&](const std::string& target) {
    return router.handle({"GET", target, "Bearer sales-key", "", "", "r-2", ""}, &books);
  };
  const http::Response slash = get("/v1/reservations/SO%2F1");  // '/' is an id's character
  CHECK(slash.status == 404);
  CHECK(slash.body.find("order SO/1") != std::string::npos);
  CHECK(get("/v1/reservations/SO%2").status == 400);
  CHECK(get("/v1/reservations/SO%zz").status == 400);
  CHECK(get("/v1/reservations/S%C3%96").status == 404);  // not an id: names nothing
  CHECK(get("v1/reservations/SO-1").status == 400);      // not origin-form
  CHECK(get("/v1/reservations/SO-1?x=a+b%20c&&=").status == 404);
}
