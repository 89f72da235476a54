#include "sql/importer.hpp"

#include "audit.hpp"

#include "core/csv.hpp"
#include "sql/ledger_store.hpp"
#include "statement.hpp"

#include <optional>

namespace tallyman::sql {

namespace {


// Rows of one batch, parsed, with the file row each came from.
template <class Document>
struct Parsed {
  std::vector<Document> documents;
  std::vector<std::size_t> rows;
};

class Run {
 public:
  Run(Database& db, RecordKind kind, const RecordLayout& layout, ImportLimits limits, bool empty_book)
      : store_(db), kind_(kind), layout_(layout), limits_(limits) {
    store_.bulk_load(empty_book, limits.held_postings_max);
  }

  // Parses one record into the current batch; an error if it is bad.
  std::optional<ImportError> add(const std::vector<std::string>& fields, std::size_t row) {
    if (fields.size() != layout_.width())
      return ImportError{row, "", "has " + std::to_string(fields.size()) + " fields where the header has " +
                                      std::to_string(layout_.width())};
    FieldErrors errors;
    switch (kind_) {
      case RecordKind::customers: push(customers_, layout_.customer(fields, errors), row); break;
      case RecordKind::invoices: push(invoices_, layout_.invoice(fields, errors), row); break;
      case RecordKind::payments: push(payments_, layout_.payment(fields, errors), row); break;
      case RecordKind::remittances: push(remittances_, layout_.remittance(fields, errors), row); break;
    }
    if (!errors.empty()) return ImportError{row, errors[0].field, errors[0].message};
    ++summary_.rows;
    return std::nullopt;
  }

  bool batch_full() const { return pending() >= limits_.batch_rows; }
  std::size_t pending() const {
    return customers_.rows.size() + invoices_.rows.size() + payments_.rows.size() + remittances_.rows.size();
  }

  std::optional<ImportError> flush() {
    std::optional<ImportError> error;
    switch (kind_) {
      case RecordKind::customers: error = post(customers_, [&](auto& d) { return store_.post_customers(d); }); break;
      case RecordKind::invoices: error = post(invoices_, [&](auto& d) { return store_.post_invoices(d); }); break;
      case RecordKind::payments: error = post(payments_, [&](auto& d) { return store_.post_payments(d); }); break;
      case RecordKind::remittances:
        error = post(remittances_, [&](auto& d) { return store_.post_remittances(d); });
        break;
    }
    if (!error) store_.batch_done();
    return error;
  }

  void finish() { store_.flush(); }

  const ImportSummary& summary() const { return summary_; }

 private:
  template <class Document>
  static void push(Parsed<Document>& batch, Document d, std::size_t row) {
    batch.documents.push_back(std::move(d));
    batch.rows.push_back(row);
  }

  template <class Document, class Post>
  std::optional<ImportError> post(Parsed<Document>& batch, Post post_batch) {
    const std::vector<LedgerResult> results = post_batch(batch.documents);
    for (std::size_t k = 0; k < results.size(); ++k) {
      if (results[k].outcome == LedgerOutcome::created) ++summary_.created;
      else if (results[k].outcome == LedgerOutcome::replayed) ++summary_.skipped;
      else return ImportError{batch.rows[k], results[k].field, std::string(describe(results[k].outcome))};
    }
    batch.documents.clear();
    batch.rows.clear();
    return std::nullopt;
  }

