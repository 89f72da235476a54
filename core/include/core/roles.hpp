#pragma once
// Who may do what (contract §1). An API key carries one role; every endpoint needs one
// permission. The roles nest: collector < finance < manager < admin; sales stands apart and
// may only check credit.

#include <optional>
#include <string_view>

namespace tallyman {

enum class Role { sales, collector, finance, manager, admin };

std::optional<Role> parse_role(std::string_view text);
std::string_view to_string(Role role);

enum class Permission {
  read,          // read the ledger, the reports, the audit
  collect,       // disputes, promises to pay, dunning tasks
  post,          // customers, terms, invoices, payments, credit notes, write-off requests
  approve,       // approve or reject what someone else requested (write-offs, limit raises)
  check_credit,  // credit checks and releasing reservations
  read_credit,   // a customer's credit summary and a reservation: sales, and whoever may read
  identify,      // who the key belongs to and what it may do: any key (the console asks first)
};

bool may(Role role, Permission permission);

}  // namespace tallyman
