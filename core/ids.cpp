#include "core/ids.hpp"

namespace tallyman {

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '/' || c == '-';
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > id_length_max) return false;
  for (char c : id)
    if (!is_id_char(c)) return false;
  return true;
}

}  // namespace tallyman
