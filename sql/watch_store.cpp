// The early-warning signals seen at the last daily look, and the events for new ones (the
// outbox that carries dunning notices carries them too).
#include "bulk.hpp"
#include "clock.hpp"
#include "core/notice.hpp"
#include "sql/run_stores.hpp"
#include "statement.hpp"

#include <map>
#include <set>

namespace tallyman::sql {

std::size_t WatchStore::record(Date as_of, const std::vector<WatchRow>& rows) {
  return guarded([&] {
    std::set<std::pair<std::string, std::string>> kept;
    {
      Params p;
      std::string customer, code;
      Query q(db_.session(), "SELECT customer, code FROM watch_signals", p);
      q.into(customer).into(code);
      if (q.run()) do {
          kept.insert({customer, code});
        } while (q.fetch());
    }
    const std::string now = utc_timestamp();
    std::vector<std::vector<Cell>> seen, events;
    std::set<std::pair<std::string, std::string>> shown;
    for (const WatchRow& row : rows) {
      std::vector<Signal> fresh;
      for (const Signal& s : row.signals) {
        shown.insert({row.customer.id, s.code});
        if (kept.contains({row.customer.id, s.code})) continue;
        fresh.push_back(s);
        seen.push_back({row.customer.id, s.code, format_date(as_of)});
      }
      if (fresh.empty()) continue;
      const RenderedNotice n = render_watch_event(row.customer, row.balance, as_of, fresh);
      events.push_back({0LL, row.customer.id, 0LL, n.subject, n.text, n.html, static_cast<long long>(n.total),
                        row.customer.currency.str(), std::string("pending"), 0LL, now, std::string("watchlist.signal")});
    }
    for (const auto& [customer, code] : kept) {
      if (shown.contains({customer, code})) continue;
      Params p;
      execute(db_, "DELETE FROM watch_signals WHERE customer = " + p.add(customer) + " AND code = " + p.add(code), p);
    }
    insert_rows(db_.session(), "INSERT INTO watch_signals (customer, code, first_seen)", seen);
    insert_rows(db_.session(),
                "INSERT INTO notices (task_id, customer, level, subject, text_body, html_body, total, currency, status,"
                " attempts, created_at, event)",
                events);
    return events.size();
  });
}

}  // namespace tallyman::sql
