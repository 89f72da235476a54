#include "sql/database.hpp"

#include "mysql_api.hpp"
#include "statement.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <cstdio>
#include <charconv>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace tallyman::sql {

namespace {

// busy_timeout for SQLite writers waiting on each other, in seconds.
constexpr int sqlite_busy_seconds = 30;

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc{} || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

// SOCI's MySQL connection string quotes values with spaces or quotes in single quotes.
std::string soci_value(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace

std::optional<DbUrl> parse_db_url(std::string_view url, std::string& why) {
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);
    if (path.empty()) {
      why = "sqlite: needs a file path, as in sqlite:tallyman.db";
      return std::nullopt;
    }
    // SOCI takes a bare SQLite connection string as the file name, spaces and all.
    return DbUrl{Dialect::sqlite, std::string(path), std::string(url)};
  }
  if (url.starts_with("mysql://")) {
    std::string_view rest = url.substr(8);
    const std::size_t at = rest.rfind('@');
    const std::size_t slash = rest.find('/', at == std::string_view::npos ? 0 : at);
    if (at == std::string_view::npos || slash == std::string_view::npos) {
      why = "mysql URLs read mysql://USER:PASSWORD@HOST:PORT/DATABASE";
      return std::nullopt;
    }
    std::string_view userinfo = rest.substr(0, at), hostport = rest.substr(at + 1, slash - at - 1),
                     database = rest.substr(slash + 1);
    const std::size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1));
    const std::size_t port_colon = hostport.rfind(':');
    std::string_view host = hostport.substr(0, port_colon);
    std::string_view port = port_colon == std::string_view::npos ? "3306" : hostport.substr(port_colon + 1);
    int port_number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (!user || user->empty() || !password || host.empty() || database.empty() || ec != std::errc{} ||
        end != port.data() + port.size() || port_number < 1 || port_number > 65535) {
      why = "mysql URLs read mysql://USER:PASSWORD@HOST:PORT/DATABASE";
      return std::nullopt;
    }
    std::string connect = "db=" + soci_value(std::string(database)) + " user=" + soci_value(*user) +
                          " password=" + soci_value(*password) + " host=" + soci_value(std::string(host)) +
                          " port=" + std::to_string(port_number) + " charset=utf8mb4";
    return DbUrl{Dialect::mysql, connect, "mysql://" + *user + ":***@" + std::string(hostport) + "/" + std::string(database)};
  }
  why = "database URLs are sqlite:PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE";
  return std::nullopt;
}

namespace {

// Once per process, before the first connection: each connection here is used by one thread
// at a time, so SQLite's per-connection mutexes (SQLITE_CONFIG_MULTITHREAD) and its global
// allocation statistics (MEMSTATUS) are only contention: with four service workers they cost
// more than the queries. If SQLite was initialised already, the calls fail and change nothing.
void configure_sqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SOCI includes sqlite3.h inside namespace sqlite_api.
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

bool is_busy(const soci::sqlite3_soci_error& e) {
  return (e.result() & 0xff) == SQLITE_BUSY || (e.result() & 0xff) == SQLITE_LOCKED;
}

// The file's journal to WAL: readers never block the writer. False when a bulk write holds the
// file in a rollback journal (Database::begin_bulk_journal): that writer sets WAL again itself.
bool enter_wal(soci::session& session) {
  try {
    std::string mode;
    session << "PRAGMA journal_mode=WAL", soci::into(mode);
    return mode == "wal";
  } catch (const soci::sqlite3_soci_error& e) {
    if (!is_busy(e)) throw;
    return false;
  }
}

}  // namespace

namespace {

// A MySQL connection as tallyman uses it. Strict: a value that does not fit is an error, never
// silently cut. Backslash escapes stay on: SOCI's MySQL backend scans statements for
// placeholders assuming them. On a Galera node, every read first waits for the writes the
// cluster committed before it (wsrep_sync_wait=1): what one instance posted through one node,
// another reads through any other.
void set_up_mysql(soci::session& session) {
  session << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
             "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";
  session << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
  long long wsrep = 0;
  session << "SELECT @@wsrep_on", soci::into(wsrep);
  if (wsrep != 0) session << "SET SESSION wsrep_sync_wait = 1";
}

}  // namespace

Database::Database(const DbUrl& url) : url_(url), dialect_(url.dialect), display_(url.display) {
  try {
    if (dialect_ == Dialect::sqlite) {
      configure_sqlite();
      session_ = std::make_unique<soci::session>(soci::sqlite3, url.connect);
      sqlite_statements_ = std::make_unique<SqliteStatements>();
      // WAL: readers never block the writer. synchronous=NORMAL in WAL mode loses nothing
      // committed when the process is killed (only an OS crash may lose the last commits).
      *session_ << "PRAGMA busy_timeout=" + std::to_string(sqlite_busy_seconds * 1000);
      enter_wal(*session_);
      *session_ << "PRAGMA synchronous=NORMAL";
      set_foreign_keys(true);
      set_page_cache(sqlite_cache_kib_default);
    } else {
      session_ = std::make_unique<soci::session>(soci::mysql, url.connect);
      set_up_mysql(*session_);
    }
  } catch (const std::exception& e) {
    throw DatabaseError("cannot open " + display_ + ": " + e.what());
  }
}

