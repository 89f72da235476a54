#include "core/notice.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {

Date d(const char* text) { return parse_date(text).value(); }

}  // namespace

TEST_CASE("notice: reminders and final notices send, calls do not", "[core]") {
  CHECK(sends_notice("reminder"));
  CHECK(sends_notice("final_notice"));
  CHECK(sends_notice("collection_agency"));
  CHECK(!sends_notice("call"));
  CHECK(!sends_notice("visit"));
}

TEST_CASE("notice: lists each overdue invoice, oldest first, with the total, in text and HTML", "[core]") {
  NoticeInput in{"C-1", "Bauer & <Söhne>", *parse_currency("EUR"), 3, "final_notice", d("2026-03-31"),
                 {{"INV-2", d("2026-03-10"), 21, 50000}, {"INV-1", d("2026-02-01"), 58, 125050}},
                 0, true, {"reminder"}};
  const RenderedNotice n = render_notice(in);
  CHECK(n.text.find("Despite our reminder,") != std::string::npos);
  CHECK(n.total == 175050);
  CHECK(n.subject == "Final notice: 1,750.50 EUR overdue");
  CHECK(n.text.find("INV-1") < n.text.find("INV-2"));
  CHECK(n.text.find("2026-02-01  58") != std::string::npos);
  CHECK(n.text.find("1,250.50 EUR") != std::string::npos);
  CHECK(n.text.find("Total: 1,750.50 EUR") != std::string::npos);
  CHECK(n.text.find("cannot accept new orders") != std::string::npos);
  CHECK(n.html.find("Bauer &amp; &lt;Söhne&gt;") != std::string::npos);
  CHECK(n.html.find("<td>INV-2</td><td>2026-03-10</td><td>21</td><td>500.00 EUR</td>") != std::string::npos);
}

TEST_CASE("notice: cites only the notices the episode sent, and says when new orders are held", "[core]") {
  const Currency eur = *parse_currency("EUR");
  // Straight to the agency: no final notice was sent, so none is cited; the hold of level 3
  // applies at level 4 too.
  NoticeInput agency{"C-1", "Late Ltd", eur, 4, "collection_agency", d("2026-05-01"),
                     {{"INV-1", d("2026-02-01"), 89, 10000}}, 0, true, {}};
  RenderedNotice n = render_notice(agency);
  CHECK(n.text.find("final notice") == std::string::npos);
  CHECK(n.text.find("The following invoices remain unpaid.") != std::string::npos);
  CHECK(n.text.find("cannot accept new orders on credit") != std::string::npos);
  agency.sent = {"reminder", "final_notice"};
  CHECK(render_notice(agency).text.find("remain unpaid after our final notice.") != std::string::npos);
  agency.sent = {"reminder"};
  CHECK(render_notice(agency).text.find("remain unpaid after our reminder.") != std::string::npos);
  // A final notice without a reminder before it.
  NoticeInput final_notice{"C-1", "Late Ltd", eur, 3, "final_notice", d("2026-05-01"),
                           {{"INV-1", d("2026-02-01"), 89, 10000}}, 0, true, {}};
  CHECK(render_notice(final_notice).text.find("reminder") == std::string::npos);
}

TEST_CASE("notice: the customer's unapplied credit is taken off the total, and said so", "[core]") {
  NoticeInput in{"C-1", "Credit Ltd", *parse_currency("EUR"), 1, "reminder", d("2026-03-31"),
                 {{"INV-1", d("2026-02-01"), 58, 125050}}, 25050, false, {}};
  const RenderedNotice n = render_notice(in);
  CHECK(n.total == 100000);
  CHECK(n.subject == "Payment reminder: 1,000.00 EUR overdue");
  CHECK(n.text.find("less the credit on your account") != std::string::npos);
  CHECK(n.text.find("-250.50 EUR") != std::string::npos);
  CHECK(n.text.find("Total: 1,000.00 EUR") != std::string::npos);
  CHECK(n.html.find("-250.50 EUR") != std::string::npos);
  CHECK(n.text.find("cannot accept") == std::string::npos);
}
