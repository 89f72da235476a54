#pragma once
// The reports' area of the books (core/books.hpp; contracts §4 and §8): aging as of any date,
// the overdue list, a customer's statement, the finance reports and their two policies
// (provisions, early warning), the audit trail. Reads, but for the policies.

#include "core/aging.hpp"
#include "core/balances.hpp"
#include "core/kpis.hpp"
#include "core/provision.hpp"
#include "core/watch.hpp"
#include "core/books_common.hpp"
#include "core/collections_books.hpp"
#include "core/ledger.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tallyman {

struct AuditEntry {
  std::int64_t id = 0;
  std::string at;  // UTC timestamp
  std::string actor;
  std::string role;
  std::string action;  // "invoice.post", "write_off.approve", ...
  std::string entity;  // "invoice", "customer", ...
  std::string entity_id;
  std::string request_id;
  std::string detail;  // a JSON document of what was posted or changed
};

// GET /v1/reports/overdue: one row per customer with money past due as of a date.
struct OverdueRow {
  Customer customer;
  std::int64_t overdue_amount = 0;
  int max_days_overdue = 0;
  int invoices = 0;
  std::optional<int> dunning_level;  // the level of the customer's open dunning episode
  std::optional<PromiseView> promise;  // a promise pending as of the date
};

// One currency at a time, as the aging: amounts of two currencies are never ranked together.
struct OverdueFilter {
  Date as_of;
  Currency currency;
  int min_days = 1;
  std::optional<std::string> collector;
  std::optional<std::string> salesperson;
  std::optional<char> grade;
};

// GET /v1/customers/{id}/statement: the balance (open - unapplied) before `from`, every
// posting dated in [from, to] in date order, the balance after `to`.
struct StatementLine {
  Posting posting;
  std::int64_t amount = 0;   // its effect on the balance: open_delta - unapplied_delta
  std::int64_t balance = 0;  // the running balance after it
  std::string payment_reference;  // of the posting's invoice, if any (core/bank.hpp)
};

struct Statement {
  Customer customer;
  Date from;
  Date to;
  std::int64_t opening = 0;
  std::vector<StatementLine> lines;
  std::int64_t closing = 0;
};

// GET /v1/reports/balances: the balance table of one currency for the days from..to, with the
// customers' names.
struct BalanceReport {
  Date from;
  Date to;
  Currency currency;
  BalanceTable table;
  std::map<std::string, std::string> names;  // by customer id
};

// GET /v1/reports/kpis: each customer's figures for the period (in one currency), with the
// customer, for grouping.
struct KpiCustomer {
  Customer customer;
  KpiInputs inputs;
};

// GET /v1/reports/provision: the table as of a date under the policy, with the customers' names.
struct ProvisionReport {
  Date as_of;
  Currency currency;
  ProvisionPolicy policy;
  ProvisionTable table;
  std::map<std::string, std::string> names;  // by customer id
};

// GET /v1/reports/watchlist: a customer showing at least one signal.
struct WatchRow {
  Customer customer;
  std::int64_t balance = 0;
  std::vector<Signal> signals;
};

class ReportBooks {
 public:
  virtual ~ReportBooks() = default;
  // Optionally of one customer, or of one salesperson's customers.
  virtual AgingReport aging(const AgingSpec& spec, Currency currency, const std::optional<std::string>& customer,
                            const std::optional<std::string>& salesperson = std::nullopt) = 0;
  virtual std::vector<OverdueRow> overdue(const OverdueFilter& filter) = 0;
  virtual Statement statement(const Customer& customer, Date from, Date to) = 0;
  virtual BalanceReport balances(Date from, Date to, Currency currency) = 0;
  // Every customer of the currency with anything in the period or open around it.
  virtual std::vector<KpiCustomer> kpi_inputs(Date from, Date to, Currency currency) = 0;
  virtual ProvisionPolicy provision_policy() = 0;
  virtual PolicyChange put_provision_policy(const Actor& actor, const ProvisionPolicy& policy) = 0;
  virtual ProvisionReport provision(Date as_of, Currency currency) = 0;
  // The roll rates of the last twelve whole months before as_of's month, by the policy's buckets.
  virtual std::vector<ProposedRate> provision_history(Date as_of, Currency currency) = 0;
  virtual WatchPolicy watch_policy() = 0;
  virtual PolicyChange put_watch_policy(const Actor& actor, const WatchPolicy& policy) = 0;
  // Every customer (of any currency) showing a signal as of the date, or only `customer`.
  virtual std::vector<WatchRow> watchlist(Date as_of, const std::optional<std::string>& customer = std::nullopt) = 0;
  virtual Page<AuditEntry> audit(const std::optional<std::string>& entity, const std::optional<std::string>& id,
                                 const PageRequest& page) = 0;
};

}  // namespace tallyman
