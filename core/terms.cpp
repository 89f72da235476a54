#include "core/terms.hpp"

#include "core/ids.hpp"

namespace tallyman {

std::optional<TermsBasis> parse_terms_basis(std::string_view text) {
  if (text == "invoice_date") return TermsBasis::invoice_date;
  if (text == "end_of_month") return TermsBasis::end_of_month;
  return std::nullopt;
}

std::string_view to_string(TermsBasis basis) {
  switch (basis) {
    case TermsBasis::invoice_date: return "invoice_date";
    case TermsBasis::end_of_month: return "end_of_month";
  }
  return "invoice_date";
}

FieldErrors validate(const Terms& terms) {
  FieldErrors errors;
  if (!is_valid_id(terms.code))
    errors.push_back({"code", "must be 1-64 characters from A-Z a-z 0-9 . _ : / -"});
  if (terms.days < 0 || terms.days > terms_days_max)
    errors.push_back({"days", "must be a whole number of days from 0 to 3650"});
  if (terms.discount) {
    if (terms.discount->days < 0 || terms.discount->days > terms.days)
      errors.push_back({"discount.days", "must be from 0 to the terms' days"});
    if (terms.discount->percent_bp < 1 || terms.discount->percent_bp > 9999)
      errors.push_back({"discount.percent_bp", "must be from 1 to 9999 basis points"});
  }
  return errors;
}

Date due_date(const Terms& terms, Date issue_date) {
  const Date start = terms.basis == TermsBasis::end_of_month ? end_of_month(issue_date) : issue_date;
  return start + date::days{terms.days};
}

std::optional<Date> discount_deadline(const Terms& terms, Date issue_date) {
  if (!terms.discount) return std::nullopt;
  return issue_date + date::days{terms.discount->days};
}

std::int64_t discount_amount(const Discount& discount, std::int64_t amount) {
  // amount <= 2^53 and percent_bp < 10^4: the product fits in 64 bits.
  return amount * discount.percent_bp / 10000;
}

std::vector<Terms> standard_terms() {
  return {
      {"NET30", TermsBasis::invoice_date, 30, std::nullopt},
      {"NET60", TermsBasis::invoice_date, 60, std::nullopt},
      {"EOM30", TermsBasis::end_of_month, 30, std::nullopt},
  };
}

}  // namespace tallyman
