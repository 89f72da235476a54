// Cash application (core/cash_books.hpp): a statement's new lines, each decided by the ladder
// (core/cash.hpp) on what this store finds for it, and posted as a payment when matched, all in
// one transaction. Lines are decided in order, so a line sees what the lines before it paid.
#include "books_shared.hpp"
#include "bulk.hpp"
#include "clock.hpp"
#include "core/bank.hpp"
#include "core/ids.hpp"
#include "rows.hpp"
#include "sql/books.hpp"
#include "statement.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

// The payment a line becomes is known by the line's reference, made an id (core/ids.hpp).
std::string payment_reference_of(const std::string& key) {
  std::string out;
  for (char c : key) out += is_id_char(c) ? c : '-';
  return out.substr(0, id_length_max);
}

// The statemented account as stored: normalized when it is one, else as written, upper case,
// without spaces (MT940's "BLZ/account").
std::string statement_account(const std::string& written) {
  if (auto a = normalize_account(written)) return *a;
  return compact_upper(written).substr(0, 34);
}

std::vector<CashCandidate> candidates(Database& db, const std::string& where, Params& p) {
  std::vector<CashCandidate> out;
  std::string number, customer, currency, due;
  long long open = 0, serial = 0;
  soci::indicator serial_ind = soci::i_ok;
  Query q(db.session(), "SELECT number, customer, currency, open_amount, due_date, payment_serial FROM invoices " + where, p);
  q.into(number).into(customer).into(currency).into(open).into(due).into(serial, serial_ind);
  if (q.run()) do {
      out.push_back({number, customer, db_currency(currency), open, db_date(due),
                     serial_ind == soci::i_ok ? invoice_payment_reference(serial) : std::string()});
    } while (q.fetch());
  return out;
}

// What the ladder needs to know about a line.
CashFinds find_for(Database& db, const BankLine& l) {
  CashFinds f;
  const std::string quoted = !l.structured_reference.empty() ? l.structured_reference : l.end_to_end;
  if (!l.credit) {
    std::set<std::string> names{l.end_to_end, l.structured_reference};
    for (const std::string& t : number_tokens(l.remittance)) names.insert(t);
    names.erase("");
    std::erase_if(names, [](const std::string& n) { return !is_valid_id(n); });
    if (names.empty()) return f;
    Params p;
    std::string reference;
    std::vector<std::string> found;
    Query q(db.session(),
            "SELECT reference FROM payments WHERE reversed_on IS NULL AND reference IN (" + placeholders(p, names) + ")", p);
    q.into(reference);
    if (q.run()) do {
        found.push_back(reference);
      } while (q.fetch());
    if (found.size() == 1) f.returned_payment = found.front();
    return f;
  }
  if (!quoted.empty()) {
    if (auto rf = parse_creditor_reference(quoted); rf && rf->find_first_not_of("0123456789", 4) == std::string::npos &&
                                                   rf->size() - 4 <= 18) {
      Params p;
      f.by_reference = candidates(db, "WHERE payment_serial = " + p.add(std::stoll(rf->substr(4))), p);
    }
    if (f.by_reference.empty() && is_valid_id(quoted)) {
      Params p;
      f.by_reference = candidates(db, "WHERE number = " + p.add(quoted), p);
    }
  }
  if (const std::vector<std::string> tokens = number_tokens(l.remittance); !tokens.empty()) {
    Params p;
    f.by_numbers = candidates(db, "WHERE number IN (" + placeholders(p, tokens) + ") AND open_amount > 0 ORDER BY number", p);
  }
  if (auto account = normalize_account(l.payer_account)) {
    Params p;
    std::string owner, currency;
    Query q(db.session(),
            "SELECT a.customer, c.currency FROM customer_accounts a JOIN customers c ON c.id = a.customer"
            " WHERE a.account = " + p.add(*account),
            p);
    q.into(owner).into(currency);
    if (q.run()) {
      f.account_owner = owner;
      f.owner_currency = db_currency(currency);
      Params o;
      f.owner_open = candidates(db, "WHERE customer = " + o.add(owner) + " AND open_amount > 0 ORDER BY due_date, number", o);
    }
  }
  return f;
}

