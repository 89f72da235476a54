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
                 {{"INV-2", d("2026-03-10"), 21, 50000}, {"INV-1", d("2026-02-01"), 58, 125050}}};
  const RenderedNotice n = render_notice(in);
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
