#include "core/records.hpp"

#include "core/bank.hpp"

#include <algorithm>
#include <charconv>

namespace tallyman {

namespace {

struct Columns {
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

Columns columns_of(RecordKind kind) {
  switch (kind) {
    case RecordKind::customers:
      return {{"id", "name", "currency"}, {"credit_limit", "terms", "collector", "salesperson", "bank_accounts"}};
    case RecordKind::invoices: return {{"number", "customer", "issue_date", "amount", "currency"}, {"due_date", "order_ref"}};
    case RecordKind::payments: return {{"reference", "customer", "received_date", "amount", "currency"}, {}};
    case RecordKind::remittances: return {{"payment", "customer", "invoice", "amount", "date"}, {}};
  }
  return {};
}

// Adds the errors validate() found on fields that did not already fail to parse.
void add_new(FieldErrors& errors, FieldErrors found) {
  const std::size_t parsed = errors.size();
  for (FieldError& e : found) {
    bool seen = false;
    for (std::size_t k = 0; k < parsed; ++k) seen = seen || errors[k].field == e.field;
    if (!seen) errors.push_back(std::move(e));
  }
}

bool contains(const std::vector<std::string_view>& list, std::string_view name) {
  for (std::string_view n : list)
    if (n == name) return true;
  return false;
}

}  // namespace

std::optional<RecordKind> parse_record_kind(std::string_view text) {
  for (RecordKind k : {RecordKind::customers, RecordKind::invoices, RecordKind::payments, RecordKind::remittances})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

std::string_view to_string(RecordKind kind) {
  switch (kind) {
    case RecordKind::customers: return "customers";
    case RecordKind::invoices: return "invoices";
    case RecordKind::payments: return "payments";
    case RecordKind::remittances: return "remittances";
  }
  return "?";
}

std::optional<std::int64_t> parse_minor_units(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value > amount_minor_max) return std::nullopt;
  return value;
}

RecordLayout::RecordLayout(RecordKind kind, const std::vector<std::string>& header) : width_(header.size()) {
  const Columns known = columns_of(kind);
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    if (!contains(known.required, name) && !contains(known.optional, name))
      errors_.push_back({name, "is not a column of this file"});
    else if (!columns_.emplace(name, i).second)
      errors_.push_back({name, "is named twice in the header"});
  }
  for (std::string_view name : known.required)
    if (!columns_.contains(name)) errors_.push_back({std::string(name), "is a required column and is missing"});
}

std::string_view RecordLayout::get(const std::vector<std::string>& fields, std::string_view column) const {
  auto it = columns_.find(column);
  return it == columns_.end() ? std::string_view{} : std::string_view{fields[it->second]};
}

std::optional<std::string> RecordLayout::optional_text(const std::vector<std::string>& fields,
                                                      std::string_view column) const {
  std::string_view value = get(fields, column);
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

Date RecordLayout::date(const std::vector<std::string>& fields, std::string_view column, FieldErrors& errors) const {
  std::optional<Date> d = parse_date(get(fields, column));
  if (!d) errors.push_back({std::string(column), "must be a date that exists, as YYYY-MM-DD"});
  return d.value_or(Date{});
}

Currency RecordLayout::currency(const std::vector<std::string>& fields, FieldErrors& errors) const {
  std::optional<Currency> c = parse_currency(get(fields, "currency"));
  if (!c) errors.push_back({"currency", "must be an ISO 4217 code of three capital letters"});
  return c.value_or(Currency{});
}

std::int64_t RecordLayout::amount(const std::vector<std::string>& fields, FieldErrors& errors) const {
  std::optional<std::int64_t> a = parse_minor_units(get(fields, "amount"));
  // A well-formed number out of range is left to validate(), which says the range.
  if (!a) errors.push_back({"amount", "must be a whole number of minor units from 1 to 9007199254740991"});
  return a.value_or(1);
}

Customer RecordLayout::customer(const std::vector<std::string>& fields, FieldErrors& errors) const {
  Customer c;
  c.id = get(fields, "id");
  c.name = get(fields, "name");
  c.currency = currency(fields, errors);
  if (auto limit = optional_text(fields, "credit_limit")) {
    c.credit_limit = parse_minor_units(*limit);
    if (!c.credit_limit)
      errors.push_back({"credit_limit", "must be a whole number of minor units from 0 to 9007199254740991"});
  }
  if (auto terms = optional_text(fields, "terms")) c.terms = *terms;
  c.collector = optional_text(fields, "collector");
  c.salesperson = optional_text(fields, "salesperson");
  // Accounts apart by ';' (an IBAN may be written with spaces), each normalized, no repeats.
  std::string_view accounts = get(fields, "bank_accounts");
  while (!accounts.empty()) {
    const std::size_t end = accounts.find(';');
    auto account = normalize_account(accounts.substr(0, end));
    accounts = end == std::string_view::npos ? std::string_view() : accounts.substr(end + 1);
    if (!account) {
      errors.push_back({"bank_accounts", "must be IBANs (their check digits right) or other account ids of 1 to 34 "
                                         "letters and digits, apart by ';'"});
      break;
    }
    if (std::find(c.bank_accounts.begin(), c.bank_accounts.end(), *account) == c.bank_accounts.end())
      c.bank_accounts.push_back(*account);
  }
  std::sort(c.bank_accounts.begin(), c.bank_accounts.end());
  if (c.bank_accounts.size() > bank_accounts_max)
    errors.push_back({"bank_accounts", "may name at most " + std::to_string(bank_accounts_max) + " accounts"});
  add_new(errors, validate(c));
  return c;
}

Invoice RecordLayout::invoice(const std::vector<std::string>& fields, FieldErrors& errors) const {
  Invoice i;
  i.number = get(fields, "number");
  i.customer = get(fields, "customer");
  i.issue_date = date(fields, "issue_date", errors);
  if (!get(fields, "due_date").empty()) i.due_date = date(fields, "due_date", errors);
  i.amount = amount(fields, errors);
  i.currency = currency(fields, errors);
  i.order_ref = optional_text(fields, "order_ref");
  add_new(errors, validate(i));
  return i;
}

Payment RecordLayout::payment(const std::vector<std::string>& fields, FieldErrors& errors) const {
  Payment p;
  p.reference = get(fields, "reference");
  p.customer = get(fields, "customer");
  p.received_date = date(fields, "received_date", errors);
  p.amount = amount(fields, errors);
  p.currency = currency(fields, errors);
  add_new(errors, validate(p));
  return p;
}

RemittanceLine RecordLayout::remittance(const std::vector<std::string>& fields, FieldErrors& errors) const {
  RemittanceLine l;
  l.payment = get(fields, "payment");
  l.customer = get(fields, "customer");
  l.invoice = get(fields, "invoice");
  l.amount = amount(fields, errors);
  l.date = date(fields, "date", errors);
  add_new(errors, validate(l));
  return l;
}

}  // namespace tallyman
