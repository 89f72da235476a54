#pragma once
// CSV records (contract §6) turned into documents. A header row names the JSON fields of
// contract §2; its columns may come in any order, optional ones may be left out.
//   customers: id,name,currency[,credit_limit,terms,collector,salesperson,bank_accounts]
//   invoices:  number,customer,issue_date,amount,currency[,due_date,order_ref]
//   payments:  reference,customer,received_date,amount,currency
//   remittances: payment,customer,invoice,amount,date
// Every value is checked the way the HTTP API checks it; an empty optional field is absent.

#include "core/ledger.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

enum class RecordKind { customers, invoices, payments, remittances };

std::optional<RecordKind> parse_record_kind(std::string_view text);
std::string_view to_string(RecordKind kind);

// "125050" -> 125050. Digits only, no sign, no point, at most amount_minor_max.
std::optional<std::int64_t> parse_minor_units(std::string_view text);

class RecordLayout {
 public:
  // Checks the header: every required column present, no unknown or repeated one.
  RecordLayout(RecordKind kind, const std::vector<std::string>& header);
  const FieldErrors& errors() const { return errors_; }
  std::size_t width() const { return width_; }

  Customer customer(const std::vector<std::string>& fields, FieldErrors& errors) const;
  Invoice invoice(const std::vector<std::string>& fields, FieldErrors& errors) const;
  Payment payment(const std::vector<std::string>& fields, FieldErrors& errors) const;
  RemittanceLine remittance(const std::vector<std::string>& fields, FieldErrors& errors) const;

 private:
  std::string_view get(const std::vector<std::string>& fields, std::string_view column) const;
  std::optional<std::string> optional_text(const std::vector<std::string>& fields, std::string_view column) const;
  Date date(const std::vector<std::string>& fields, std::string_view column, FieldErrors& errors) const;
  Currency currency(const std::vector<std::string>& fields, FieldErrors& errors) const;
  std::int64_t amount(const std::vector<std::string>& fields, FieldErrors& errors) const;

  std::map<std::string, std::size_t, std::less<>> columns_;
  std::size_t width_ = 0;
  FieldErrors errors_;
};

}  // namespace tallyman
