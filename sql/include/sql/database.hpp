#pragma once
// A connection to tallyman's database: SQLite (embedded, the default) or MySQL/MariaDB
// (shared by several instances). The URL forms are those of contract §6:
//   sqlite:PATH                              e.g. sqlite:tallyman.db
//   mysql://USER:PASSWORD@HOST:PORT/DATABASE (user and password percent-decoded)
// SOCI stays behind this header: callers see Database, DatabaseError and WriteTransaction.

#include "core/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace tallyman::sql {

enum class Dialect { sqlite, mysql };

// SQLite's page cache per connection (SQLite's own default is 2 MiB).
constexpr std::size_t sqlite_cache_kib_default = 64 * 1024;

// The environment failed (core/errors.hpp); soci_error never leaves sql/, it becomes this.
using DatabaseError = StorageError;
// MySQL: a transaction lost to another: a write met a row that one committed under the same
// unique key meanwhile (ER_DUP_ENTRY), the server rolled it back to break a deadlock or a
// Galera node refused it at certification (ER_LOCK_DEADLOCK), or a lock wait timed out
// (ER_LOCK_WAIT_TIMEOUT). Nothing of it committed: the caller may run it again, reading afresh.
class TransactionConflict : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// MySQL: the connection is lost (CR_SERVER_GONE_ERROR 2006, CR_SERVER_LOST 2013: the server
// or the cluster node went away) or the node may not serve (ER_UNKNOWN_COM_ERROR 1047: a Galera
// node outside the primary component). The transaction did not commit (a lost COMMIT is a
// plain DatabaseError: whether it committed is unknown)
// (core/errors.hpp's StorageLost.) The worker that ran it opens a new connection.
using ConnectionLost = StorageLost;

// How often a transaction may run in all, when it conflicts or loses its connection.
constexpr int transaction_attempts_max = 8;
// The transactions run again so far in this process (a metric: tallyman_transaction_reruns_total).
std::uint64_t transaction_reruns_total();
void count_transaction_rerun();
// A random pause that grows with the attempt (a few ms at first, at most about 0.3 s), so that
// transactions that conflicted do not meet again in step.
void pause_before_rerun(int attempt);

struct DbUrl {
  Dialect dialect = Dialect::sqlite;
  std::string connect;  // SOCI's connection string
  std::string display;  // the URL with the password hidden, for messages
};

// None when the URL is of neither form; `why` then says what is wrong.
std::optional<DbUrl> parse_db_url(std::string_view url, std::string& why);

class Database {
 public:
  explicit Database(const DbUrl& url);  // connects; throws DatabaseError
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }
  // SQLite keeps a transaction's changed pages in its page cache until commit; a transaction
  // larger than the cache spills and rewrites pages to the WAL again and again (an import of
  // 700,000 payments took twice as long with the default cache). Bulk writers raise it for
  // their transaction; it is per connection and allocated only as pages are used. No-op on MySQL.
  void set_page_cache(std::size_t kib);
  // SQLite's foreign key checks on this connection (on from the start). Only outside a
  // transaction: SQLite ignores the setting inside one. No-op on MySQL, which always checks
  // (turning them off for an import there made no difference: 31-39 s either way).
  void set_foreign_keys(bool on);
  // SQLite: the journal of one large write transaction (an import). WAL writes every page
  // twice: into the WAL, then again when the checkpoint copies it into the file. A rollback
  // journal keeps only the former content of the pages a transaction changes, which for the
  // pages it adds is nothing (1M invoices into an empty book: 9.3-9.8 s in WAL, 8.1-8.7 s).
  // SQLite leaves WAL only for a connection that has the file to itself; when another is open
  // (a running service), or SQLite fails to switch for any other reason, this returns false
  // and the write goes through the WAL as always.
  // Only outside a transaction. No-op (false) on MySQL.
  bool begin_bulk_journal();
  // Back to WAL after the transaction. Should another connection's read be in the way, it
  // tries again for a while; failing that, the next connection to open the file sets WAL.
  void end_bulk_journal();
  const std::string& display() const { return display_; }
  // Appended to a SELECT whose rows the transaction goes on to change: on MySQL they stay
  // locked until commit. SQLite needs nothing: BEGIN IMMEDIATE admits one writer at a time.
  const char* for_update() const { return dialect_ == Dialect::mysql ? " FOR UPDATE" : ""; }
  soci::session& session() { return *session_; }
  // Begins or commits a transaction (through execute(), statement.hpp). On MySQL
  // begin_immediate is START TRANSACTION.
  enum class Tx { begin, begin_immediate, commit };
  void run(Tx what);
  // SQLite: the statements execute() ran on this connection, each prepared once and kept by
  // its text (statement.hpp).
  struct SqliteStatements;
  SqliteStatements& sqlite_statements() { return *sqlite_statements_; }
  // SQLite: a copy of the whole database into `file` through SQLite's online backup API, in one
  // step from one read snapshot, so that it is consistent while other connections write (in
  // WAL they are not held up). Written to FILE.partial first, then renamed: a copy that is
  // there is whole. Throws DatabaseError; on MySQL, always (docs/operations.md: mariadb-backup).
  void backup_to(const std::string& file);
  // Another connection to the same database (for work split across threads).
  std::unique_ptr<Database> connect_again() const { return std::make_unique<Database>(url_); }

 private:
  friend class WriteTransaction;  // reads url_ to find the file's writer lock
  std::unique_ptr<soci::session> session_;
  std::unique_ptr<SqliteStatements> sqlite_statements_;  // after session_: finalized before it closes
  DbUrl url_;
  Dialect dialect_;
  std::string display_;
};

// A write transaction: on SQLite BEGIN IMMEDIATE (the write lock is taken at once, so two
// writers queue on busy_timeout instead of failing at commit); on MySQL START TRANSACTION.
// Rolled back unless commit() is called.
class WriteTransaction {
 public:
  explicit WriteTransaction(Database& db);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  void rollback() noexcept;  // if still open

  Database& db_;
  bool open_ = true;
  std::unique_lock<std::mutex> writer_;  // SQLite: this process's writers take turns here first
};

}  // namespace tallyman::sql