  LedgerStore store_;
  RecordKind kind_;
  const RecordLayout& layout_;
  ImportLimits limits_;
  Parsed<Customer> customers_;
  Parsed<Invoice> invoices_;
  Parsed<Payment> payments_;
  Parsed<RemittanceLine> remittances_;
  ImportSummary summary_;
};

// Loading a large file into an empty book on SQLite: the secondary indexes of invoices and
// postings are dropped inside the import's transaction and built again before it commits.
// Inserting rows of random customers into them costs more than building them once, sorted
// (1M invoices: 16.4 s with them, docs/performance.md). Their definitions are read back
// from sqlite_master, so this never drifts from the migrations; other connections go on
// seeing the indexes (WAL: they read the last commit), and a rollback or a kill restores them.
class DeferredIndexes {
 public:
  explicit DeferredIndexes(Database& db) : db_(db) {
    if (db.dialect() != Dialect::sqlite) return;
    Params none;
    long long used = 0;
    Query(db.session(), "SELECT EXISTS (SELECT 1 FROM postings)", none).into(used).run();
    if (used != 0) return;
    std::string name, sql;
    Params p;
    Query q(db.session(),
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('invoices', 'postings') ORDER BY name",
            p);
    q.into(name).into(sql);
    if (q.run()) do {
        indexes_.emplace_back(name, sql);
      } while (q.fetch());
    for (const auto& [index, definition] : indexes_) {
      Params drop;
      execute(db, "DROP INDEX " + index, drop);
    }
  }

  // Whether the book was empty and its indexes are dropped.
  bool active() const { return !indexes_.empty(); }

  // Builds them again; call before commit.
  void restore() {
    for (const auto& [index, definition] : indexes_) {
      Params none;
      execute(db_, definition, none);
    }
    indexes_.clear();
  }

 private:
  Database& db_;
  std::vector<std::pair<std::string, std::string>> indexes_;
};

}  // namespace

std::variant<ImportSummary, ImportError> import_csv(Database& db, RecordKind kind, std::string_view text,
                                                    ImportLimits limits, const Actor* audit_as) {
  CsvReader reader(text);
  std::vector<std::string> fields;
  if (!reader.next(fields)) {
    if (!reader.error().empty()) return ImportError{reader.line(), "", reader.error()};
    return ImportError{1, "", "the file is empty: it needs a header row"};
  }
  const RecordLayout layout(kind, fields);
  if (!layout.errors().empty())
    return ImportError{reader.line(), layout.errors()[0].field, "header: " + layout.errors()[0].message};

  // For this import, each back as it was afterwards: the page cache raised; SQLite's foreign
  // key checks off; and a rollback journal instead of WAL when the import has the file to
  // itself (Database::begin_bulk_journal). The import checks every reference a row makes
  // itself (its customer and the customer's currency, a customer's terms) in its own write
  // transaction, in which SQLite admits no other writer. SQLite's check again, a look-up in
  // customers per row, was 1.2 s of a 1M-invoice import's 11 (docs/performance.md).
  struct Settings {
    explicit Settings(Database& d) : db(d) {
      db.set_page_cache(import_cache_kib);
      db.set_foreign_keys(false);
      bulk_journal = db.begin_bulk_journal();
    }
    ~Settings() {
      try {
        if (bulk_journal) db.end_bulk_journal();
        db.set_foreign_keys(true);
        db.set_page_cache(sqlite_cache_kib_default);
      } catch (const DatabaseError&) {
      }
    }
    Database& db;
    bool bulk_journal = false;
  } settings(db);
  WriteTransaction tx(db);
  DeferredIndexes deferred(db);
  Run run(db, kind, layout, limits, deferred.active());
  while (reader.next(fields)) {
    if (auto error = run.add(fields, reader.line())) return *error;
    if (run.batch_full())
      if (auto error = run.flush()) return *error;
  }
  if (!reader.error().empty()) return ImportError{reader.line(), "", reader.error()};
  if (auto error = run.flush()) return *error;
  run.finish();
  deferred.restore();
  const ImportSummary summary = run.summary();
  if (audit_as && summary.created > 0) {
    Actor actor = *audit_as;
    actor.request = "{\"rows\":" + std::to_string(summary.rows) + ",\"created\":" + std::to_string(summary.created) +
                    ",\"skipped\":" + std::to_string(summary.skipped) + "}";
    const std::string what(to_string(kind));
    record_audit(db, actor, ("import." + what).c_str(), "import", what);
  }
  tx.commit();
  return summary;
}

}  // namespace tallyman::sql
