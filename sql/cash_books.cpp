// Cash application (core/cash_books.hpp): a statement's new lines, each decided by the ladder
// (core/cash.hpp) on what this store finds for it, and posted as a payment when matched, all in
// one transaction. Lines are decided in order, so a line sees what the lines before it paid.
#include "books_shared.hpp"
#include "bulk.hpp"
#include "clock.hpp"
#include "core/bank.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "rows.hpp"
#include "sql/books.hpp"
#include "sql/importer.hpp"
#include "statement.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace tallyman::sql {

namespace {

// A statement's new lines are looked up and posted this many at a time.
constexpr std::size_t cash_lines_per_batch = 5000;

// The payment a line becomes is known by the line's reference, made an id (core/ids.hpp).
std::string payment_reference_of(const std::string& key) {
  std::string out;
  for (char c : key) out += is_id_char(c) ? c : '-';
  return out.substr(0, id_length_max);
}

// The statemented account as stored: normalized when it is one, else as written, upper case,
// without spaces (MT940's "BLZ/account"), at most the column's 34 characters.
std::string statement_account(const std::string& written) {
  if (auto a = normalize_account(written)) return *a;
  return std::string(utf8_prefix(compact_upper(written), 34));
}

// The numeric part of a creditor reference that is an invoice's payment reference
// (core/bank.hpp invoice_payment_reference), if it can be one.
std::optional<long long> payment_serial_in(const std::string& quoted) {
  auto rf = parse_creditor_reference(quoted);
  if (!rf || rf->find_first_not_of("0123456789", 4) != std::string::npos || rf->size() - 4 > 18) return std::nullopt;
  return std::stoll(rf->substr(4));
}

// What the ladder needs to know about many lines, read at once: the invoices their references
// and remittance texts name, by payment reference and by number, and the owners of their
// payers' accounts, in a few queries for thousands of lines; open amounts as `store` has them
// when a line is decided (as earlier lines of a statement left them), so that a line sees
// what the lines before it paid.
class CashLookup {
 public:
  // `statemented`: the statement's account, whose earlier credits a reversal may undo.
  CashLookup(Database& db, LedgerStore& store, std::span<const BankLine* const> lines,
             const std::string& statemented = "")
      : store_(store) {
    std::set<long long> serials;
    std::set<std::string> numbers, accounts, payments, reversed;
    for (const BankLine* l : lines) {
      const std::string quoted = quoted_reference(*l).reference;
      std::vector<std::string> tokens = number_tokens(l->remittance);
      if (!l->credit) {
        tokens.push_back(l->end_to_end);
        tokens.push_back(l->structured_reference);
        for (const std::string& t : tokens)
          if (is_valid_id(t)) payments.insert(t);
        if (l->reversal && !l->end_to_end.empty()) reversed.insert(l->end_to_end);
        continue;
      }
      payments.insert(payment_reference_of(l->key));  // the payment it may become
      if (auto serial = payment_serial_in(quoted)) serials.insert(*serial);
      if (is_valid_id(quoted)) numbers.insert(quoted);
      numbers.insert(tokens.begin(), tokens.end());
      if (auto account = normalize_account(l->payer_account)) accounts.insert(*account);
    }
    std::set<std::string> customers;
    const char* const select = "SELECT number, customer, currency, due_date, payment_serial FROM invoices WHERE ";
    read_in(db, select, "payment_serial", serials, customers);
    read_in(db, select, "number", numbers, customers);
    const std::vector<std::string> account_list(accounts.begin(), accounts.end());
    for_each_part(account_list, rows_per_statement, [&](std::span<const std::string> part) {
      Params p;
      std::string account, owner, currency;
      Query q(db.session(),
              "SELECT a.account, a.customer, c.currency FROM customer_accounts a JOIN customers c ON c.id = a.customer"
              " WHERE a.account IN (" + placeholders(p, part) + ")",
              p);
      q.into(account).into(owner).into(currency);
      if (q.run()) do {
          owners_[account] = {owner, db_currency(currency)};
          customers.insert(owner);
        } while (q.fetch());
    });
    // The account's credits posted as payments that reversals name by their end-to-end ids.
    for_each_part(std::vector<std::string>(reversed.begin(), reversed.end()), rows_per_statement,
                  [&](std::span<const std::string> part) {
                    Params p;
                    std::string end_to_end, payment;
                    long long amount = 0;
                    Query q(db.session(),
                            "SELECT end_to_end, amount, payment FROM bank_statement_lines WHERE account = " +
                                p.add(statemented) + " AND credit = 1 AND payment IS NOT NULL AND end_to_end IN (" +
                                placeholders(p, part) + ")",
                            p);
                    q.into(end_to_end).into(amount).into(payment);
                    if (q.run()) do {
                        credits_[{end_to_end, amount}].push_back(payment);
                        payments.insert(payment);
                      } while (q.fetch());
                  });
    store_.look_up_payments(payments);
    store_.load_open_items(customers);
  }