StoredStatement read_statement(Database& db, std::int64_t id) {
  StoredStatement s;
  Params p;
  std::string currency;
  long long opening = 0, closing = 0, balanced = 0;
  soci::indicator opening_ind = soci::i_ok, closing_ind = soci::i_ok;
  Query q(db.session(),
          "SELECT account, statement_id, format, currency, opening, closing, balanced FROM bank_statements WHERE id = " +
              p.add(static_cast<long long>(id)),
          p);
  q.into(s.account).into(s.statement_id).into(s.format).into(currency).into(opening, opening_ind).into(closing, closing_ind)
      .into(balanced);
  if (!q.run()) return s;
  s.id = id;
  s.currency = db_currency(currency);
  if (opening_ind == soci::i_ok) s.opening = opening;
  if (closing_ind == soci::i_ok) s.closing = closing;
  s.balanced = balanced != 0;
  Params c;
  std::string status;
  long long n = 0;
  Query counts(db.session(),
               "SELECT status, COUNT(*) FROM bank_statement_lines WHERE statement = " + c.add(static_cast<long long>(id)) +
                   " GROUP BY status",
               c);
  counts.into(status).into(n);
  if (counts.run()) do {
      s.lines += static_cast<int>(n);
      if (status == "matched") s.matched = static_cast<int>(n);
      if (status == "suggested") s.suggested = static_cast<int>(n);
      if (status == "unmatched") s.unmatched = static_cast<int>(n);
      if (status == "ignored") s.ignored = static_cast<int>(n);
    } while (counts.fetch());
  return s;
}

}  // namespace

StatementImport SqlCash::import_statement(const Actor& actor, const StatementFile& file) {
  const std::string entity_id = file.statements.empty() ? "" : file.statements.front().id;
  return write(db_, actor, "bank_statement.import", "bank_statement", entity_id, [&](LedgerStore& store) {
    StatementImport result;
    const std::string now = utc_timestamp();
    for (const BankStatement& s : file.statements) {
      const std::string account = statement_account(s.account);
      std::int64_t id = 0;
      {
        Params p;
        long long found = 0;
        Query q(db_.session(),
                "SELECT id FROM bank_statements WHERE account = " + p.add(account) + " AND statement_id = " + p.add(s.id), p);
        q.into(found);
        if (q.run()) id = found;
      }
      if (id == 0) {
        Params p;
        execute(db_,
                "INSERT INTO bank_statements (account, statement_id, format, currency, opening, closing, balanced,"
                " imported_by, imported_at) VALUES (" + p.add(account) + ", " + p.add(s.id) + ", " +
                    p.add(std::string(to_string(file.format))) + ", " + p.add(s.currency.str()) + ", " +
                    p.add(s.opening ? std::optional<long long>(*s.opening) : std::nullopt) + ", " +
                    p.add(s.closing ? std::optional<long long>(*s.closing) : std::nullopt) + ", " +
                    p.add(static_cast<long long>(s.balanced())) + ", " + p.add(actor.name) + ", " + p.add(now) + ")",
                p);
        id = last_insert_id(db_, "bank_statements");
        result.added = true;
      }
      // The lines known already (this file again, or a camt.054 before its camt.053) stay as they are.
      std::set<std::string> known;
      std::vector<std::string> keys;
      for (const BankLine& l : s.lines) keys.push_back(l.key);
      for (std::size_t at = 0; at < keys.size(); at += rows_per_statement) {
        const std::vector<std::string> part(keys.begin() + static_cast<long>(at),
                                            keys.begin() + static_cast<long>(std::min(keys.size(), at + rows_per_statement)));
        Params p;
        std::string key;
        Query q(db_.session(),
                "SELECT line_key FROM bank_statement_lines WHERE account = " + p.add(account) + " AND line_key IN (" +
                    placeholders(p, part) + ")",
                p);
        q.into(key);
        if (q.run()) do {
            known.insert(key);
          } while (q.fetch());
      }
      for (const BankLine& l : s.lines) {
        if (!known.insert(l.key).second) continue;
        result.added = true;
        const CashFinds finds = find_for(db_, l);
        CashDecision d = decide_line(l, finds);
        std::optional<std::string> payment;
        if (d.status == LineStatus::matched && l.credit) {
          const std::string reference = payment_reference_of(l.key);
          const Payment p{reference, *d.customer, l.booked, l.amount, l.currency, d.allocations};
          const LedgerResult posted = store.post_payments({&p, 1}).front();
          if (posted.outcome == LedgerOutcome::created) {
            payment = reference;
          } else {
            d.status = LineStatus::unmatched;
            d.evidence += "; not posted: " + posted.field + " " + std::string(describe(posted.outcome));
            d.allocations.clear();
          }
        } else if (d.status == LineStatus::matched) {  // a return of a payment tallyman posted
          const std::string reason = "returned by the bank" + (l.return_reason.empty() ? "" : " (" + l.return_reason + ")");
          const LedgerResult reversed = store.reverse_payment(*finds.returned_payment, l.booked, reason);
          if (reversed.accepted()) {
            payment = finds.returned_payment;
          } else {
            d.status = LineStatus::unmatched;
            d.evidence += "; not reversed: " + reversed.field + " " + std::string(describe(reversed.outcome));
          }
        }
        Params p;
        execute(db_,
                "INSERT INTO bank_statement_lines (statement, account, line_key, bank_reference, booked, amount, currency,"
                " credit, reversal, payer_name, payer_account, structured_reference, end_to_end, remittance,"
                " return_reason, status, rule_name, evidence, payment, customer, allocations) VALUES (" +
                    p.add(static_cast<long long>(id)) + ", " + p.add(account) + ", " + p.add(l.key) + ", " +
                    p.add(l.bank_reference) + ", " + p.add(format_date(l.booked)) + ", " +
                    p.add(static_cast<long long>(l.amount)) + ", " + p.add(l.currency.str()) + ", " +
                    p.add(static_cast<long long>(l.credit)) + ", " + p.add(static_cast<long long>(l.reversal)) + ", " +
                    p.add(l.payer_name) + ", " + p.add(l.payer_account) + ", " + p.add(l.structured_reference) + ", " +
                    p.add(l.end_to_end) + ", " + p.add(l.remittance) + ", " + p.add(l.return_reason.substr(0, 16)) + ", " +
                    p.add(std::string(to_string(d.status))) + ", " + p.add(d.rule) + ", " + p.add(d.evidence) + ", " +
                    p.add(payment) + ", " + p.add(d.customer) + ", " + p.add(allocations_text(d.allocations)) + ")",
                p);
      }
      result.statements.push_back(read_statement(db_, id));
    }
    return result;
  });
}

