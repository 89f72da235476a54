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
  ProvisionPolicy provision_policy() override;
  PolicyChange put_provision_policy(const Actor& actor, const ProvisionPolicy& policy) override;
  ProvisionReport provision(Date as_of, Currency currency) override;
  std::vector<ProposedRate> provision_history(Date as_of, Currency currency) override;
  WatchPolicy watch_policy() override;
  PolicyChange put_watch_policy(const Actor& actor, const WatchPolicy& policy) override;
  std::vector<WatchRow> watchlist(Date as_of, const std::optional<std::string>& customer) override;
  Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                         const PageRequest& page) override;

 private:
  Database& db_;
};

}  // namespace tallyman::sql
