#pragma once
// Ids that users choose (customer id, invoice number, payment reference, order ref):
// 1..64 characters from [A-Za-z0-9._:/-]. Nothing else is ever stored as an id.

#include <cstddef>
#include <string_view>

namespace tallyman {

constexpr std::size_t id_length_max = 64;

bool is_valid_id(std::string_view id);
// One character an id may hold.
bool is_id_char(char c);

}  // namespace tallyman
