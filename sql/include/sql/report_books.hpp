#pragma once
// The reports over the database (core/report_books.hpp; sql/report_books.cpp).

#include "core/report_books.hpp"
#include "sql/database.hpp"

namespace tallyman::sql {

class SqlReports final : public ReportBooks {
 public:
  explicit SqlReports(Database& db) : db_(db) {}
  AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer,
                    const std::optional<std::string>& salesperson) override;
  std::vector<OverdueRow> overdue(const OverdueFilter& filter) override;
  Statement statement(const Customer& customer, Date from, Date to) override;
  BalanceReport balances(Date from, Date to, Currency currency) override;
  std::vector<KpiCustomer> kpi_inputs(Date from, Date to, Currency currency) override;
  Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                         const PageRequest& page) override;

 private:
  Database& db_;
};

}  // namespace tallyman::sql
