#include "core/bank_statement.hpp"

#include "core/check.hpp"

namespace tallyman {

bool BankStatement::balanced() const {
  if (!opening || !closing) return true;
  std::int64_t sum = *opening;
  for (const BankLine& l : lines) sum += l.credit ? l.amount : -l.amount;
  return sum == *closing;
}

std::string_view to_string(StatementFormat format) {
  switch (format) {
    case StatementFormat::camt053: return "camt.053";
    case StatementFormat::camt054: return "camt.054";
    case StatementFormat::mt940: return "mt940";
  }
  TM_ASSERT(false);
}

std::optional<std::int64_t> parse_decimal_amount(std::string_view text, Currency currency) {
  const int digits = minor_unit_digits(currency);
  const std::size_t point = text.find_first_of(".,");
  const std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if (whole.empty() || whole.size() > 16) return std::nullopt;
  while (fraction.size() > static_cast<std::size_t>(digits) && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > static_cast<std::size_t>(digits)) return std::nullopt;
  std::int64_t minor = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    minor = minor * 10 + (c - '0');
  }
  for (int k = 0; k < digits; ++k) {
    const char c = static_cast<std::size_t>(k) < fraction.size() ? fraction[static_cast<std::size_t>(k)] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    minor = minor * 10 + (c - '0');
  }
  if (minor <= 0 || minor > amount_minor_max) return std::nullopt;
  return minor;
}

}  // namespace tallyman