std::optional<StoredStatement> SqlCash::statement(std::int64_t id) {
  return guarded([&]() -> std::optional<StoredStatement> {
    StoredStatement s = read_statement(db_, id);
    if (s.id == 0) return std::nullopt;
    return s;
  });
}

namespace {

const char* const line_columns =
    "SELECT id, statement, line_key, bank_reference, booked, amount, currency, credit, reversal, payer_name,"
    " payer_account, structured_reference, end_to_end, remittance, return_reason, status, rule_name, evidence, payment,"
    " customer, allocations FROM bank_statement_lines ";

// Lines as stored; with `candidates`, those a person is to decide with their best candidates,
// as they stand now.
std::vector<StoredLine> read_lines(Database& db, const std::string& where, Params& p, bool candidates = true) {
  long long id = 0, statement = 0, amount = 0, credit = 0, reversal = 0;
  std::string booked, currency, line_status, payment, customer, allocations;
  soci::indicator payment_ind = soci::i_ok, customer_ind = soci::i_ok;
  StoredLine r;
  BankLine& l = r.line;
  Query q(db.session(), line_columns + where, p);
  q.into(id).into(statement).into(l.key).into(l.bank_reference).into(booked).into(amount).into(currency).into(credit)
      .into(reversal).into(l.payer_name).into(l.payer_account).into(l.structured_reference).into(l.end_to_end)
      .into(l.remittance).into(l.return_reason).into(line_status).into(r.rule).into(r.evidence)
      .into(payment, payment_ind).into(customer, customer_ind).into(allocations);
  std::vector<StoredLine> out;
  if (q.run()) do {
      StoredLine row = r;
      row.id = id;
      row.statement = statement;
      row.line.booked = db_date(booked);
      row.line.amount = amount;
      row.line.currency = db_currency(currency);
      row.line.credit = credit != 0;
      row.line.reversal = reversal != 0;
      row.status = parse_line_status(line_status).value_or(LineStatus::unmatched);
      if (payment_ind == soci::i_ok) row.payment = payment;
      if (customer_ind == soci::i_ok) row.customer = customer;
      row.allocations = db_allocations(allocations);
      out.push_back(std::move(row));
    } while (q.fetch());
  for (StoredLine& row : out)
    if (candidates && row.line.credit && (row.status == LineStatus::suggested || row.status == LineStatus::unmatched)) {
      const CashFinds f = find_for(db, row.line);
      row.candidates = decide_line(row.line, f).candidates;
      for (const CashCandidate& c : f.owner_open)
        if (row.candidates.size() < 5) row.candidates.push_back(c);
    }
  return out;
}

}  // namespace

