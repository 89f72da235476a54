// The command line as users and scripts meet it: the real binary in a child process, on
// real SQLite files and on the test MariaDB.
#include "sql/ledger_store.hpp"
#include "sql/statement.hpp"
#include "sql/support.hpp"
#include "core/calendar.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

using namespace tallyman;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Workdir {
 public:
  Workdir() : path_(std::filesystem::temp_directory_path() / test::unique_name("tallyman_cli_")) {
    std::filesystem::create_directories(path_);
  }
  ~Workdir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& text = "") const {
    const std::string p = (path_ / name).string();
    if (!text.empty()) std::ofstream(p) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// Runs tallyman with the arguments (each quoted for the shell) and collects its output.
Outcome run_cli(const Workdir& dir, const std::vector<std::string>& args, const std::string& env = "") {
  std::string cmd = env + " '" TALLYMAN_BIN "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const int raw = std::system((cmd + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

std::string example(const char* name) { return std::string(TALLYMAN_SOURCE_DIR) + "/docs/examples/" + name; }

long long count(sql::Database& db, const char* table) {
  sql::Params none;
  long long n = 0;
  sql::Query(db.session(), std::string("SELECT COUNT(*) FROM ") + table, none).into(n).run();
  return n;
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// A connection that watches another process's import: on SQLite it does not wait for locks, on
// MariaDB it reads rows not yet committed.
std::unique_ptr<sql::Database> watcher(const std::string& url) {
  std::string why;
  auto db = std::make_unique<sql::Database>(*sql::parse_db_url(url, why));
  sql::Params none;
  if (db->dialect() == sql::Dialect::sqlite)
    sql::execute(*db, "PRAGMA busy_timeout=0", none);
  else
    sql::execute(*db, "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", none);
  return db;
}

// SQLite: whether another connection holds the write lock (a writer that will not wait is refused).
bool write_locked(sql::Database& watcher) {
  try {
    sql::WriteTransaction probe(watcher);
    return false;
  } catch (const sql::DatabaseError&) {
    return true;
  }
}

// Runs `tallyman ARGS` in a child process and kills it with SIGKILL once `writing()` says its
// transaction has written and `more` has passed; the child must still be at work then.
void kill_while_writing(const std::vector<std::string>& args, const std::function<bool()>& writing,
                        std::chrono::milliseconds more) {
  std::vector<std::string> words{"tallyman"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    freopen("/dev/null", "w", stdout);
    execv(TALLYMAN_BIN, argv.data());
    _exit(127);
  }
  REQUIRE(child > 0);
  for (int wait = 0; wait < 3000 && !writing(); ++wait) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(writing());
  std::this_thread::sleep_for(more);
  int status = 0;
  REQUIRE(waitpid(child, &status, WNOHANG) == 0);  // still at work: the kill lands mid-import
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
}

}  // namespace

TEST_CASE("cli: the demo book imports and ages as the contract's JSON document", "[app][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"), false);
  Workdir dir;
  REQUIRE(run_cli(dir, {"migrate", "--db", t.url()}).status == 0);
  for (const char* kind : {"customers", "invoices", "payments"})
    REQUIRE(run_cli(dir, {"import", kind, example((std::string(kind) + ".csv").c_str()), "--db", t.url()}).status == 0);
  auto again = run_cli(dir, {"import", "invoices", example("invoices.csv"), "--db", t.url()});
  CHECK(again.status == 0);
  CHECK(again.out.find("7 rows, 0 imported, 7 already present") != std::string::npos);

  auto r = run_cli(dir, {"report", "aging", "--as-of", "2026-03-31", "--format", "json", "--db", t.url()});
  REQUIRE(r.status == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["as_of"] == "2026-03-31");
  CHECK(doc["basis"] == "due_date");
  CHECK(doc["currency"] == "EUR");
  CHECK(doc["buckets"] == nlohmann::json::array({"current", "1-30", "31-60", "61-90", "91+"}));
  CHECK(doc["totals"]["total"] == 674050);
  CHECK(doc["totals"]["1-30"] == 130000);
  REQUIRE(doc["customers"].size() == 3);
  CHECK(doc["customers"][0]["id"] == "C-1001");
  CHECK(doc["customers"][1]["name"] == "Bauer & Söhne KG");
  CHECK(doc["customers"][1]["91+"] == 220000);

  auto csv = run_cli(dir, {"report", "aging", "--as-of", "2026-03-31", "--basis", "issue_date", "--buckets", "45",
                            "--format", "csv", "--db", t.url()});
  REQUIRE(csv.status == 0);
  CHECK(csv.out.starts_with("id,name,0-45,46+,unapplied,total\r\n"));
  auto table = run_cli(dir, {"report", "aging", "--as-of", "2026-03-31", "--db", t.url()});
  CHECK(table.status == 0);
  CHECK(table.out.find("TOTAL") != std::string::npos);
}