namespace {

std::atomic<std::uint64_t> reruns{0};

}  // namespace

std::uint64_t transaction_reruns_total() { return reruns.load(std::memory_order_relaxed); }
void count_transaction_rerun() { reruns.fetch_add(1, std::memory_order_relaxed); }

void pause_before_rerun(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int ceiling_ms = std::min(5 << std::min(attempt, 6), 320);
  std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % ceiling_ms));
}

Database::~Database() = default;

void Database::run(Tx what) {
  const char* text = what == Tx::begin    ? "BEGIN"
                     : what == Tx::commit ? "COMMIT"
                     : dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE"
                                                   : "START TRANSACTION";
  Params none;
  execute(*this, text, none);
}

void Database::set_page_cache(std::size_t kib) {
  if (dialect_ != Dialect::sqlite) return;
  guarded([&] { *session_ << "PRAGMA cache_size=-" + std::to_string(kib); });
}

bool Database::begin_bulk_journal() {
  if (dialect_ != Dialect::sqlite) return false;
  // Only ever a speed-up: whatever keeps SQLite from switching (most often another connection
  // that has the file open) leaves the write in WAL, and never fails it.
  try {
    std::string mode;
    *session_ << "PRAGMA journal_mode=TRUNCATE", soci::into(mode);
    return mode == "truncate";
  } catch (const soci::soci_error&) {
    return false;
  }
}

void Database::end_bulk_journal() {
  if (dialect_ != Dialect::sqlite) return;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (enter_wal(*session_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Database::set_foreign_keys(bool on) {
  if (dialect_ != Dialect::sqlite) return;
  guarded([&] { *session_ << (on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF"); });
}

namespace {

// SQLite admits one writer at a time. A writer that finds the lock taken sleeps in SQLite's
// busy handler (1, 2, 5, 10 ms ...), which under load costs far more than the writes: 2,000
// reserving credit checks a second instead of thousands more. So the writers of one process
// queue on a mutex per database file first; only writers of other processes meet the busy
// handler.
std::mutex& writer_mutex(const std::string& path) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::mutex>> by_path;
  std::lock_guard lock(guard);
  auto& m = by_path[path];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

}  // namespace

WriteTransaction::WriteTransaction(Database& db) : db_(db) {
  if (db_.dialect() == Dialect::sqlite) writer_ = std::unique_lock(writer_mutex(db_.url_.connect));
  db_.run(Database::Tx::begin_immediate);
}

WriteTransaction::~WriteTransaction() { rollback(); }

void WriteTransaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  try {
    db_.session() << "ROLLBACK";
  } catch (...) {
    // The connection is gone; the server rolls the transaction back by itself.
  }
}

void WriteTransaction::commit() {
  try {
    db_.run(Database::Tx::commit);
  } catch (const ConnectionLost& e) {
    open_ = false;  // the server has it, or it is gone: either way not ours to roll back
    throw DatabaseError(std::string("the connection was lost at COMMIT, which may or may not have taken effect: ") +
                        e.what());
  }
  open_ = false;
  if (writer_.owns_lock()) writer_.unlock();
}

void Database::backup_to(const std::string& file) {
  using namespace sqlite_api;
  if (dialect_ != Dialect::sqlite)
    throw DatabaseError("tallyman backup copies SQLite books; back MariaDB up with mariadb-backup (docs/operations.md)");
  const std::string partial = file + ".partial";
  std::remove(partial.c_str());
  sqlite3* target = nullptr;
  if (sqlite3_open(partial.c_str(), &target) != SQLITE_OK) {
    const std::string why = target != nullptr ? sqlite3_errmsg(target) : "out of memory";
    sqlite3_close(target);
    throw DatabaseError("cannot create " + partial + ": " + why);
  }
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", sqlite_connection(*session_), "main");
  int stepped = backup != nullptr ? sqlite3_backup_step(backup, -1) : sqlite3_errcode(target);
  if (backup != nullptr) sqlite3_backup_finish(backup);
  const std::string why = sqlite3_errmsg(target);
  sqlite3_close(target);
  if (stepped != SQLITE_DONE) {
    std::remove(partial.c_str());
    throw DatabaseError("the backup to " + file + " failed: " + why);
  }
  if (std::rename(partial.c_str(), file.c_str()) != 0) throw DatabaseError("cannot rename " + partial + " to " + file);
}

}  // namespace tallyman::sql
