#pragma once
// Money is an integer count of a currency's minor units (125050 is 1,250.50 EUR) beside an
// ISO 4217 code. Never floating point. Amounts that are posted lie in 1..amount_minor_max
// (2^53 - 1, exact in every JSON reader); a credit limit may also be 0. Adding amounts of
// two currencies is a bug: callers group by currency first.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tallyman {

constexpr std::int64_t amount_minor_max = 9'007'199'254'740'991;

struct Currency {
  std::array<char, 3> code{};
  std::string str() const { return std::string(code.data(), code.size()); }
  friend bool operator==(const Currency&, const Currency&) = default;
  friend auto operator<=>(const Currency&, const Currency&) = default;
};

// Three upper-case letters. (tallyman never converts, so it needs no rate table; the
// exponent table below only serves display.)
std::optional<Currency> parse_currency(std::string_view text);

// Digits after the decimal point for display: 2 unless the currency is known otherwise.
int minor_unit_digits(Currency currency);
// "1,250.50" style text of an amount in minor units, for tables meant for people.
std::string format_amount(std::int64_t minor, Currency currency);

struct Money {
  std::int64_t minor = 0;
  Currency currency;
  friend bool operator==(const Money&, const Money&) = default;
};

Money operator+(Money a, Money b);
Money operator-(Money a, Money b);

constexpr bool is_postable_amount(std::int64_t minor) {
  return minor >= 1 && minor <= amount_minor_max;
}
constexpr bool is_valid_limit(std::int64_t minor) {
  return minor >= 0 && minor <= amount_minor_max;
}

}  // namespace tallyman
