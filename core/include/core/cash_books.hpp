#pragma once
// Cash application's area of the books (core/books.hpp; contract §7): bank statements in,
// their lines matched (core/cash.hpp) and posted as payments, the lines a person decides.

#include "core/bank_statement.hpp"
#include "core/books_common.hpp"
#include "core/cash.hpp"
#include "core/ledger_outcome.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

// A statement as stored, with its lines counted by status.
struct StoredStatement {
  std::int64_t id = 0;
  std::string account;
  std::string statement_id;
  std::string format;
  Currency currency;
  std::optional<std::int64_t> opening, closing;
  bool balanced = true;
  int lines = 0, matched = 0, suggested = 0, unmatched = 0, ignored = 0;
};

// What an import did: each statement of the file, and whether anything was new.
struct StatementImport {
  std::vector<StoredStatement> statements;
  bool added = false;  // false: the file was known, line for line
};

struct StoredLine {
  std::int64_t id = 0;
  std::int64_t statement = 0;
  BankLine line;
  LineStatus status = LineStatus::unmatched;
  std::string rule;
  std::string evidence;
  std::optional<std::string> payment;  // the payment posted (or, for a return, reversed)
  std::optional<std::string> customer;
  std::vector<Allocation> allocations;
  std::vector<CashCandidate> candidates;  // a suggested or unmatched line's best candidates, read when listed
};

class CashBooks {
 public:
  virtual ~CashBooks() = default;
  // All or nothing: every new line decided and, when matched, posted, in one transaction.
  virtual StatementImport import_statement(const Actor& actor, const StatementFile& file) = 0;
  virtual std::optional<StoredStatement> statement(std::int64_t id) = 0;
  // The statements imported, newest first.
  virtual Page<StoredStatement> statements(const PageRequest& page) = 0;
  virtual Page<StoredLine> lines(std::int64_t statement, std::optional<LineStatus> status, const PageRequest& page) = 0;
  // The work queue: the lines a person is to decide (suggested and unmatched, or one of them),
  // newest first, each with its best candidates.
  virtual Page<StoredLine> queue(std::optional<LineStatus> status, const PageRequest& page) = 0;
  virtual std::optional<StoredLine> line(std::int64_t id) = 0;
  // A suggested or unmatched credit posted as a person decided: the payment is the line's.
  virtual LedgerResult apply_line(const Actor& actor, std::int64_t id, const std::string& customer,
                                  const std::vector<Allocation>& allocations) = 0;
  // A suggested or unmatched line set aside.
  virtual LedgerResult ignore_line(const Actor& actor, std::int64_t id, const std::string& reason) = 0;
};

}  // namespace tallyman
