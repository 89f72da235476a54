// libFuzzer over the bank statement readers (core/camt.cpp through libxml2, core/mt940.cpp)
// and what reads their lines next (the ladder's words, accounts and references, core/cash.cpp,
// core/bank.cpp). Built with clang by scripts/fuzz, which runs it for a bounded time.
// What must hold for any bytes: no crash, no sanitizer report, a reader answers statements or
// says what is wrong (never both, never neither), and what it answers can be stored: every
// line's amount can be posted and its texts fit their columns.
#include "core/bank.hpp"
#include "core/bank_statement.hpp"
#include "core/cash.hpp"
#include "core/text.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace tallyman;

namespace {

void require(bool holds) {
  if (!holds) std::abort();
}

void check(const StatementRead& read) {
  require(read.file.has_value() == read.error.empty());
  if (!read.file) return;
  require(!read.file->statements.empty());
  for (const BankStatement& s : read.file->statements) {
    (void)s.balanced();
    require(s.id.size() <= name_field.length_max && is_utf8_text(s.id));
    for (const BankLine& l : s.lines) {
      require(is_postable_amount(l.amount));
      require(!l.key.empty() && l.key.size() <= name_field.length_max && is_utf8_text(l.key));
      require(is_utf8_text(l.remittance) && is_utf8_text(l.payer_name));
      (void)normalize_account(l.payer_account);
      (void)parse_creditor_reference(l.structured_reference);
      if (auto typed = find_creditor_reference(l.remittance)) require(parse_creditor_reference(*typed) == typed);
      (void)number_tokens(l.remittance);
      (void)decide_line(l, CashFinds{});
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(read_camt(text));
  check(read_mt940(text));
  return 0;
}