TEST_CASE("cli: keys create prints a key once and stores only its hash, imports are audited", "[app]") {
  test::TestDb t("sqlite");
  Workdir dir;
  auto made = run_cli(dir, {"keys", "create", "--role", "finance", "--name", "alice", "--db", t.url()}, "USER=carol");
  REQUIRE(made.status == 0);
  const std::string key = made.out.substr(0, made.out.find('\n'));
  CHECK(key.starts_with("tm_"));
  CHECK(key.size() == 46);
  CHECK(made.err.find("shown this once") != std::string::npos);
  sql::Params none;
  std::string name, role, hash;
  sql::Query(t.db().session(), "SELECT name, role, key_hash FROM api_keys", none).into(name).into(role).into(hash).run();
  CHECK(name == "alice");
  CHECK(role == "finance");
  CHECK(hash.size() == 64);
  CHECK(hash.find(key) == std::string::npos);
  CHECK(run_cli(dir, {"keys", "create", "--role", "owner", "--name", "bob", "--db", t.url()}).status == 2);
  CHECK(run_cli(dir, {"keys", "create", "--role", "admin", "--name", "bob smith", "--db", t.url()}).status == 2);
  CHECK(run_cli(dir, {"keys", "make", "--db", t.url()}).status == 2);

  REQUIRE(run_cli(dir, {"import", "customers", example("customers.csv"), "--db", t.url()}, "USER=carol").status == 0);
  std::string actor, action, detail;
  sql::Query(t.db().session(), "SELECT actor, action, detail FROM audit", none).into(actor).into(action).into(detail).run();
  CHECK(actor == "cli:carol");
  CHECK(action == "import.customers");
  CHECK(detail == R"({"rows":4,"created":4,"skipped":0})");
}

TEST_CASE("cli: a bad row exits 2 with one line naming file, row and field - nothing is stored", "[app][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  Workdir dir;
  REQUIRE(run_cli(dir, {"import", "customers", example("customers.csv"), "--db", t.url()}).status == 0);
  const std::string file = dir.file("bad.csv",
                                    "number,customer,issue_date,amount,currency\n"
                                    "INV-1,C-1001,2026-01-15,100,EUR\n"
                                    "INV-2,C-1001,2026-02-30,100,EUR\n");
  auto r = run_cli(dir, {"import", "invoices", file, "--db", t.url()});
  CHECK(r.status == 2);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.find("bad.csv: row 3: issue_date: must be a date that exists") != std::string::npos);
  CHECK(r.out.empty());
  CHECK(count(t.db(), "invoices") == 0);
}

TEST_CASE("cli: bad usage exits 2 with one line on stderr", "[app]") {
  Workdir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  const std::vector<std::vector<std::string>> cases{
      {},
      {"frobnicate"},
      {"migrate", "--colour", "red"},
      {"migrate", "--db"},
      {"migrate", "--db", "postgres://nope"},
      {"import", "ledgers", "x.csv", "--db", db},
      {"import", "invoices", dir.file("missing.csv"), "--db", db},
      {"report", "aging", "--as-of", "2026-02-30", "--db", db},
      {"report", "aging", "--buckets", "60,30", "--db", db},
      {"report", "aging", "--basis", "posting_date", "--db", db},
      {"report", "aging", "--format", "xml", "--db", db},
      {"report", "aging", "--currency", "euro", "--db", db},
  };
  for (const auto& args : cases) {
    auto r = run_cli(dir, args);
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.starts_with("tallyman"));
  }
}

