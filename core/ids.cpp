#include "core/ids.hpp"

namespace tallyman {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > id_length_max) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tallyman