Page<StoredStatement> SqlCash::statements(const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string sql = "SELECT id FROM bank_statements";
    if (!page.after.empty()) sql += " WHERE id < " + p.add(std::stoll(page.after));
    sql += " ORDER BY id DESC" + limit_clause(p, page);
    long long id = 0;
    std::vector<std::int64_t> ids;
    Query q(db_.session(), sql, p);
    q.into(id);
    if (q.run()) do {
        ids.push_back(id);
      } while (q.fetch());
    std::vector<StoredStatement> out;
    for (std::int64_t k : ids) out.push_back(read_statement(db_, k));
    return finish_page(std::move(out), page, [](const StoredStatement& s) { return std::to_string(s.id); });
  });
}

Page<StoredLine> SqlCash::lines(std::int64_t statement, std::optional<LineStatus> status, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string where = "WHERE statement = " + p.add(static_cast<long long>(statement));
    if (status) where += " AND status = " + p.add(std::string(to_string(*status)));
    if (!page.after.empty()) where += " AND id > " + p.add(std::stoll(page.after));
    where += " ORDER BY id" + limit_clause(p, page);
    return finish_page(read_lines(db_, where, p), page, [](const StoredLine& s) { return std::to_string(s.id); });
  });
}

Page<StoredLine> SqlCash::queue(std::optional<LineStatus> status, const PageRequest& page) {
  return guarded([&] {
    Params p;
    std::string where = status ? "WHERE status = " + p.add(std::string(to_string(*status)))
                               : std::string("WHERE status IN ('suggested', 'unmatched')");
    if (!page.after.empty()) where += " AND id < " + p.add(std::stoll(page.after));
    where += " ORDER BY id DESC" + limit_clause(p, page);
    return finish_page(read_lines(db_, where, p), page, [](const StoredLine& s) { return std::to_string(s.id); });
  });
}

std::optional<StoredLine> SqlCash::line(std::int64_t id) {
  return guarded([&]() -> std::optional<StoredLine> {
    Params p;
    std::vector<StoredLine> found = read_lines(db_, "WHERE id = " + p.add(static_cast<long long>(id)), p);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  });
}

namespace {

// The line to decide, if it still waits for a person.
std::optional<LedgerResult> refuse_decided(Database& db, std::int64_t id, bool credit_only, BankLine& line) {
  Params p;
  std::vector<StoredLine> found =
      read_lines(db, "WHERE id = " + p.add(static_cast<long long>(id)) + db.for_update(), p, false);
  if (found.empty()) return LedgerResult{LedgerOutcome::not_found, "id"};
  const StoredLine& l = found.front();
  if (l.status != LineStatus::suggested && l.status != LineStatus::unmatched) return LedgerResult{LedgerOutcome::already_decided, "id"};
  if (credit_only && !l.line.credit) return LedgerResult{LedgerOutcome::already_decided, "id"};
  line = l.line;
  return std::nullopt;
}

}  // namespace

LedgerResult SqlCash::apply_line(const Actor& actor, std::int64_t id, const std::string& customer,
                                 const std::vector<Allocation>& allocations) {
  return write(db_, actor, "bank_statement_line.apply", "bank_statement_line", std::to_string(id),
               [&](LedgerStore& store) -> LedgerResult {
                 BankLine l;
                 if (auto refused = refuse_decided(db_, id, true, l)) return *refused;
                 const std::string reference = payment_reference_of(l.key);
                 const Payment payment{reference, customer, l.booked, l.amount, l.currency, allocations};
                 const LedgerResult posted = store.post_payments({&payment, 1}).front();
                 if (posted.outcome != LedgerOutcome::created) return posted;
                 Params p;
                 execute(db_,
                         "UPDATE bank_statement_lines SET status = 'matched', rule_name = 'manual', evidence = " +
                             p.add("applied by " + actor.name) + ", payment = " + p.add(reference) + ", customer = " +
                             p.add(customer) + ", allocations = " + p.add(allocations_text(allocations)) +
                             " WHERE id = " + p.add(static_cast<long long>(id)),
                         p);
                 return {LedgerOutcome::updated, ""};
               });
}

LedgerResult SqlCash::ignore_line(const Actor& actor, std::int64_t id, const std::string& reason) {
  return write(db_, actor, "bank_statement_line.ignore", "bank_statement_line", std::to_string(id),
               [&](LedgerStore&) -> LedgerResult {
                 BankLine l;
                 if (auto refused = refuse_decided(db_, id, false, l)) return *refused;
                 Params p;
                 execute(db_,
                         "UPDATE bank_statement_lines SET status = 'ignored', evidence = " +
                             p.add("set aside by " + actor.name + ": " + reason) +
                             " WHERE id = " + p.add(static_cast<long long>(id)),
                         p);
                 return {LedgerOutcome::updated, ""};
               });
}

}  // namespace tallyman::sql