TEST_CASE("cli: serve with a bad setting exits 2 with one line naming it, before it listens", "[app]") {
  Workdir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  for (const char* setting : {"TALLYMAN_WORKERS=0", "TALLYMAN_WORKER_QUEUE=0", "TALLYMAN_IO_THREADS=two",
                              "TALLYMAN_IDLE_TIMEOUT=-1", "TALLYMAN_DESKS=99", "TALLYMAN_DUNNING_AT=25:00",
                              "TALLYMAN_GRADING_AT=someday", "TALLYMAN_TZ=Nowhere/Town", "TALLYMAN_WEBHOOK_ATTEMPTS=0"}) {
    auto r = run_cli(dir, {"serve", "--db", db, "--listen", "127.0.0.1:0"}, setting);
    INFO(setting << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(std::string(setting).substr(0, std::string(setting).find('='))) != std::string::npos);
    CHECK(r.out.find("listening") == std::string::npos);
  }
}

TEST_CASE("cli: config prints the settings serve would run with, a secret hidden", "[app]") {
  Workdir dir;
  auto r = run_cli(dir, {"config", "--db", "mysql://u:pw@127.0.0.1:3307/books", "--listen", "0.0.0.0:9000"},
                   "TALLYMAN_DESKS=3 TALLYMAN_GRADING_AT='fri 18:30' TALLYMAN_DUNNING_AT=off TALLYMAN_WEBHOOK_SECRET=s3cret"
                   " TALLYMAN_TZ=Europe/Berlin");
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (const char* line : {"database = mysql://u:***@127.0.0.1:3307/books\n", "listen = 0.0.0.0:9000\n",
                           "credit_desks = 3\n", "grading_at = fri 18:30\n", "dunning_at = off\n",
                           "webhook_secret = (set)\n", "time_zone = Europe/Berlin\n", "workers = "}) {
    INFO(line);
    CHECK(r.out.find(line) != std::string::npos);
  }
  CHECK(r.out.find("s3cret") == std::string::npos);
  CHECK(r.out.find("pw") == std::string::npos);
}

TEST_CASE("cli: as_of defaults to today in TALLYMAN_TZ and the currency to TALLYMAN_CURRENCY", "[app]") {
  test::TestDb t("sqlite");
  Workdir dir;
  auto r = run_cli(dir, {"report", "aging", "--format", "json", "--db", t.url()},
                   "TALLYMAN_TZ=Pacific/Kiritimati TALLYMAN_CURRENCY=CHF");
  REQUIRE(r.status == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["currency"] == "CHF");
  // UTC+14: today there is today or tomorrow in UTC, never yesterday.
  const auto now = std::chrono::floor<date::days>(std::chrono::system_clock::now());
  const std::string as_of = doc["as_of"];
  CHECK((as_of == format_date(now) || as_of == format_date(now + date::days{1})));
  auto bad = run_cli(dir, {"report", "aging", "--db", t.url()}, "TALLYMAN_TZ=Mars/Olympus_Mons");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("TALLYMAN_TZ") != std::string::npos);
}

TEST_CASE("cli: an unmigrated or unreachable database exits 1", "[app]") {
  Workdir dir;
  auto r = run_cli(dir, {"report", "aging", "--db", "sqlite:" + dir.file("new.db")});
  CHECK(r.status == 1);
  CHECK(r.err.find("run `tallyman migrate` first") != std::string::npos);
  auto down = run_cli(dir, {"migrate", "--db", "mysql://u:p@127.0.0.1:1/nothing"});
  CHECK(down.status == 1);
  CHECK(lines(down.err) == 1);
}

