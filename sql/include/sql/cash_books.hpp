#pragma once

#include "core/cash_books.hpp"
#include "sql/database.hpp"

namespace tallyman::sql {

class SqlCash final : public CashBooks {
 public:
  explicit SqlCash(Database& db) : db_(db) {}
  StatementImport import_statement(const Actor& actor, const StatementFile& file) override;
  std::optional<StoredStatement> statement(std::int64_t id) override;
  Page<StoredStatement> statements(const PageRequest& page) override;
  Page<StoredLine> lines(std::int64_t statement, std::optional<LineStatus> status, const PageRequest& page) override;
  Page<StoredLine> queue(std::optional<LineStatus> status, const PageRequest& page) override;
  std::optional<StoredLine> line(std::int64_t id) override;
  LedgerResult apply_line(const Actor& actor, std::int64_t id, const std::string& customer,
                          const std::vector<Allocation>& allocations) override;
  LedgerResult ignore_line(const Actor& actor, std::int64_t id, const std::string& reason) override;

 private:
  Database& db_;
};

}  // namespace tallyman::sql
