#include "sql/migrations.hpp"

#include "core/bank.hpp"

#include "core/terms.hpp"
#include "core/text.hpp"
#include "clock.hpp"
#include "statement.hpp"

#include <functional>
#include <vector>

namespace tallyman::sql {

namespace {

struct Migration {
  int version;
  const char* description;
  std::vector<const char*> statements;
};

// Every statement can run again (IF NOT EXISTS, inserts that skip what is there): MySQL
// commits each DDL statement at once, so a migration cut short there is finished by running
// it again.
//
// Tokens: {id} a user-chosen id (case-sensitive ASCII); {date} a business date; {text} a
// person's text; {pk} an auto-increment primary key; {table} the options of a table keyed by
// its text primary key (clustered by it on both: InnoDB always is, SQLite WITHOUT ROWID);
// {journal} those of a table keyed by {pk}; {add_column} adds a column (if missing, on MySQL);
// {reason}, {request}, {any_length} the widths of core/text.hpp's fields. A statement that
// starts with {mysql} runs on MySQL only.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list{
      {1,
       "the receivables ledger: terms, customers, invoices, payments, credit notes, postings",
       {
           "CREATE TABLE IF NOT EXISTS terms ("
           " code {id} NOT NULL PRIMARY KEY,"
           " basis VARCHAR(16) NOT NULL,"
           " days INTEGER NOT NULL,"
           " discount_days INTEGER NULL,"
           " discount_bp INTEGER NULL) {table}",

           "CREATE TABLE IF NOT EXISTS customers ("
           " id {id} NOT NULL PRIMARY KEY,"
           " name {text} NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " credit_limit BIGINT NULL,"
           " terms {id} NOT NULL REFERENCES terms (code),"
           " collector {id} NULL,"
           " grade CHAR(1) NULL,"
           " on_hold SMALLINT NOT NULL DEFAULT 0,"
           " created_at VARCHAR(32) NOT NULL) {table}",

           // open_amount is a projection of the invoice's postings, kept in the same
           // transaction as they are written; the postings remain the truth.
           "CREATE TABLE IF NOT EXISTS invoices ("
           " number {id} NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " issue_date {date} NOT NULL,"
           " due_date {date} NOT NULL,"
           " due_date_given SMALLINT NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " order_ref {id} NULL,"
           " open_amount BIGINT NOT NULL,"
           " disputed SMALLINT NOT NULL DEFAULT 0,"
           " recorded_at VARCHAR(32) NOT NULL) {table}",
           "CREATE INDEX IF NOT EXISTS invoices_customer_open ON invoices (customer, open_amount)",

           // allocations: the explicit allocations as posted ("INV-1=250000;INV-2=100"),
           // kept to tell a replay from a conflict. unapplied_amount is a projection.
           "CREATE TABLE IF NOT EXISTS payments ("
           " reference {id} NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " received_date {date} NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " allocations TEXT NOT NULL,"
           " unapplied_amount BIGINT NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {table}",
           "CREATE INDEX IF NOT EXISTS payments_customer_unapplied ON payments (customer, unapplied_amount)",

           "CREATE TABLE IF NOT EXISTS credit_notes ("
           " number {id} NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " note_date {date} NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " invoice {id} NULL,"
           " unapplied_amount BIGINT NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {table}",
           "CREATE INDEX IF NOT EXISTS credit_notes_customer_unapplied ON credit_notes (customer, unapplied_amount)",

           // The journal. Append-only: no statement anywhere updates or deletes a posting.
           "CREATE TABLE IF NOT EXISTS postings ("
           " id {pk},"
           " customer {id} NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " posted_on {date} NOT NULL,"
           " kind VARCHAR(24) NOT NULL,"
           " document {id} NOT NULL,"
           " invoice {id} NULL,"
           " issue_date {date} NULL,"
           " due_date {date} NULL,"
           " open_delta BIGINT NOT NULL,"
           " unapplied_delta BIGINT NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {journal}",
           // Aging reads this index alone, in customer order (a streaming GROUP BY).
           "CREATE INDEX IF NOT EXISTS postings_aging ON postings"
           " (currency, customer, posted_on, due_date, issue_date, open_delta, unapplied_delta)",
       }},
      {2,
       "the service: API keys, the audit trail, write-off requests, disputes, payment reversals",
       {
           // Only the SHA-256 of a key is stored (hex); the key itself is shown once.
           "CREATE TABLE IF NOT EXISTS api_keys ("
           " id {pk},"
           " name {text} NOT NULL,"
           " role VARCHAR(16) NOT NULL,"
           " key_hash CHAR(64) NOT NULL,"
           " created_at VARCHAR(32) NOT NULL) {journal}",
           "CREATE UNIQUE INDEX IF NOT EXISTS api_keys_hash ON api_keys (key_hash)",

           // Append-only, like the journal: who changed what, when, by which request.
           "CREATE TABLE IF NOT EXISTS audit ("
           " id {pk},"
           " at VARCHAR(32) NOT NULL,"
           " actor {text} NOT NULL,"
           " role VARCHAR(16) NOT NULL,"
           " action VARCHAR(48) NOT NULL,"
           " entity VARCHAR(32) NOT NULL,"
           " entity_id {id} NOT NULL,"
           " request_id VARCHAR(64) NOT NULL,"
           " detail TEXT NOT NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS audit_entity ON audit (entity, entity_id, id)",

           "CREATE TABLE IF NOT EXISTS write_offs ("
           " id {pk},"
           " invoice {id} NOT NULL REFERENCES invoices (number),"
           " customer {id} NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " reason {text} NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " requested_by {text} NOT NULL,"
           " requested_at VARCHAR(32) NOT NULL,"
           " decided_by {text} NULL,"
           " decided_at VARCHAR(32) NULL,"
           " posted_on {date} NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS write_offs_status ON write_offs (status, id)",

           // Projections, kept with the postings that move them: the amount written off (an
           // invoice with nothing open is then `written_off` rather than `paid`).
           "ALTER TABLE invoices {add_column} written_off BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE invoices {add_column} dispute_reason {text} NULL",
           "ALTER TABLE payments {add_column} reversed_on {date} NULL",
           "ALTER TABLE payments {add_column} reversal_reason {text} NULL",
       }},
      {3,
       "credit control: the credit policy, reservations, the checks a person may override, dunning hold",
       {
           // One row (id 1). NULL in a threshold switches its rule off.
           "CREATE TABLE IF NOT EXISTS credit_policy ("
           " id INTEGER NOT NULL PRIMARY KEY,"
           " decline_on_hold SMALLINT NOT NULL,"
           " decline_on_dunning_hold SMALLINT NOT NULL,"
           " check_limit SMALLINT NOT NULL,"
           " over_limit_review_bp INTEGER NOT NULL,"
           " review_overdue_days INTEGER NULL,"
           " review_overdue_share_bp INTEGER NULL,"
           " review_grade_c SMALLINT NOT NULL,"
           " review_no_limit SMALLINT NOT NULL,"
           " reservation_days INTEGER NOT NULL,"
           " weight_on_time INTEGER NOT NULL,"
           " weight_days_late INTEGER NOT NULL,"
           " weight_overdue INTEGER NOT NULL,"
           " weight_volume INTEGER NOT NULL,"
           " write_off_penalty INTEGER NOT NULL,"
           " days_late_zero INTEGER NOT NULL,"
           " grade_a_min INTEGER NOT NULL,"
           " grade_b_min INTEGER NOT NULL) {table}",
           "INSERT INTO credit_policy SELECT 1, 1, 1, 1, 0, 30, 2000, 1, 1, 30, 40, 25, 20, 15, 30, 60, 80, 50"
           " FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM credit_policy)",

           // amount is what is still held; an invoice with the order_ref lowers it.
           "CREATE TABLE IF NOT EXISTS reservations ("
           " order_ref {id} NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " amount BIGINT NOT NULL,"
           " reserved_amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " reserved_on {date} NOT NULL,"
           " expires_on {date} NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " reserved_by {text} NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {table}",
           "CREATE INDEX IF NOT EXISTS reservations_customer ON reservations (customer, status, expires_on, amount)",

           // The last check of each order that ended in review or declined: what an override approves.
           "CREATE TABLE IF NOT EXISTS credit_checks ("
           " order_ref {id} NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " decision VARCHAR(16) NOT NULL,"
           " reasons VARCHAR(200) NOT NULL,"
           " checked_at VARCHAR(32) NOT NULL,"
           " overridden_by {text} NULL,"
           " override_reason {text} NULL) {table}",

           "CREATE TABLE IF NOT EXISTS limit_changes ("
           " id {pk},"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " old_limit BIGINT NULL,"
           " new_limit BIGINT NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " requested_by {text} NOT NULL,"
           " requested_at VARCHAR(32) NOT NULL,"
           " decided_by {text} NULL,"
           " decided_at VARCHAR(32) NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS limit_changes_status ON limit_changes (status, id)",

           // Each customer's latest score, factor by factor (core/grading.hpp), and the runs.
           "CREATE TABLE IF NOT EXISTS scores ("
           " customer {id} NOT NULL PRIMARY KEY REFERENCES customers (id),"
           " as_of {date} NOT NULL,"
           " score INTEGER NOT NULL,"
           " grade CHAR(1) NOT NULL,"
           " on_time_bp INTEGER NOT NULL, on_time_points INTEGER NOT NULL,"
           " average_days_late INTEGER NOT NULL, days_late_points INTEGER NOT NULL,"
           " overdue_bp INTEGER NOT NULL, overdue_points INTEGER NOT NULL,"
           " invoices INTEGER NOT NULL, invoiced BIGINT NOT NULL, volume_points INTEGER NOT NULL,"
           " written_off SMALLINT NOT NULL, write_off_points INTEGER NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {table}",
           "CREATE TABLE IF NOT EXISTS grading_runs ("
           " id {pk},"
           " as_of {date} NOT NULL,"
           " examined INTEGER NOT NULL,"
           " graded INTEGER NOT NULL,"
           " changed INTEGER NOT NULL,"
           " run_by {text} NOT NULL,"
           " run_at VARCHAR(32) NOT NULL) {journal}",

           "ALTER TABLE customers {add_column} dunning_hold SMALLINT NOT NULL DEFAULT 0",
           // A projection: the sum of the customer's active reservations, kept in the
           // transaction that changes them (a check reads it instead of summing them all).
           "ALTER TABLE customers {add_column} reserved_amount BIGINT NOT NULL DEFAULT 0",
       }},
      {4,
       "collections: the dunning policy, runs and tasks",
       {
           "CREATE TABLE IF NOT EXISTS dunning_settings (id INTEGER NOT NULL PRIMARY KEY, min_amount BIGINT NOT NULL) {table}",
           "INSERT INTO dunning_settings (id, min_amount) SELECT 1, 1000 FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM dunning_settings)",
           // days_a/b/c: a grade's own days_overdue for the level, NULL: the level's.
           "CREATE TABLE IF NOT EXISTS dunning_levels ("
           " level INTEGER NOT NULL PRIMARY KEY,"
           " days_overdue INTEGER NOT NULL,"
           " action {id} NOT NULL,"
           " credit_hold SMALLINT NOT NULL,"
           " days_a INTEGER NULL, days_b INTEGER NULL, days_c INTEGER NULL) {table}",
           "INSERT INTO dunning_levels SELECT 1, 1, 'reminder', 0, NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM dunning_levels)",
           "INSERT INTO dunning_levels SELECT 2, 15, 'call', 0, NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM dunning_levels WHERE level = 2)",
           "INSERT INTO dunning_levels SELECT 3, 30, 'final_notice', 1, NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM dunning_levels WHERE level = 3)",
           "INSERT INTO dunning_levels SELECT 4, 60, 'collection_agency', 0, NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM dunning_levels WHERE level = 4)",

           // One task per customer, episode and level: the key makes a duplicate impossible,
           // whoever runs.
           "CREATE TABLE IF NOT EXISTS dunning_tasks ("
           " id {pk},"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " episode INTEGER NOT NULL,"
           " level INTEGER NOT NULL,"
           " action {id} NOT NULL,"
           " overdue_amount BIGINT NOT NULL,"
           " invoices TEXT NOT NULL,"
           " created {date} NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " note {text} NULL,"
           " run_id BIGINT NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {journal}",
           "CREATE UNIQUE INDEX IF NOT EXISTS dunning_tasks_episode ON dunning_tasks (customer, episode, level)",
           "CREATE INDEX IF NOT EXISTS dunning_tasks_status ON dunning_tasks (status, id)",

           // The outbox: a notice per task whose action sends one, written with the task.
           // status: pending until delivered (sent) or given up (failed).
           "CREATE TABLE IF NOT EXISTS notices ("
           " id {pk},"
           " task_id BIGINT NOT NULL,"
           " customer {id} NOT NULL,"
           " level INTEGER NOT NULL,"
           " subject {text} NOT NULL,"
           " text_body TEXT NOT NULL,"
           " html_body TEXT NOT NULL,"
           " total BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " attempts INTEGER NOT NULL,"
           " created_at VARCHAR(32) NOT NULL,"
           " next_attempt_at VARCHAR(32) NULL,"
           " last_error {text} NULL,"
           " sent_at VARCHAR(32) NULL,"
           " claimed_by VARCHAR(64) NULL,"
           " claim_until VARCHAR(32) NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS notices_task ON notices (task_id)",
           "CREATE INDEX IF NOT EXISTS notices_status ON notices (status, id)",

           "CREATE TABLE IF NOT EXISTS dunning_runs ("
           " id {pk},"
           " as_of {date} NOT NULL,"
           " examined INTEGER NOT NULL,"
           " tasks_created INTEGER NOT NULL,"
           " holds_set INTEGER NOT NULL,"
           " holds_released INTEGER NOT NULL,"
           " tasks_resolved INTEGER NOT NULL,"
           " promises_broken INTEGER NOT NULL,"
           " duration_ms INTEGER NOT NULL,"
           " run_by {text} NOT NULL,"
           " run_at VARCHAR(32) NOT NULL) {journal}",

           // Promises to pay (contract §2). status is what the last dunning run found: pending,
           // kept or broken.
           "CREATE TABLE IF NOT EXISTS promises ("
           " id {pk},"
           " customer {id} NOT NULL REFERENCES customers (id),"
           " amount BIGINT NOT NULL,"
           " made_on {date} NOT NULL,"
           " promised_date {date} NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " made_by {text} NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS promises_customer ON promises (customer, status)",

           // Scheduled jobs shared by instances: whoever takes a job's lease (one atomic UPDATE)
           // runs it for the day; a lease expires, so a crashed holder does not block forever.
           "CREATE TABLE IF NOT EXISTS job_leases ("
           " job VARCHAR(32) NOT NULL PRIMARY KEY,"
           " holder VARCHAR(64) NULL,"
           " expires_at VARCHAR(32) NULL,"
           " done_for {date} NULL) {table}",
           "INSERT INTO job_leases SELECT 'dunning', NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM job_leases WHERE job = 'dunning')",

           // The customer's dunning episode: its number, and the highest level tasked in it
           // (NULL: no episode open, nothing overdue was dunned since the last one ended).
           "ALTER TABLE customers {add_column} dunning_episode INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE customers {add_column} dunning_level INTEGER NULL",
       }},
      {5,
       "the weekly grading run's lease; the open-invoices index covers due dates",
       {
           // With the due date in it, the index alone answers what is open and overdue for a
           // range of customers: the dunning run's read and the account's overdue sum.
           // (The new one first: on MariaDB the old one serves the customer foreign key until then.)
           "CREATE INDEX IF NOT EXISTS invoices_customer_due ON invoices (customer, open_amount, due_date)",
           "DROP INDEX IF EXISTS invoices_customer_open{on_table:invoices}",
           "INSERT INTO job_leases SELECT 'grading', NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM job_leases WHERE job = 'grading')",
       }},
      {6,
       "the active reservations by expiry date",
       {
           // The hourly expiry job finds what ran out by this range rather than by reading
           // every reservation ever made: with 2.6 million, each run took ~1.5 s of CPU.
           "CREATE INDEX IF NOT EXISTS reservations_expiry ON reservations (status, expires_on)",
       }},
      {7,
       "every text column as wide as what the API lets in (core/text.hpp); a dunning run's failed customers",
       {
           // SQLite's TEXT holds any length; on MariaDB reasons and notes were VARCHAR(200)
           // under a limit of 500, the audit's request a TEXT (64 KiB) under a body limit of
           // 1 MiB, and a notice a TEXT whatever the number of its invoices.
           "{mysql}ALTER TABLE invoices MODIFY COLUMN dispute_reason {reason} NULL",
           "{mysql}ALTER TABLE payments MODIFY COLUMN reversal_reason {reason} NULL",
           "{mysql}ALTER TABLE payments MODIFY COLUMN allocations {request} NOT NULL",
           "{mysql}ALTER TABLE write_offs MODIFY COLUMN reason {reason} NOT NULL",
           "{mysql}ALTER TABLE credit_checks MODIFY COLUMN override_reason {reason} NULL",
           "{mysql}ALTER TABLE dunning_tasks MODIFY COLUMN note {reason} NULL",
           "{mysql}ALTER TABLE dunning_tasks MODIFY COLUMN invoices {any_length} NOT NULL",
           "{mysql}ALTER TABLE audit MODIFY COLUMN detail {request} NOT NULL",
           "{mysql}ALTER TABLE notices MODIFY COLUMN text_body {any_length} NOT NULL",
           "{mysql}ALTER TABLE notices MODIFY COLUMN html_body {any_length} NOT NULL",
           // A run goes on past a customer whose writes the database refuses, and counts it.
           "ALTER TABLE dunning_runs {add_column} customers_failed INTEGER NOT NULL DEFAULT 0",
       }},
      {8,
       "customers found by name; dunning net of unapplied credit; API keys revoked",
       {
           // core/text.hpp's search_key of the name, kept by every write of a name and filled
           // by every migrate for the customers that have none (fill_search_names()).
           "ALTER TABLE customers {add_column} search_name {reason} NULL",
           "ALTER TABLE dunning_settings {add_column} net_unapplied SMALLINT NOT NULL DEFAULT 1",
           "ALTER TABLE dunning_tasks {add_column} unapplied_credit BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE dunning_tasks {add_column} days_overdue INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE api_keys {add_column} revoked_at VARCHAR(32) NULL",
           // Who sold on the account and answers for collecting it (contract §8).
           "ALTER TABLE customers {add_column} salesperson {id} NULL",
           // The finance reports sum the journal by kind of posting: with the kind in the
           // index they read it alone, as the aging does (a table lookup per posting took the
           // balance table of 2.7 million postings to 3 s).
           "DROP INDEX IF EXISTS postings_aging{on_table:postings}",
           "CREATE INDEX IF NOT EXISTS postings_aging ON postings"
           " (currency, customer, posted_on, due_date, issue_date, open_delta, unapplied_delta, kind)",
       }},
      {9,
       "finance: the provision and watch policies, grade changes, early-warning signals seen, events in the outbox",
       {
           // One row each (id 1). Lists as written by the service: "30,60,90".
           "CREATE TABLE IF NOT EXISTS provision_policy ("
           " id INTEGER NOT NULL PRIMARY KEY,"
           " buckets VARCHAR(200) NOT NULL,"
           " rates_bp VARCHAR(200) NOT NULL,"
           " disputed_bp INTEGER NOT NULL) {table}",
           "INSERT INTO provision_policy SELECT 1, '30,60,90', '100,300,1000,2500,5000', 5000 FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM provision_policy)",
           // NULL in a threshold switches its signal off.
           "CREATE TABLE IF NOT EXISTS watch_policy ("
           " id INTEGER NOT NULL PRIMARY KEY,"
           " window_days INTEGER NOT NULL,"
           " near_limit_bp INTEGER NULL,"
           " slower_by_days INTEGER NULL,"
           " broken_promise SMALLINT NOT NULL,"
           " bounced_payment SMALLINT NOT NULL,"
           " grade_drop SMALLINT NOT NULL,"
           " due_soon_days INTEGER NULL,"
           " due_soon_limit_bp INTEGER NOT NULL) {table}",
           "INSERT INTO watch_policy SELECT 1, 90, 9000, 10, 1, 1, 1, 14, 5000 FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM watch_policy)",
           // Each grade a grading run changed, as of the run's date: the grade's history.
           "CREATE TABLE IF NOT EXISTS grade_changes ("
           " id {pk},"
           " customer {id} NOT NULL,"
           " as_of {date} NOT NULL,"
           " old_grade CHAR(1) NULL,"
           " new_grade CHAR(1) NOT NULL,"
           " recorded_at VARCHAR(32) NOT NULL) {journal}",
           "CREATE INDEX IF NOT EXISTS grade_changes_as_of ON grade_changes (as_of, customer)",
           // The signals each customer showed at the last daily look, and since when: a signal
           // not among them is new, and an event goes out for it.
           "CREATE TABLE IF NOT EXISTS watch_signals ("
           " customer {id} NOT NULL,"
           " code VARCHAR(24) NOT NULL,"
           " first_seen {date} NOT NULL,"
           " PRIMARY KEY (customer, code)) {table}",
           // What the outbox carries: a dunning notice, or an early-warning event.
           "ALTER TABLE notices {add_column} event VARCHAR(32) NOT NULL DEFAULT 'dunning.notice'",
           "INSERT INTO job_leases SELECT 'watchlist', NULL, NULL, NULL FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM job_leases WHERE job = 'watchlist')",
       }},
      {10,
       "cash application: customers' bank accounts, invoices' payment references, bank statements and their lines",
       {
           // An account belongs to one customer; stored as compared (no spaces, upper case).
           "CREATE TABLE IF NOT EXISTS customer_accounts ("
           " account VARCHAR(34) NOT NULL PRIMARY KEY,"
           " customer {id} NOT NULL) {table}",
           "CREATE INDEX IF NOT EXISTS customer_accounts_customer ON customer_accounts (customer)",
           // Numbers the service hands out in order: `next_value` is the next one free.
           "CREATE TABLE IF NOT EXISTS counters ("
           " name VARCHAR(32) NOT NULL PRIMARY KEY,"
           " next_value BIGINT NOT NULL) {table}",
           "INSERT INTO counters SELECT 'invoice_reference', 1 FROM (SELECT 1 AS one) o"
           " WHERE NOT EXISTS (SELECT 1 FROM counters WHERE name = 'invoice_reference')",
           // The number whose ISO 11649 reference (RF, core/bank.hpp) customers quote: numbers
           // in the order posted keep the index appended to (the reference's check digits
           // would scatter it). Filled by every migrate for the invoices that have none.
           "ALTER TABLE invoices {add_column} payment_serial BIGINT NULL",
           "CREATE UNIQUE INDEX IF NOT EXISTS invoices_payment_serial ON invoices (payment_serial)",
           // A bank statement: known by its account and the bank's id of it.
           "CREATE TABLE IF NOT EXISTS bank_statements ("
           " id {pk},"
           " account VARCHAR(34) NOT NULL,"
           " statement_id {text} NOT NULL,"
           " format VARCHAR(16) NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " opening BIGINT NULL,"
           " closing BIGINT NULL,"
           " balanced SMALLINT NOT NULL,"
           " imported_by {text} NOT NULL,"
           " imported_at VARCHAR(32) NOT NULL) {journal}",
           "CREATE UNIQUE INDEX IF NOT EXISTS bank_statements_key ON bank_statements (account, statement_id)",
           // A line: known by the account and its key (the bank's reference of its entry and
           // its place in the entry), so that it is never posted twice.
           "CREATE TABLE IF NOT EXISTS bank_statement_lines ("
           " id {pk},"
           " statement BIGINT NOT NULL,"
           " account VARCHAR(34) NOT NULL,"
           " line_key {text} NOT NULL,"
           " bank_reference {text} NOT NULL,"
           " booked {date} NOT NULL,"
           " amount BIGINT NOT NULL,"
           " currency CHAR(3) NOT NULL,"
           " credit SMALLINT NOT NULL,"
           " reversal SMALLINT NOT NULL,"
           " payer_name {text} NOT NULL,"
           " payer_account {text} NOT NULL,"
           " structured_reference {text} NOT NULL,"
           " end_to_end {text} NOT NULL,"
           " remittance {any_length} NOT NULL,"
           " return_reason VARCHAR(16) NOT NULL,"
           " status VARCHAR(16) NOT NULL,"
           " rule_name VARCHAR(32) NOT NULL,"
           " evidence {any_length} NOT NULL,"
           " payment {id} NULL,"
           " customer {id} NULL,"
           " allocations {any_length} NOT NULL) {journal}",
           "CREATE UNIQUE INDEX IF NOT EXISTS bank_statement_lines_key ON bank_statement_lines (account, line_key)",
           "CREATE INDEX IF NOT EXISTS bank_statement_lines_statement ON bank_statement_lines (statement, status, id)",
       }},
  };
  return list;
}