TEST_CASE("cli: kill -9 in the middle of an import leaves nothing of it", "[app][mysql]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "mysql");
  Workdir dir;
  // On SQLite the import is to have the file to itself, as a command-line import usually has:
  // it then writes through a rollback journal (sql::Database::begin_bulk_journal), and the kill
  // is to find it there. So no connection of the test's stays open on the file meanwhile.
  std::optional<test::TestDb> server;
  std::string url;
  if (backend == "sqlite") {
    url = "sqlite:" + dir.file("books.db");
    REQUIRE(run_cli(dir, {"migrate", "--db", url}).status == 0);
  } else {
    url = server.emplace("mysql").url();
  }
  const bool sqlite = backend == "sqlite";
  auto connect = [&] {
    std::string why;
    return std::make_unique<sql::Database>(*sql::parse_db_url(url, why));
  };
  REQUIRE(run_cli(dir, {"import", "customers", example("customers.csv"), "--db", url}).status == 0);
  std::string text = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  const int rows = 400000;
  for (int r = 0; r < rows; ++r) text += "K-" + std::to_string(r) + ",C-1001,2026-01-15,,1000,EUR,\n";
  const std::string file = dir.file("big.csv", text);

  // Kill only once the import has written into its transaction, so the kill lands mid-import.
  // SQLite: the import's rollback journal has content and it holds the write lock; it keeps its
  // pages in its cache until commit, so we give it a moment to work through batches. MariaDB: a
  // dirty read sees the uncommitted rows.
  const std::filesystem::path journal = url.substr(7) + "-journal";
  std::unique_ptr<sql::Database> observer;
  kill_while_writing({"import", "invoices", file, "--db", url}, [&] {
    if (sqlite) {
      std::error_code ec;
      if (!(std::filesystem::file_size(journal, ec) > 0 && !ec)) return false;
    }
    if (!observer) observer = watcher(url);
    return sqlite ? write_locked(*observer) : count(*observer, "invoices") > 20000;
  }, std::chrono::milliseconds(sqlite ? 500 : 0));

  auto fresh = connect();
  CHECK(count(*fresh, "invoices") == 0);
  CHECK(count(*fresh, "postings") == 0);
  if (sqlite) {  // the import had dropped the secondary indexes inside its transaction
    sql::Params p;
    long long indexes = 0;
    sql::Query(fresh->session(),
               "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('postings_aging', 'invoices_customer_due')", p)
        .into(indexes)
        .run();
    CHECK(indexes == 2);
    std::string mode;
    sql::Query(fresh->session(), "PRAGMA journal_mode", p).into(mode).run();
    CHECK(mode == "wal");  // opening the file again set WAL once the journal was rolled back
  }
  // The database is whole: the same file imports completely afterwards.
  observer.reset();
  fresh.reset();
  auto r = run_cli(dir, {"import", "invoices", file, "--db", url});
  CHECK(r.status == 0);
  CHECK(count(*connect(), "invoices") == rows);
}

