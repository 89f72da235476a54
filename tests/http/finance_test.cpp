// Provisions and early warning (contract §8) over HTTP: a provision worked out by hand here
// (docs/reports.md has the same example), the policy's checks, each watch-list signal on a
// customer made to show it, and the event a first signal sends to the webhook.
#include "http/support.hpp"

#include <catch2/catch.hpp>
#include <date/date.h>

#include <chrono>
#include <thread>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

void post(const Service& s, const std::string& target, const json& body, const std::string& role = "finance") {
  auto r = s.call("POST", target, role, body);
  INFO(target << " " << r.body);
  REQUIRE((r.status == 201 || r.status == 200));
}

void invoice(const Service& s, const std::string& number, const std::string& customer, const std::string& issued,
             const std::string& due, std::int64_t amount) {
  post(s, "/v1/invoices", {{"number", number}, {"customer", customer}, {"issue_date", issued}, {"due_date", due},
                           {"amount", amount}, {"currency", "EUR"}});
}

json get(const Service& s, const std::string& target, const std::string& role = "collector") {
  auto r = s.call("GET", target, role);
  INFO(target << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json_body();
}

json row(const json& report, const std::string& customer) {
  for (const json& r : report["customers"])
    if (r["customer"] == customer) return r;
  return json();
}

std::string days_from_today(int days) {
  const auto day = date::floor<date::days>(std::chrono::system_clock::now()) + date::days(days);
  return date::format("%F", day);
}

}  // namespace

