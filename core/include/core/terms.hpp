#pragma once
// Payment terms say when an invoice falls due. basis invoice_date: due = issue date + days;
// basis end_of_month: due = last day of the issue month + days. An optional early-payment
// discount (percent in basis points) applies to payment within discount.days of issue.

#include "core/calendar.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

enum class TermsBasis { invoice_date, end_of_month };

std::optional<TermsBasis> parse_terms_basis(std::string_view text);
std::string_view to_string(TermsBasis basis);

struct Discount {
  int days = 0;
  int percent_bp = 0;  // 200 = 2%
  friend bool operator==(const Discount&, const Discount&) = default;
};

struct Terms {
  std::string code;
  TermsBasis basis = TermsBasis::invoice_date;
  int days = 0;
  std::optional<Discount> discount;
  friend bool operator==(const Terms&, const Terms&) = default;
};

constexpr int terms_days_max = 3650;

FieldErrors validate(const Terms& terms);

Date due_date(const Terms& terms, Date issue_date);
// The last day on which the discount may be taken, if the terms have one.
std::optional<Date> discount_deadline(const Terms& terms, Date issue_date);
// The discount on an amount, rounded down to the minor unit (never more than promised).
std::int64_t discount_amount(const Discount& discount, std::int64_t amount);

// NET30, NET60 and EOM30: present in every new database.
std::vector<Terms> standard_terms();

}  // namespace tallyman