TEST_CASE("cli: ':p' in every field of imports of 10 and of 200 rows, then a dunning run", "[app][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  // 10 rows take MariaDB's few-rows INSERT, 200 its array insert; both bind every value.
  const int rows = GENERATE(10, 200);
  Workdir dir;
  std::string customers = "id,name,currency,credit_limit,terms,collector\n";
  std::string invoices = "number,customer,issue_date,amount,currency,order_ref\n";
  std::string payments = "reference,customer,received_date,amount,currency\n";
  for (int k = 0; k < rows; ++k) {
    const std::string id = "X:p" + std::to_string(k);
    customers += id + ",\"Acme:partners :p" + std::to_string(k) + " 'q' \\\\:p\",EUR,100000,NET30,al:p" +
                 std::to_string(k % 3) + "\n";
    invoices += "INV:p" + std::to_string(k) + "," + id + ",2026-01-02,5000,EUR,SO:p" + std::to_string(k) + "\n";
    payments += "PAY:p" + std::to_string(k) + "," + id + ",2026-01-20,1000,EUR\n";
  }
  REQUIRE(run_cli(dir, {"import", "customers", dir.file("c.csv", customers), "--db", t.url()}).status == 0);
  REQUIRE(run_cli(dir, {"import", "invoices", dir.file("i.csv", invoices), "--db", t.url()}).status == 0);
  REQUIRE(run_cli(dir, {"import", "payments", dir.file("p.csv", payments), "--db", t.url()}).status == 0);
  const Outcome run = run_cli(dir, {"dunning", "run", "--as-of", "2026-02-10", "--db", t.url()});
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find(std::to_string(rows) + " tasks created") != std::string::npos);
  CHECK(count(t.db(), "dunning_tasks") == rows);
  CHECK(count(t.db(), "notices") == rows);
  sql::Params p;
  std::string name;
  sql::Query(t.db().session(), "SELECT name FROM customers WHERE id = " + p.add("X:p7"), p).into(name).run();
  CHECK(name == "Acme:partners :p7 'q' \\\\:p");
}

TEST_CASE("cli: import statement reads camt and MT940 files once, one it cannot read exits 2 storing nothing",
          "[app][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  Workdir dir;
  const std::string camt = std::string(TALLYMAN_SOURCE_DIR) + "/tests/data/camt053_two_statements.xml";
  auto first = run_cli(dir, {"import", "statement", camt, "--db", t.url()});
  CHECK(first.status == 0);
  CHECK(first.out.find("statement STMT-2026-03-01 of CH9300762011623852957: 4 lines") != std::string::npos);
  CHECK(first.out.find("its balances do not add up") != std::string::npos);  // the second statement's
  CHECK(count(t.db(), "bank_statement_lines") == 5);
  auto again = run_cli(dir, {"import", "statement", camt, "--db", t.url()});
  CHECK(again.status == 0);
  CHECK(again.out.find("known already") != std::string::npos);
  CHECK(count(t.db(), "bank_statement_lines") == 5);
  CHECK(run_cli(dir, {"import", "statement", std::string(TALLYMAN_SOURCE_DIR) + "/tests/data/mt940_sample.sta", "--db", t.url()})
            .status == 0);
  CHECK(count(t.db(), "bank_statement_lines") == 8);
  auto bad = run_cli(dir, {"import", "statement", dir.file("bad.xml", "<Document"), "--db", t.url()});
  CHECK(bad.status == 2);
  CHECK(lines(bad.err) == 1);
  CHECK(bad.err.find("bad.xml: the XML is not well-formed") != std::string::npos);
  CHECK(count(t.db(), "bank_statements") == 3);
}