TEST_CASE("finance: the provision of a month-end by the policy, a disputed invoice at its rate, and the movement",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  post(s, "/v1/customers", {{"id", "P-1"}, {"name", "Provided For"}, {"currency", "EUR"}});
  post(s, "/v1/customers", {{"id", "P-2"}, {"name", "Credit Only"}, {"currency", "EUR"}});
  // As of 2026-06-30, under the default policy (1% current, 3% 1-30, 10% 31-60, 25% 61-90,
  // 50% 91+, 50% disputed):
  invoice(s, "I-1", "P-1", "2026-01-01", "2026-07-15", 100000);  // current
  invoice(s, "I-2", "P-1", "2026-01-01", "2026-06-10", 33346);   // 20 days: 1-30
  invoice(s, "I-6", "P-1", "2026-01-01", "2026-06-25", 14);      // 5 days: 1-30
  invoice(s, "I-3", "P-1", "2026-01-01", "2026-05-01", 50000);   // 60 days: 31-60
  invoice(s, "I-4", "P-1", "2026-01-01", "2026-03-01", 20000);   // 121 days: 91+, 50.00 paid on it
  invoice(s, "I-5", "P-1", "2026-01-01", "2026-06-20", 15000);   // disputed
  post(s, "/v1/payments", {{"reference", "PAY-1"}, {"customer", "P-1"}, {"received_date", "2026-06-20"},
                           {"amount", 5000}, {"currency", "EUR"}, {"allocations", {{{"invoice", "I-4"}, {"amount", 5000}}}}});
  post(s, "/v1/invoices/I-5/dispute", {{"reason", "goods damaged"}}, "collector");
  post(s, "/v1/payments", {{"reference", "PAY-2"}, {"customer", "P-2"}, {"received_date", "2026-06-01"},
                           {"amount", 9000}, {"currency", "EUR"}});

  json june = get(s, "/v1/reports/provision?as_of=2026-06-30&compare_to=2026-05-31");
  CHECK(june["policy"] == json{{"buckets", {30, 60, 90}},
                               {"rates_bp", {{"current", 100}, {"1-30", 300}, {"31-60", 1000}, {"61-90", 2500}, {"91+", 5000}}},
                               {"disputed_bp", 5000}});
  REQUIRE(june["customers"].size() == 1);  // P-2 has no AR, only credit
  const json p1 = row(june, "P-1");
  // 1-30 holds 333.46 + 0.14 = 333.60 at 3%: 10.008, one cent rounded per bucket (per invoice
  // it would be 10.00 + 0.00).
  CHECK(p1["by_bucket"]["current"] == json{{"ar", 100000}, {"provision", 1000}});
  CHECK(p1["by_bucket"]["1-30"] == json{{"ar", 33360}, {"provision", 1001}});
  CHECK(p1["by_bucket"]["31-60"] == json{{"ar", 50000}, {"provision", 5000}});
  CHECK(p1["by_bucket"]["61-90"] == json{{"ar", 0}, {"provision", 0}});
  CHECK(p1["by_bucket"]["91+"] == json{{"ar", 15000}, {"provision", 7500}});
  CHECK(p1["by_bucket"]["disputed"] == json{{"ar", 15000}, {"provision", 7500}});
  CHECK(p1["ar"] == 213360);
  CHECK(p1["provision"] == 22001);
  // As of 2026-05-31: current 1,333.60 at 1% (13.34), I-3 30 days (15.00), I-4 91 days unpaid
  // (100.00), the dispute 75.00: 203.34; the movement 16.67.
  CHECK(p1["previous_provision"] == 20334);
  CHECK(p1["movement"] == 1667);
  CHECK(june["totals"]["provision"] == 22001);
  CHECK(june["totals"]["movement"] == 1667);

  // CSV: a row per customer and the totals, every bucket's figures as columns.
  auto csv = s.call("GET", "/v1/reports/provision?as_of=2026-06-30", "collector", std::string(),
                    test::Headers{{"Accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  CHECK(csv.body.find("by_bucket.1-30.provision") != std::string::npos);
  CHECK(csv.body.find("\ntotal,") != std::string::npos);

  // A stricter policy: new buckets need a rate each; the report follows it.
  auto bad = s.call("PUT", "/v1/provision-policy", "finance", json{{"buckets", {60}}});
  CHECK(bad.status == 422);
  CHECK(bad.body.find("rates_bp.current") == std::string::npos);  // kept
  CHECK(bad.body.find("rates_bp.61+") != std::string::npos);
  CHECK(s.call("PUT", "/v1/provision-policy", "finance", json{{"rates_bp", {{"current", 10001}}}}).status == 422);
  CHECK(s.call("PUT", "/v1/provision-policy", "finance", json{{"rates_bp", {{"90+", 100}}}}).status == 422);
  CHECK(s.call("PUT", "/v1/provision-policy", "collector", json{{"disputed_bp", 0}}).status == 403);
  auto put = s.call("PUT", "/v1/provision-policy", "finance",
                    json{{"buckets", {60}}, {"rates_bp", {{"current", 0}, {"1-60", 500}, {"61+", 10000}}}, {"disputed_bp", 0}});
  REQUIRE(put.status == 200);
  json strict = get(s, "/v1/reports/provision?as_of=2026-06-30");
  // 1-60: 333.60 + 500.00 at 5% = 41.68; 61+: 150.00 in full; the dispute at nothing.
  CHECK(row(strict, "P-1")["provision"] == 4168 + 15000);
  CHECK(get(s, "/v1/audit?entity=provision_policy")["items"].size() == 1);
  CHECK(s.call("GET", "/v1/reports/provision?as_of=2026-06-30&compare_to=2026-07-01", "collector").status == 400);
}

TEST_CASE("finance: the watch-list shows each early signal on the customer made to show it, by the policy",
          "[http][mysql]") {
  Service s(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  auto today = [](int days) { return days_from_today(days); };
  auto customer = [&](const std::string& id, std::optional<std::int64_t> limit) {
    json c{{"id", id}, {"name", "Customer " + id}, {"currency", "EUR"}};
    if (limit) c["credit_limit"] = *limit;
    post(s, "/v1/customers", c);
  };
  customer("W-1", 100000);  // owes 95% of its limit
  invoice(s, "W1-1", "W-1", today(-10), today(20), 95000);
  customer("W-2", 100000);  // 60% of its limit falls due in five days
  invoice(s, "W2-1", "W-2", today(-25), today(5), 60000);
  customer("W-3", std::nullopt);  // a payment bounced three days ago
  post(s, "/v1/payments", {{"reference", "W3-P"}, {"customer", "W-3"}, {"received_date", today(-20)}, {"amount", 10000},
                           {"currency", "EUR"}});
  post(s, "/v1/payments/W3-P/reverse", {{"date", today(-3)}, {"reason", "returned by the bank"}});
  customer("W-4", std::nullopt);  // promised to pay ten days ago, and did not
  invoice(s, "W4-1", "W-4", today(-60), today(-40), 50000);
  post(s, "/v1/promises", {{"customer", "W-4"}, {"amount", 50000}, {"made_on", today(-30)}, {"promised_date", today(-10)}},
       "collector");
  customer("W-5", std::nullopt);  // paid on time before the window, 40 days late in it
  invoice(s, "W5-1", "W-5", today(-180), today(-150), 10000);
  post(s, "/v1/payments", {{"reference", "W5-P1"}, {"customer", "W-5"}, {"received_date", today(-150)}, {"amount", 10000},
                           {"currency", "EUR"}});
  invoice(s, "W5-2", "W-5", today(-90), today(-60), 10000);
  post(s, "/v1/payments", {{"reference", "W5-P2"}, {"customer", "W-5"}, {"received_date", today(-20)}, {"amount", 10000},
                           {"currency", "EUR"}});
  customer("W-6", std::nullopt);  // graded A by hand, never paid: a run lowers it to C
  REQUIRE(s.call("PATCH", "/v1/customers/W-6", "finance", json{{"grade", "A"}}).status == 200);
  invoice(s, "W6-1", "W-6", today(-60), today(-30), 1000);
  post(s, "/v1/grading-runs", {{"as_of", today(0)}});
  customer("W-7", 100000);  // nothing to see
  invoice(s, "W7-1", "W-7", today(-10), today(20), 1000);

  json list = get(s, "/v1/reports/watchlist");
  auto codes = [&](const json& report, const std::string& id) {
    std::vector<std::string> out;
    const json r = row(report, id);
    for (const json& signal : r["signals"]) out.push_back(signal["code"]);
    return out;
  };
  CHECK(codes(list, "W-1") == std::vector<std::string>{"near_limit"});
  CHECK(row(list, "W-1")["signals"][0]["detail"] == "balance 950.00 is 95.0% of the credit limit 1,000.00");
  CHECK(codes(list, "W-2") == std::vector<std::string>{"large_due_soon"});
  CHECK(codes(list, "W-3") == std::vector<std::string>{"bounced_payment"});
  CHECK(row(list, "W-3")["signals"][0]["detail"] == "payment W3-P of 100.00 reversed on " + today(-3));
  CHECK(codes(list, "W-4") == std::vector<std::string>{"broken_promise"});
  CHECK(codes(list, "W-5") == std::vector<std::string>{"paying_slower"});
  CHECK(row(list, "W-5")["signals"][0]["detail"] == "paid 40.0 days late on average in the last 90 days, 0.0 in the 90 before");
  CHECK(codes(list, "W-6") == std::vector<std::string>{"grade_drop"});
  CHECK(row(list, "W-7").is_null());
  CHECK(list["customers"].size() == 6);
  // One customer's signals, for its page; and as of a day before the bounce, none for W-3.
  CHECK(get(s, "/v1/reports/watchlist?customer=W-3")["customers"].size() == 1);
  CHECK(row(get(s, "/v1/reports/watchlist?as_of=" + today(-4)), "W-3").is_null());

  // The policy: a threshold set to null switches its signal off; bad values are refused.
  CHECK(s.call("PUT", "/v1/watch-policy", "finance", json{{"window_days", 0}}).status == 422);
  CHECK(s.call("PUT", "/v1/watch-policy", "finance", json{{"near_limit_bp", "high"}}).status == 422);
  auto put = s.call("PUT", "/v1/watch-policy", "finance", json{{"near_limit_bp", nullptr}, {"due_soon_limit_bp", 7000}});
  REQUIRE(put.status == 200);
  CHECK(put.json_body()["near_limit_bp"].is_null());
  json quieter = get(s, "/v1/reports/watchlist");
  CHECK(row(quieter, "W-1").is_null());
  CHECK(row(quieter, "W-2").is_null());  // 60% is under the new 70%
  CHECK(quieter["customers"].size() == 4);
}
