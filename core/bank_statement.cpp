#include "core/bank_statement.hpp"

#include "core/check.hpp"
#include "core/text.hpp"

namespace tallyman {

bool BankStatement::balanced() const {
  if (!opening || !closing) return true;
  std::int64_t sum = *opening;
  for (const BankLine& l : lines)
    if (__builtin_add_overflow(sum, l.credit ? l.amount : -l.amount, &sum)) return false;
  return sum == *closing;
}

StatementRead checked_read(StatementFile file) {
  for (std::size_t s = 0; s < file.statements.size(); ++s) {
    const BankStatement& st = file.statements[s];
    const std::string where = "statement " + std::to_string(s + 1);
    // What the columns take: UTF-8 (without NUL), and short texts of at most 200 bytes.
    auto unfit = [](std::string_view text, bool short_text) {
      return (short_text && text.size() > name_field.length_max) || !is_utf8_text(text);
    };
    if (unfit(st.id, true)) return {std::nullopt, where + ": its id is longer than 200 bytes or not text"};
    if (unfit(st.account, true)) return {std::nullopt, where + ": its account is longer than 200 bytes or not text"};
    for (std::size_t k = 0; k < st.lines.size(); ++k) {
      const BankLine& l = st.lines[k];
      const std::pair<const char*, const std::string*> texts[] = {
          {"reference", &l.key},           {"bank reference", &l.bank_reference},
          {"payer's name", &l.payer_name}, {"payer's account", &l.payer_account},
          {"structured reference", &l.structured_reference}, {"end-to-end id", &l.end_to_end}};
      for (const auto& [name, text] : texts)
        if (unfit(*text, true))
          return {std::nullopt, where + ", line " + std::to_string(k + 1) + ": the " + name +
                                    " is longer than 200 bytes or not text"};
      if (unfit(l.remittance, false) || unfit(l.return_reason, true))
        return {std::nullopt, where + ", line " + std::to_string(k + 1) + ": the remittance text is not text"};
    }
  }
  return {std::move(file), ""};
}

std::string_view to_string(StatementFormat format) {
  switch (format) {
    case StatementFormat::camt053: return "camt.053";
    case StatementFormat::camt054: return "camt.054";
    case StatementFormat::mt940: return "mt940";
  }
  TM_ASSERT(false);
}

bool is_zero_amount(std::string_view text) {
  return !text.empty() && text.front() == '0' && text.find_first_not_of("0.,") == std::string_view::npos;
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