  // A line of this import posted as `payment`: a reversal further on may undo it.
  void posted(const BankLine& l, const std::string& payment) {
    if (l.credit && !l.end_to_end.empty()) credits_[{l.end_to_end, l.amount}].push_back(payment);
  }

  CashFinds finds(const BankLine& l) {
    CashFinds f;
    if (!l.credit) {
      std::set<std::string> names{l.end_to_end, l.structured_reference};
      for (const std::string& t : number_tokens(l.remittance)) names.insert(t);
      std::vector<CashFinds::NamedPayment> found;
      for (const std::string& n : names)
        if (is_valid_id(n))
          if (const LedgerStore::KnownPayment* p = store_.payment(n); p && !p->reversed)
            found.push_back({n, p->amount, p->currency});
      // A reversal naming none: the payment of the credit it reverses (same end-to-end id and amount).
      if (found.empty() && l.reversal)
        if (auto credit = credits_.find({l.end_to_end, l.amount}); credit != credits_.end())
          for (const std::string& n : credit->second)
            if (const LedgerStore::KnownPayment* p = store_.payment(n); p && !p->reversed)
              found.push_back({n, p->amount, p->currency, true});
      if (found.size() == 1) f.named_payment = found.front();
      return f;
    }
    const std::string quoted = quoted_reference(l).reference;
    if (!quoted.empty()) {
      if (auto serial = payment_serial_in(quoted))
        if (auto it = by_serial_.find(*serial); it != by_serial_.end()) f.by_reference.push_back(now(it->second));
      if (f.by_reference.empty())
        if (auto it = by_number_.find(quoted); it != by_number_.end()) f.by_reference.push_back(now(it->second));
    }
    std::set<std::string> tokens;
    for (const std::string& t : number_tokens(l.remittance)) tokens.insert(t);  // in the order of numbers
    for (const std::string& t : tokens)
      if (auto it = by_number_.find(t); it != by_number_.end())
        if (CashCandidate c = now(it->second); c.open > 0) f.by_numbers.push_back(std::move(c));
    if (auto account = normalize_account(l.payer_account))
      if (auto it = owners_.find(*account); it != owners_.end()) {
        const std::string& owner = it->second.first;  // not a structured binding: the lambda below captures them
        const Currency currency = it->second.second;
        f.account_owner = owner;
        f.owner_currency = currency;
        // Those of the line's amount (account_amount), then the oldest others (the queue's candidates).
        const OpenItems& items = store_.open_items_of(owner);
        auto candidate = [&](const OpenItem* i) {
          return CashCandidate{i->number, owner, currency, i->open, i->due_date, reference_of(i->payment_serial)};
        };
        for (const OpenItem* i : items.with_open(l.amount)) f.owner_open.push_back(candidate(i));
        std::size_t oldest = 0;
        for (const OpenItem* i : items.open_in_order()) {
          if (oldest == cash_candidates_max) break;
          if (i->open == l.amount) continue;  // among those above
          f.owner_open.push_back(candidate(i));
          ++oldest;
        }
      }
    return f;
  }

 private:
  static std::string reference_of(long long serial) { return serial > 0 ? invoice_payment_reference(serial) : ""; }

  template <class Key>
  void read_in(Database& db, const char* select, const char* column, const std::set<Key>& keys,
               std::set<std::string>& customers) {
    for_each_part(std::vector<Key>(keys.begin(), keys.end()), rows_per_statement, [&](std::span<const Key> part) {
      Params p;
      std::string number, customer, currency, due;
      long long serial = 0;
      soci::indicator serial_ind = soci::i_ok;
      Query q(db.session(), select + std::string(column) + " IN (" + placeholders(p, part) + ")", p);
      q.into(number).into(customer).into(currency).into(due).into(serial, serial_ind);
      if (q.run()) do {
          CashCandidate c{number, customer, db_currency(currency), 0, db_date(due),
                          serial_ind == soci::i_ok ? reference_of(serial) : ""};
          if (serial_ind == soci::i_ok) by_serial_.emplace(serial, c);
          by_number_.emplace(number, std::move(c));
          customers.insert(customer);
        } while (q.fetch());
    });
  }

  // The candidate with its open amount now: its customer's open invoices hold it, else it is paid.
  CashCandidate now(CashCandidate c) {
    const OpenItem* item = store_.open_items_of(c.customer).find(c.invoice);
    c.open = item != nullptr ? item->open : 0;
    return c;
  }

