#include "commands.hpp"

#include "cli.hpp"
#include "today.hpp"
#include "core/aging.hpp"
#include "core/bank_statement.hpp"
#include "core/ids.hpp"
#include "http/aging_document.hpp"
#include "sql/books.hpp"
#include "sql/importer.hpp"
#include "sql/ledger_store.hpp"
#include "sql/migrations.hpp"

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace tallyman::app {

std::unique_ptr<sql::Database> open_database(const Args& args) {
  std::string why;
  const std::string url = database_url(args);
  auto parsed = sql::parse_db_url(url, why);
  if (!parsed) throw UsageError(why);
  return std::make_unique<sql::Database>(*parsed);
}

// Opens the database and checks that its schema is the one this binary writes.
std::unique_ptr<sql::Database> open_migrated(const Args& args) {
  auto db = open_database(args);
  const int have = sql::schema_version(*db), want = sql::latest_schema_version();
  if (have != want)
    throw sql::DatabaseError(db->display() + " is at schema version " + std::to_string(have) + ", this tallyman needs " +
                             std::to_string(want) + ": run `tallyman migrate` first");
  return db;
}

Actor cli_actor(std::string request) {
  // What of USER an id may hold, so that the name stores like any key's.
  std::string name = "cli:";
  if (const char* user = std::getenv("USER"))
    for (const char* c = user; *c != '\0' && name.size() < id_length_max; ++c)
      if (is_valid_id(std::string_view(c, 1))) name += *c;
  if (name.size() == 4) name += "unknown";
  return Actor{name, Role::admin, "", std::move(request)};
}

Currency base_currency() {
  std::string text = "EUR";
  if (const char* env = std::getenv("TALLYMAN_CURRENCY"); env != nullptr && *env != '\0') text = env;
  auto currency = parse_currency(text);
  if (!currency) throw UsageError("TALLYMAN_CURRENCY must be an ISO 4217 code of three capital letters");
  return *currency;
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Characters, not bytes: names are UTF-8.
std::size_t text_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& text, std::size_t width, bool right) {
  if (text_width(text) >= width) return text;
  const std::string fill(width - text_width(text), ' ');
  return right ? fill + text : text + fill;
}

std::string aging_table(const AgingReport& report) {
  std::vector<std::string> header{"customer", "name"};
  header.insert(header.end(), report.labels.begin(), report.labels.end());
  header.push_back("unapplied");
  header.push_back("total");
  std::vector<std::vector<std::string>> lines{header};
  auto add = [&](const std::string& id, const std::string& name, const AgingRow& row) {
    std::vector<std::string> cells{id, name.size() > 28 ? name.substr(0, 27) + "~" : name};
    for (std::int64_t b : row.buckets) cells.push_back(format_amount(b, report.currency));
    cells.push_back(format_amount(row.unapplied, report.currency));
    cells.push_back(format_amount(row.total(), report.currency));
    lines.push_back(std::move(cells));
  };
  for (const AgingRow& row : report.customers) add(row.id, row.name, row);
  add("TOTAL", "", report.totals);
  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& line : lines)
    for (std::size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], text_width(line[c]));
  std::string out = "Aging as of " + format_date(report.spec.as_of) + " by " + std::string(to_string(report.spec.basis)) +
                    ", " + report.currency.str() + "\n";
  for (const auto& line : lines) {
    for (std::size_t c = 0; c < line.size(); ++c) out += (c ? "  " : "") + pad(line[c], widths[c], c >= 2);
    out += '\n';
  }
  return out;
}

}  // namespace

int migrate_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db"});
  if (!args.words().empty()) throw UsageError("migrate takes no words, only --db URL");
  auto db = open_database(args);
  const sql::MigrationReport r = sql::migrate(*db);
  if (r.from_version == r.to_version)
    std::printf("%s is at schema version %d: nothing to do\n", db->display().c_str(), r.to_version);
  else
    std::printf("%s migrated from schema version %d to %d\n", db->display().c_str(), r.from_version, r.to_version);
  return 0;
}

int backup_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db"});
  const std::vector<std::string> words = args.words();
  if (words.size() != 1) throw UsageError("usage: tallyman backup FILE [--db URL]");
  const std::string& file = words.front();
  if (std::filesystem::exists(file)) throw UsageError(file + " exists already: a backup never overwrites a file");
  auto db = open_database(args);
  if (db->dialect() != sql::Dialect::sqlite)
    throw UsageError("tallyman backup copies SQLite books; back MariaDB up with mariadb-backup (docs/operations.md)");
  db->backup_to(file);
  std::printf("%s backed up to %s\n", db->display().c_str(), file.c_str());
  return 0;
}

