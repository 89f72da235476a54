#pragma once
// What is wrong with one field of a request or a CSV row, said for the client.

#include <string>
#include <vector>

namespace tallyman {

struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace tallyman
