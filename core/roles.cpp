#include "core/roles.hpp"

namespace tallyman {

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::sales, Role::collector, Role::finance, Role::manager, Role::admin})
    if (to_string(r) == text) return r;
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::sales: return "sales";
    case Role::collector: return "collector";
    case Role::finance: return "finance";
    case Role::manager: return "manager";
    case Role::admin: return "admin";
  }
  return "?";
}

bool may(Role role, Permission permission) {
  switch (permission) {
    case Permission::read:
    case Permission::collect:
      return role == Role::collector || role == Role::finance || role == Role::manager || role == Role::admin;
    case Permission::post: return role == Role::finance || role == Role::manager || role == Role::admin;
    case Permission::approve: return role == Role::manager || role == Role::admin;
    case Permission::check_credit: return role == Role::sales || role == Role::admin;
    case Permission::read_credit: return role == Role::sales || may(role, Permission::read);
    case Permission::identify: return true;
  }
  return false;
}

}  // namespace tallyman
