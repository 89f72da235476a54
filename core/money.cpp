#include "core/money.hpp"

#include "core/check.hpp"

namespace tallyman {

std::optional<Currency> parse_currency(std::string_view text) {
  if (text.size() != 3) return std::nullopt;
  Currency c;
  for (std::size_t i = 0; i < 3; ++i) {
    if (text[i] < 'A' || text[i] > 'Z') return std::nullopt;
    c.code[i] = text[i];
  }
  return c;
}

int minor_unit_digits(Currency currency) {
  const std::string code = currency.str();
  for (const char* zero : {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                           "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})
    if (code == zero) return 0;
  for (const char* three : {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
    if (code == three) return 3;
  return 2;
}

std::string format_amount(std::int64_t minor, Currency currency) {
  const int digits = minor_unit_digits(currency);
  const bool negative = minor < 0;
  // |INT64_MIN| does not fit; amounts never come near it (they are bounded by 2^53).
  std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-minor) : static_cast<std::uint64_t>(minor);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string whole = std::to_string(magnitude / scale);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  if (digits > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    grouped += '.' + std::string(static_cast<std::size_t>(digits) - fraction.size(), '0') + fraction;
  }
  return negative ? "-" + grouped : grouped;
}

Money operator+(Money a, Money b) {
  TM_ASSERT(a.currency == b.currency);
  return {a.minor + b.minor, a.currency};
}

Money operator-(Money a, Money b) {
  TM_ASSERT(a.currency == b.currency);
  return {a.minor - b.minor, a.currency};
}

}  // namespace tallyman