  LedgerStore& store_;
  std::unordered_map<long long, CashCandidate> by_serial_;
  std::unordered_map<std::string, CashCandidate> by_number_;
  std::unordered_map<std::string, std::pair<std::string, Currency>> owners_;  // account -> customer, currency
  std::map<std::pair<std::string, std::int64_t>, std::vector<std::string>> credits_;  // (end-to-end id, amount) -> payments
};

// Posts what the ladder decided for a line: a matched credit as a payment, a matched debit as
// the return of the payment it names. A line the ledger refuses is left unmatched, saying why.
// The payment the line became, if any.
std::optional<std::string> post_decision(LedgerStore& store, const BankLine& l, const CashFinds& finds, CashDecision& d) {
  if (d.status != LineStatus::matched) return std::nullopt;
  if (l.credit) {
    const std::string reference = payment_reference_of(l.key);
    const Payment p{reference, *d.customer, l.booked, l.amount, l.currency, d.allocations};
    const LedgerResult posted = store.post_payments({&p, 1}).front();
    if (posted.outcome == LedgerOutcome::created) return reference;
    d.status = LineStatus::unmatched;
    d.evidence += "; not posted: " + posted.field + " " + std::string(describe(posted.outcome));
    d.allocations.clear();
    return std::nullopt;
  }
  const std::string reason = (finds.named_payment->credit_reversed ? "reversed by the bank" : "returned by the bank") +
                             (l.return_reason.empty() ? "" : " (" + l.return_reason + ")");
  const std::string& returned = finds.named_payment->reference;
  const LedgerResult reversed = store.reverse_payment(returned, l.booked, reason);
  if (reversed.accepted()) return returned;
  d.status = LineStatus::unmatched;
  d.evidence += "; not reversed: " + reversed.field + " " + std::string(describe(reversed.outcome));
  return std::nullopt;
}

// A line as bank_statement_lines stores it.
std::vector<Cell> line_cells(std::int64_t statement, const std::string& account, const BankLine& l,
                             const CashDecision& d, const std::optional<std::string>& payment) {
  auto optional = [](const std::optional<std::string>& v) { return v ? Cell{*v} : Cell{nullptr}; };
  return {static_cast<long long>(statement), account, l.key, l.bank_reference, format_date(l.booked),
          static_cast<long long>(l.amount), l.currency.str(), static_cast<long long>(l.credit),
          static_cast<long long>(l.reversal), l.payer_name, l.payer_account, l.structured_reference, l.end_to_end,
          l.remittance, std::string(utf8_prefix(l.return_reason, 16)), std::string(to_string(d.status)), d.rule,
          d.evidence, optional(payment), optional(d.customer), allocations_text(d.allocations)};
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
    store.bulk_load(false, import_held_postings_max);
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
      for_each_part(keys, rows_per_statement, [&](std::span<const std::string> part) {
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
      });
      std::vector<const BankLine*> fresh;
      for (const BankLine& l : s.lines)
        if (known.insert(l.key).second) fresh.push_back(&l);
      if (!fresh.empty()) result.added = true;
      for_each_part(fresh, cash_lines_per_batch, [&](std::span<const BankLine* const> part) {
        CashLookup lookup(db_, store, part, account);
        std::vector<std::vector<Cell>> rows;
        for (const BankLine* line : part) {
          const BankLine& l = *line;
          const CashFinds finds = lookup.finds(l);
          CashDecision d = decide_line(l, finds);
          const std::optional<std::string> payment = post_decision(store, l, finds, d);
          if (payment) lookup.posted(l, *payment);
          rows.push_back(line_cells(id, account, l, d, payment));
        }
        store.batch_done();
        insert_rows(db_.session(),
                    "INSERT INTO bank_statement_lines (statement, account, line_key, bank_reference, booked, amount,"
                    " currency, credit, reversal, payer_name, payer_account, structured_reference, end_to_end,"
                    " remittance, return_reason, status, rule_name, evidence, payment, customer, allocations)",
                    rows);
      });
      result.statements.push_back(read_statement(db_, id));
    }
    store.flush();
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
  std::vector<StoredLine*> waiting;
  std::vector<const BankLine*> waiting_lines;
  for (StoredLine& row : out)
    if (candidates && row.line.credit && (row.status == LineStatus::suggested || row.status == LineStatus::unmatched)) {
      waiting.push_back(&row);
      waiting_lines.push_back(&row.line);
    }
  if (waiting.empty()) return out;
  LedgerStore store(db);
  CashLookup lookup(db, store, waiting_lines);
  for (StoredLine* row : waiting) {
    const CashFinds f = lookup.finds(row->line);
    row->candidates = decide_line(row->line, f).candidates;
    for (const CashCandidate& c : f.owner_open)
      if (row->candidates.size() < cash_candidates_max &&
          std::none_of(row->candidates.begin(), row->candidates.end(),
                       [&](const CashCandidate& shown) { return shown.invoice == c.invoice; }))
        row->candidates.push_back(c);
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
