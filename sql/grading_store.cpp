// What a grading run reads and writes (sql/run_stores.hpp): each customer's invoices of the
// window and what was applied to them, read in two passes; the scores and grades.
#include "core/check.hpp"
#include "audit.hpp"
#include "clock.hpp"
#include "rows.hpp"
#include "sql/run_stores.hpp"
#include "bulk.hpp"

namespace tallyman::sql {

namespace {

struct Histories {
  std::map<std::string, History> by_customer;
  std::map<std::string, std::pair<std::string, std::size_t>> invoice_index;  // number -> (customer, position)
};

// The invoices issued in the window, and every change to their open amounts up to as_of.
Histories read_histories(Database& db, Date as_of) {
  Histories h;
  const std::string from = format_date(as_of - date::days(grading_window_days)), to = format_date(as_of);
  {
    Params p;
    std::string number, customer, issue, due;
    long long amount = 0;
    Query q(db.session(),
            "SELECT number, customer, issue_date, due_date, amount FROM invoices WHERE issue_date > " + p.add(from) +
                " AND issue_date <= " + p.add(to),
            p);
    q.into(number).into(customer).into(issue).into(due).into(amount);
    if (q.run()) do {
        auto& invoices = h.by_customer[customer].invoices;
        h.invoice_index[number] = {customer, invoices.size()};
        invoices.push_back(InvoiceRecord{db_date(issue), db_date(due), amount, {}, 0});
      } while (q.fetch());
  }
  {
    // Postings that lower an invoice (applications, credit notes, write-offs) or raise it back
    // (a reversed payment: a negative application on its date).
    Params p;
    std::string invoice, kind, posted;
    long long delta = 0;
    Query q(db.session(),
            "SELECT invoice, kind, posted_on, open_delta FROM postings WHERE invoice IS NOT NULL AND kind <> 'invoice'"
            " AND issue_date > " + p.add(from) + " AND issue_date <= " + p.add(to) + " AND posted_on <= " + p.add(to),
            p);
    q.into(invoice).into(kind).into(posted).into(delta);
    if (q.run()) do {
        auto it = h.invoice_index.find(invoice);
        if (it == h.invoice_index.end()) continue;
        InvoiceRecord& record = h.by_customer[it->second.first].invoices[it->second.second];
        if (kind == "write_off") record.written_off -= delta;
        else record.applied.push_back({db_date(posted), -delta});
      } while (q.fetch());
  }
  {
    Params p;
    std::string customer;
    Query q(db.session(),
            "SELECT DISTINCT customer FROM postings WHERE kind = 'write_off' AND posted_on > " +
                p.add(format_date(as_of - date::days(write_off_window_days))) + " AND posted_on <= " + p.add(to),
            p);
    q.into(customer);
    if (q.run()) do {
        auto it = h.by_customer.find(customer);
        if (it != h.by_customer.end()) it->second.written_off_recently = true;
      } while (q.fetch());
  }
  return h;
}

std::vector<Cell> score_cells(const std::string& customer, Date as_of, const Score& s, const std::string& now) {
  auto n = [](auto v) { return Cell{static_cast<long long>(v)}; };
  return {customer,          format_date(as_of),  n(s.score),           std::string(1, s.grade), n(s.on_time_bp),
          n(s.on_time_points), n(s.average_days_late), n(s.days_late_points), n(s.overdue_bp),       n(s.overdue_points),
          n(s.invoices),     n(s.invoiced),       n(s.volume_points),   n(s.written_off),        n(s.write_off_points),
          now};
}

}  // namespace

GradingPolicy GradingStore::policy() { return SqlCredit(db_).credit_policy().grading; }

std::map<std::string, History> GradingStore::histories(Date as_of) { return read_histories(db_, as_of).by_customer; }

std::map<std::string, std::optional<char>> GradingStore::grades() {
  std::map<std::string, std::optional<char>> grades;
  Params p;
  std::string id, grade;
  soci::indicator grade_ind = soci::i_ok;
  Query q(db_.session(), "SELECT id, grade FROM customers", p);
  q.into(id).into(grade, grade_ind);
  if (q.run()) do {
      grades[id] = grade_ind == soci::i_ok && !grade.empty() ? std::optional<char>(grade[0]) : std::nullopt;
    } while (q.fetch());
  return grades;
}

void GradingStore::write(GradingRun& run, const std::vector<std::pair<std::string, Score>>& scores,
                         const std::vector<std::pair<std::string, char>>& changes, const Actor& actor) {
  const std::string now = utc_timestamp();
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> scored;
  for (const auto& [customer, score] : scores) {
    rows.push_back(score_cells(customer, run.as_of, score, now));
    scored.push_back(customer);
  }
  for_each_part(scored, rows_per_statement, [&](std::span<const std::string> part) {
    Params p;
    execute(db_, "DELETE FROM scores WHERE customer IN (" + placeholders(p, part) + ")", p);
  });
  insert_rows(db_.session(),
              "INSERT INTO scores (customer, as_of, score, grade, on_time_bp, on_time_points, average_days_late,"
              " days_late_points, overdue_bp, overdue_points, invoices, invoiced, volume_points, written_off,"
              " write_off_points, recorded_at)",
              rows);
  for (const auto& [customer, grade] : changes) {
    Params h;
    execute(db_,
            "INSERT INTO grade_changes (customer, as_of, old_grade, new_grade, recorded_at) SELECT id, " +
                h.add(format_date(run.as_of)) + ", grade, " + h.add(std::string(1, grade)) + ", " + h.add(now) +
                " FROM customers WHERE id = " + h.add(customer),
            h);
    Params p;
    execute(db_, "UPDATE customers SET grade = " + p.add(std::string(1, grade)) + " WHERE id = " + p.add(customer), p);
  }
  Params p;
  execute(db_,
          "INSERT INTO grading_runs (as_of, examined, graded, changed, run_by, run_at) VALUES (" +
              p.add(format_date(run.as_of)) + ", " + p.add(static_cast<long long>(run.examined)) + ", " +
              p.add(static_cast<long long>(run.graded)) + ", " + p.add(static_cast<long long>(run.changed)) + ", " +
              p.add(actor.name) + ", " + p.add(now) + ")",
          p);
  const long long id = last_insert_id(db_, "grading_runs");
  run.id = id;
  record_audit(db_, actor, "grading_run.run", "grading_run", std::to_string(id));
}

}  // namespace tallyman::sql