TEST_CASE("cli: kill -9 in the middle of a statement import leaves nothing of it", "[app][mysql]") {
  test::TestDb t(GENERATE(as<std::string>{}, "sqlite", "mysql"));
  const bool sqlite = t.db().dialect() == sql::Dialect::sqlite;
  Workdir dir;
  REQUIRE(run_cli(dir, {"import", "customers", example("customers.csv"), "--db", t.url()}).status == 0);
  // Each line pays one invoice in full and names it (the invoice_numbers rung): every line
  // becomes a payment, its postings and an invoice's open amount.
  const int n = 40000;
  std::string invoices = "number,customer,issue_date,due_date,amount,currency,order_ref\n";
  std::string camt =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt><Stmt><Id>KILL-1</Id>"
      "<Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>EUR</Ccy></Acct>\n";
  for (int k = 0; k < n; ++k) {
    char number[16];
    std::snprintf(number, sizeof number, "INV-%08d", k);
    invoices += std::string(number) + ",C-1001,2026-01-15,,1250,EUR,\n";
    camt += "<Ntry><Amt Ccy=\"EUR\">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            "<BookgDt><Dt>2026-02-01</Dt></BookgDt><AcctSvcrRef>KILL-" + std::to_string(k) +
            "</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>Invoice " + number +
            "</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n";
  }
  camt += "</Stmt></BkToCstmrStmt></Document>\n";
  REQUIRE(run_cli(dir, {"import", "invoices", dir.file("invoices.csv", invoices), "--db", t.url()}).status == 0);
  const std::string file = dir.file("statement.xml", camt);
  auto open_total = [&](sql::Database& db) {
    sql::Params none;
    long long total = 0;
    sql::Query(db.session(), "SELECT SUM(open_amount) FROM invoices", none).into(total).run();
    return total;
  };
  const long long postings = count(t.db(), "postings");
  REQUIRE(open_total(t.db()) == 1250LL * n);

  // Killed once its transaction is open (SQLite: it holds the write lock, and has a moment to
  // work through batches) or its first lines are written (MariaDB: a dirty read sees them).
  auto observer = watcher(t.url());
  kill_while_writing({"import", "statement", file, "--db", t.url()}, [&] {
    return sqlite ? write_locked(*observer) : count(*observer, "bank_statement_lines") > 0;
  }, std::chrono::milliseconds(sqlite ? 300 : 0));
  observer.reset();

  auto fresh = t.connect();
  CHECK(count(*fresh, "bank_statements") == 0);
  CHECK(count(*fresh, "bank_statement_lines") == 0);
  CHECK(count(*fresh, "payments") == 0);
  CHECK(count(*fresh, "postings") == postings);
  CHECK(open_total(*fresh) == 1250LL * n);
  // The same file imports whole afterwards.
  auto again = run_cli(dir, {"import", "statement", file, "--db", t.url()});
  CHECK(again.status == 0);
  CHECK(again.out.find(std::to_string(n) + " lines, " + std::to_string(n) + " matched") != std::string::npos);
  CHECK(count(*fresh, "payments") == n);
  CHECK(open_total(*fresh) == 0);
}

TEST_CASE("cli: import remittances applies a payment's unapplied money once, a bad row exits 2 storing nothing",
          "[app]") {
  test::TestDb t("sqlite");
  Workdir dir;
  const std::string customers = dir.file("c.csv", "id,name,currency\nC-1,Acme,EUR\n");
  const std::string invoices = dir.file("i.csv", "number,customer,issue_date,amount,currency\n"
                                                 "INV-1,C-1,2026-01-15,700,EUR\nINV-2,C-1,2026-01-15,900,EUR\n");
  const std::string payments = dir.file("p.csv", "reference,customer,received_date,amount,currency\n"
                                                 "P-1,C-1,2026-01-10,1000,EUR\n");
  for (const auto& [kind, file] : {std::pair{"customers", customers}, {"invoices", invoices}, {"payments", payments}})
    REQUIRE(run_cli(dir, {"import", kind, file, "--db", t.url()}).status == 0);
  const std::string advice = dir.file("r.csv", "payment,customer,invoice,amount,date\nP-1,C-1,INV-2,900,2026-02-01\n");
  auto first = run_cli(dir, {"import", "remittances", advice, "--db", t.url()});
  CHECK(first.status == 0);
  CHECK(first.out.find("1 rows, 1 imported, 0 already present") != std::string::npos);
  auto again = run_cli(dir, {"import", "remittances", advice, "--db", t.url()});
  CHECK(again.out.find("1 rows, 0 imported, 1 already present") != std::string::npos);
  const std::string bad = dir.file("bad.csv", "payment,customer,invoice,amount,date\nP-1,C-1,INV-1,100,2026-02-01\n"
                                              "P-1,C-1,INV-1,1,2026-02-30\n");
  auto r = run_cli(dir, {"import", "remittances", bad, "--db", t.url()});
  CHECK(r.status == 2);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.find("bad.csv: row 3: date: must be a date that exists") != std::string::npos);
  sql::LedgerStore store(t.db());
  CHECK(store.invoice("INV-1").value().open_amount == 700);
  CHECK(store.invoice("INV-2").value().open_amount == 0);
  CHECK(store.unapplied("C-1") == 100);
}
