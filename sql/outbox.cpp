// What the service's scheduled jobs claim in the database (jobs/scheduler): a job's lease for
// its day, so that one instance among several runs it, and the dunning notices to deliver,
// each claimed by one instance at a time.
#include "core/text.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <chrono>

namespace tallyman::sql {

bool SqlCollections::take_lease(const std::string& job, const std::string& holder, Date day, int lease_seconds) {
  return guarded([&] {
    const std::string now = utc_timestamp();
    const std::string until = utc_timestamp_in(std::chrono::seconds(lease_seconds));
    const std::string d = format_date(day);
    // One statement decides, whoever else tries at the same moment (timestamps compare as text).
    soci::statement st = (db_.session().prepare << "UPDATE job_leases SET holder = :h, expires_at = :u WHERE job = :j"
                                                    " AND (done_for IS NULL OR done_for < :d)"
                                                    " AND (holder IS NULL OR expires_at < :n)",
                          soci::use(holder), soci::use(until), soci::use(job), soci::use(d), soci::use(now));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

void SqlCollections::finish_lease(const std::string& job, const std::string& holder, Date day) {
  guarded([&] {
    Params p;
    execute(db_,
            "UPDATE job_leases SET holder = NULL, expires_at = NULL, done_for = " + p.add(format_date(day)) +
                " WHERE job = " + p.add(job) + " AND holder = " + p.add(holder),
            p);
  });
}

namespace {

std::vector<NoticeView> read_notices(Database& db, const std::string& where, Params& p) {
  long long id = 0, task = 0, level = 0, total = 0, attempts = 0;
  std::string customer, subject, text, html, currency, status, created, event;
  Query q(db.session(),
          "SELECT id, task_id, customer, level, subject, text_body, html_body, total, currency, status, attempts,"
          " created_at, event FROM notices " + where,
          p);
  q.into(id).into(task).into(customer).into(level).into(subject).into(text).into(html).into(total).into(currency)
      .into(status).into(attempts).into(created).into(event);
  std::vector<NoticeView> out;
  if (q.run()) do {
      out.push_back(NoticeView{id, task, customer, static_cast<int>(level), RenderedNotice{subject, text, html, total},
                               db_currency(currency), status, static_cast<int>(attempts), created, event});
    } while (q.fetch());
  return out;
}

}  // namespace

std::optional<NoticeView> SqlCollections::notice(std::int64_t id) {
  return guarded([&]() -> std::optional<NoticeView> {
    Params p;
    std::vector<NoticeView> found = read_notices(db_, "WHERE id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

Page<NoticeView> SqlCollections::notices(const std::optional<std::string>& customer,
                                         const std::optional<std::string>& status, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string where = page.after.empty() ? "WHERE 1 = 1" : "WHERE id < " + p.add(std::stoll(page.after));
    if (customer) where += " AND customer = " + p.add(*customer);
    if (status) where += " AND status = " + p.add(*status);
    std::vector<NoticeView> found = read_notices(db_, where + " ORDER BY id DESC" + limit_clause(p, page), p);
    return finish_page(std::move(found), page, [](const NoticeView& n) { return std::to_string(n.id); });
  });
}

std::vector<NoticeView> SqlCollections::claim_notices(const std::string& holder, std::size_t max, int claim_seconds) {
  return guarded([&] {
    const std::string now = utc_timestamp();
    std::vector<long long> candidates;
    {
      Params p;
      const std::string n1 = p.add(now), n2 = p.add(now);
      long long id = 0;
      Query q(db_.session(),
              "SELECT id FROM notices WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= " + n1 +
                  ") AND (claim_until IS NULL OR claim_until < " + n2 + ") ORDER BY id LIMIT " +
                  p.add(static_cast<long long>(max)),
              p);
      q.into(id);
      if (q.run()) do {
          candidates.push_back(id);
        } while (q.fetch());
    }
    std::vector<NoticeView> claimed;
    const std::string until = utc_timestamp_in(std::chrono::seconds(claim_seconds));
    for (long long id : candidates) {
      // One conditional UPDATE per notice: whoever changes the row has it.
      soci::statement st = (db_.session().prepare << "UPDATE notices SET claimed_by = :h, claim_until = :u"
                                                      " WHERE id = :i AND status = 'pending'"
                                                      " AND (claim_until IS NULL OR claim_until < :n)",
                            soci::use(holder), soci::use(until), soci::use(id), soci::use(now));
      st.execute(true);
      if (st.get_affected_rows() != 1) continue;
      if (auto n = notice(id)) claimed.push_back(std::move(*n));
    }
    return claimed;
  });
}

void SqlCollections::notice_attempted(std::int64_t id, const std::string& holder, bool delivered, const std::string& error,
                                int retry_after_ms, int attempts_max) {
  guarded([&] {
    Params p;
    if (delivered) {
      execute(db_,
              "UPDATE notices SET status = 'sent', attempts = attempts + 1, sent_at = " + p.add(utc_timestamp()) +
                  ", last_error = NULL, claimed_by = NULL, claim_until = NULL WHERE id = " +
                  p.add(static_cast<long long>(id)) + " AND claimed_by = " + p.add(holder),
              p);
      return;
    }
    const std::string next = utc_timestamp_in(std::chrono::milliseconds(retry_after_ms));
    const std::string given_up = p.add(static_cast<long long>(attempts_max - 1));
    const std::string why(utf8_prefix(error, 200));  // last_error is a {text} column: 200
    execute(db_,
            "UPDATE notices SET status = CASE WHEN attempts >= " + given_up + " THEN 'failed' ELSE 'pending' END,"
            " attempts = attempts + 1, last_error = " + p.add(why) + ", next_attempt_at = " +
                p.add(next) + ", claimed_by = NULL, claim_until = NULL WHERE id = " +
                p.add(static_cast<long long>(id)) + " AND claimed_by = " + p.add(holder),
            p);
  });
}

}  // namespace tallyman::sql