// MariaDB's MEDIUMTEXT: what a request kept whole may be (the body limit, and a payment's
// explicit allocations written out, at most three times its body).
constexpr std::size_t mysql_mediumtext_bytes_max = (std::size_t{1} << 24) - 1;
static_assert(3 * request_body_bytes_max <= mysql_mediumtext_bytes_max);
static_assert(name_field.length_max <= 200);  // {text}: VARCHAR(200) counts characters, not bytes

std::string expand(const char* statement, Dialect dialect) {
  const bool my = dialect == Dialect::mysql;
  const std::string reason = "VARCHAR(" + std::to_string(reason_field.length_max) +
                             ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  const std::pair<const char*, std::string> tokens[] = {
      {"{mysql}", ""},
      {"{id}", my ? "VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin" : "VARCHAR(64)"},
      {"{date}", my ? "DATE" : "TEXT"},
      {"{text}", my ? "VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "TEXT"},
      {"{reason}", my ? reason : "TEXT"},
      {"{request}", my ? "MEDIUMTEXT" : "TEXT"},
      {"{any_length}", my ? "LONGTEXT" : "TEXT"},
      {"{pk}", my ? "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY" : "INTEGER PRIMARY KEY"},
      {"{table}", my ? "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "WITHOUT ROWID"},
      {"{journal}", my ? "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : ""},
      {"{add_column}", my ? "ADD COLUMN IF NOT EXISTS" : "ADD COLUMN"},
  };
  std::string sql = statement;
  // "{on_table:T}": DROP INDEX names the table on MySQL (" ON T"), not on SQLite.
  for (std::size_t at = sql.find("{on_table:"); at != std::string::npos; at = sql.find("{on_table:", at)) {
    const std::size_t end = sql.find('}', at);
    const std::string table = sql.substr(at + 10, end - at - 10);
    sql.replace(at, end - at + 1, my ? " ON " + table : "");
  }
  for (const auto& [token, replacement] : tokens) {
    for (std::size_t at = sql.find(token); at != std::string::npos; at = sql.find(token, at + replacement.size()))
      sql.replace(at, std::string_view(token).size(), replacement);
  }
  return sql;
}

// The search key of every customer that has none yet.
void fill_search_names(Database& db) {
  std::vector<std::pair<std::string, std::string>> keys;
  {
    Params p;
    std::string id, name;
    Query q(db.session(), "SELECT id, name FROM customers WHERE search_name IS NULL", p);
    q.into(id).into(name);
    if (q.run()) do {
        keys.emplace_back(id, search_key(name));
      } while (q.fetch());
  }
  for (const auto& [id, key] : keys) {
    Params u;
    execute(db, "UPDATE customers SET search_name = " + u.add(key) + " WHERE id = " + u.add(id), u);
  }
}

// A payment reference's number for every invoice that has none, from the counter.
void fill_payment_references(Database& db) {
  std::vector<std::string> numbers;
  {
    Params p;
    std::string number;
    Query q(db.session(), "SELECT number FROM invoices WHERE payment_serial IS NULL ORDER BY number", p);
    q.into(number);
    if (q.run()) do {
        numbers.push_back(number);
      } while (q.fetch());
  }
  if (numbers.empty()) return;
  std::optional<WriteTransaction> tx;
  if (db.dialect() == Dialect::mysql) tx.emplace(db);  // SQLite's migrate is one transaction already
  std::int64_t serial = reserve_serials(db, "invoice_reference", static_cast<std::int64_t>(numbers.size()));
  for (const std::string& number : numbers) {
    Params u;
    execute(db,
            "UPDATE invoices SET payment_serial = " + u.add(static_cast<long long>(serial++)) +
                " WHERE number = " + u.add(number) + " AND payment_serial IS NULL",
            u);
  }
  if (tx) tx->commit();
}

void seed_terms(Database& db) {
  for (const Terms& t : standard_terms()) {
    Params p;
    std::string sql = "INSERT INTO terms (code, basis, days, discount_days, discount_bp) SELECT ";
    sql += p.add(t.code) + ", " + p.add(std::string(to_string(t.basis))) + ", ";
    sql += p.add(static_cast<long long>(t.days)) + ", NULL, NULL FROM (SELECT 1 AS one) o WHERE NOT EXISTS";
    sql += " (SELECT 1 FROM terms WHERE code = " + p.add(t.code) + ")";
    execute(db, sql, p);
  }
}

bool has_version_table(Database& db) {
  Params p;
  long long count = 0;
  const std::string sql = db.dialect() == Dialect::sqlite
                              ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
                              : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                                " AND table_name = 'schema_version'";
  Query(db.session(), sql, p).into(count).run();
  return count > 0;
}

int read_version(Database& db) {
  if (!has_version_table(db)) return 0;
  Params p;
  long long version = 0;
  soci::indicator ind = soci::i_ok;
  Query(db.session(), "SELECT MAX(version) FROM schema_version", p).into(version, ind).run();
  return ind == soci::i_null ? 0 : static_cast<int>(version);
}

// Whether `statement` adds a column that is there already. MySQL says IF NOT EXISTS itself;
// SQLite has no such clause, so its table is asked.
bool adds_existing_column(Database& db, std::string_view statement) {
  constexpr std::string_view alter = "ALTER TABLE ", add = " {add_column} ";
  if (db.dialect() != Dialect::sqlite || !statement.starts_with(alter)) return false;
  const std::size_t table_end = statement.find(add);
  const std::string table(statement.substr(alter.size(), table_end - alter.size()));
  const std::string_view rest = statement.substr(table_end + add.size());
  const std::string column(rest.substr(0, rest.find(' ')));
  Params p;
  long long count = 0;
  Query(db.session(),
        "SELECT COUNT(*) FROM pragma_table_info(" + p.add(table) + ") WHERE name = " + p.add(column), p)
      .into(count)
      .run();
  return count > 0;
}

void apply(Database& db, const Migration& m) {
  // Rows another process may insert at the same moment (MySQL, where a migration is not one
  // transaction): its row stands, and that is what this one meant too.
  auto unless_there = [](const std::function<void()>& insert) {
    try {
      insert();
    } catch (const TransactionConflict&) {
    }
  };
  for (const char* statement : m.statements) {
    if (adds_existing_column(db, statement)) continue;
    if (std::string_view(statement).starts_with("{mysql}") && db.dialect() != Dialect::mysql) continue;
    Params none;
    if (std::string_view(statement).starts_with("INSERT"))
      unless_there([&] { execute(db, expand(statement, db.dialect()), none); });
    else
      execute(db, expand(statement, db.dialect()), none);
  }
  if (m.version == 1) unless_there([&] { seed_terms(db); });
  // Another process may have finished the same migration meanwhile: its row stands.
  Params p;
  const std::string sql = "INSERT INTO schema_version (version, description, applied_at) SELECT " +
                          p.add(static_cast<long long>(m.version)) + ", " + p.add(m.description) + ", " +
                          p.add(utc_timestamp()) + " FROM (SELECT 1 AS one) o WHERE NOT EXISTS"
                          " (SELECT 1 FROM schema_version WHERE version = " + p.add(static_cast<long long>(m.version)) + ")";
  unless_there([&] { execute(db, sql, p); });
}

}  // namespace

int latest_schema_version() { return migrations().back().version; }

int schema_version(Database& db) { return read_version(db); }

// On SQLite one transaction makes the migration atomic. MySQL commits each DDL statement at
// once, so there a migration is a series of statements each of which may run again (see
// migrations()), and two processes may run the same one together: on a Galera cluster, DDL is
// ordered across the nodes, and no lock of one node (GET_LOCK) would hold on the others.
MigrationReport migrate(Database& db) {
  MigrationReport report;
  Params none;
  std::optional<WriteTransaction> tx;
  if (db.dialect() == Dialect::sqlite) tx.emplace(db);
  execute(db,
          expand("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                 " description VARCHAR(200) NOT NULL, applied_at VARCHAR(32) NOT NULL) {journal}",
                 db.dialect()),
          none);
  report.from_version = read_version(db);
  for (const Migration& m : migrations())
    if (m.version > report.from_version) apply(db, m);
  report.to_version = read_version(db);
  // The search keys of customers that have none: all of them once, and those an older
  // instance (which knows nothing of search_name) created while this schema was in place.
  if (report.to_version >= 8) fill_search_names(db);
  if (report.to_version >= 10) fill_payment_references(db);
  if (tx) tx->commit();
  return report;
}

}  // namespace tallyman::sql