namespace {

// An import holds a large page cache (sql/importer.cpp) and many rows in memory: with glibc's
// malloc asking the kernel for transparent huge pages, a 1M-invoice import took 11.0-12.2 s
// against 12.4-13.0 s, its user time 10-20% less (fewer TLB misses; docs/performance.md).
// glibc reads the tunable when a process starts, so the import runs itself again, once, with
// it set. Should that fail, it goes on as it is.
void with_huge_pages(char** argv) {
  const char* set = std::getenv("GLIBC_TUNABLES");
  std::string tunables = set != nullptr ? set : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  tunables += (tunables.empty() ? "" : ":") + std::string("glibc.malloc.hugetlb=1");
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
}

}  // namespace

// tallyman import statement FILE: a bank statement of any size (POST /v1/bank-statements takes
// up to 32 MiB); camt.053/054 when the file starts as XML, else MT940.
static int import_statement(const Args& args, const std::string& path) {
  const std::string text = read_file(path);
  const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  const bool xml = first != std::string::npos && text[first] == '<';
  const StatementRead read = xml ? read_camt(text) : read_mt940(text);
  if (!read.file) throw UsageError(path + ": " + read.error + "; nothing was imported");
  auto db = open_migrated(args);
  Actor actor = cli_actor("");
  actor.request = "{\"file\": \"statement\", \"bytes\": " + std::to_string(text.size()) + "}";
  sql::SqlBooks books(std::move(db));
  const StatementImport done = books.cash().import_statement(actor, *read.file);
  for (const StoredStatement& s : done.statements)
    std::printf("%s: statement %s of %s: %d lines, %d matched, %d suggested, %d unmatched, %d ignored%s\n", path.c_str(),
                s.statement_id.c_str(), s.account.c_str(), s.lines, s.matched, s.suggested, s.unmatched, s.ignored,
                s.balanced ? "" : "; its balances do not add up");
  if (!done.added) std::printf("%s: known already, line for line: nothing imported\n", path.c_str());
  return 0;
}

int import_command(int argc, char** argv) {
  with_huge_pages(argv);
  Args args(argc, argv, 2, {"db"});
  if (args.words().size() == 2 && args.words()[0] == "statement") return import_statement(args, args.words()[1]);
  if (args.words().size() != 2)
    throw UsageError("usage: tallyman import customers|invoices|payments|remittances FILE.csv | statement FILE [--db URL]");
  auto kind = parse_record_kind(args.words()[0]);
  if (!kind) throw UsageError("import takes customers, invoices, payments, remittances or statement, not " + args.words()[0]);
  const std::string& path = args.words()[1];
  const std::string text = read_file(path);
  auto db = open_migrated(args);
  const Actor actor = cli_actor("");
  auto result = sql::import_csv(*db, *kind, text, {}, &actor);
  if (auto* error = std::get_if<sql::ImportError>(&result)) {
    std::string where = path + ": row " + std::to_string(error->row);
    if (!error->field.empty()) where += ": " + error->field;
    throw UsageError(where + ": " + error->message + "; nothing was imported");
  }
  const auto& summary = std::get<sql::ImportSummary>(result);
  std::printf("%s: %zu rows, %zu imported, %zu already present\n", path.c_str(), summary.rows, summary.created,
              summary.skipped);
  return 0;
}

int report_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"db", "as-of", "buckets", "basis", "currency", "customer", "format"});
  if (args.words() != std::vector<std::string>{"aging"}) throw UsageError("usage: tallyman report aging [options]");
  AgingSpec spec;
  spec.as_of = today();
  if (auto v = args.option("as-of")) {
    auto d = parse_date(*v);
    if (!d) throw UsageError("--as-of must be a date that exists, as YYYY-MM-DD");
    spec.as_of = *d;
  }
  if (auto v = args.option("buckets")) {
    auto bounds = parse_aging_bounds(*v);
    if (!bounds) throw UsageError("--buckets must be 1 to 12 ascending whole numbers of days, as 30,60,90");
    spec.bounds = *bounds;
  }
  if (auto v = args.option("basis")) {
    auto basis = parse_aging_basis(*v);
    if (!basis) throw UsageError("--basis must be due_date or issue_date");
    spec.basis = *basis;
  }
  std::optional<Currency> currency = base_currency();
  if (auto v = args.option("currency")) currency = parse_currency(*v);
  if (!currency) throw UsageError("the currency must be an ISO 4217 code of three capital letters");
  const std::string format = args.option("format").value_or("table");
  if (format != "table" && format != "json" && format != "csv") throw UsageError("--format must be table, json or csv");

  auto db = open_migrated(args);
  sql::LedgerStore store(*db);
  // A range of customers per core, each on its own connection.
  const std::size_t parts = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  const AgingReport report = store.aging(spec, *currency, args.option("customer"), parts);
  if (format == "json")
    std::cout << http::aging_json(report) << '\n';
  else if (format == "csv")
    std::cout << http::aging_csv(report);
  else
    std::cout << aging_table(report);
  return 0;
}

}  // namespace tallyman::app
