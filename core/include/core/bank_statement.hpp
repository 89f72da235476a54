#pragma once
// A bank statement as tallyman reads it (contract §7), whatever the format: ISO 20022 camt.053
// (statements) and camt.054 (notifications), versions 001.02 to 001.08, and SWIFT MT940. A file
// may hold several statements; an entry may hold several transactions (a batch booking), each
// a line of its own. Readers take the file's bytes and give this, or say where it is wrong.
// The XML goes through libxml2 with the network and entity substitution off, and a document
// that declares a DTD is refused (no external entities, no entity expansion).

#include "core/calendar.hpp"
#include "core/money.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

struct BankLine {
  // What makes the line unique for its account: the bank's reference of its entry
  // (AcctSvcrRef, else NtryRef; MT940: the :61: bank reference; else the statement's id and
  // the entry's position), then "/" and the line's place within the entry.
  std::string key;
  std::string bank_reference;  // the entry's reference as the bank gave it (may be empty)
  Date booked;
  std::int64_t amount = 0;  // minor units, more than 0
  Currency currency;
  bool credit = true;       // money in; false: a debit
  bool reversal = false;    // camt RvslInd, MT940 RC/RD: the booking undoes an earlier one
  std::string payer_name;
  std::string payer_account;       // as written (normalized when matched)
  std::string structured_reference;  // camt CdtrRefInf/Ref, MT940 a structured /EREF/ or RF reference
  std::string end_to_end;          // camt EndToEndId, MT940 EREF+
  std::string remittance;          // the unstructured remittance text, joined
  std::string return_reason;       // camt RtrInf/Rsn/Cd: a returned (bounced) payment
  // camt: a batch booking of this many transactions read as one line, as the bank did not give
  // each one's amount; its texts are the transactions' (0: a line as booked).
  std::size_t unsplit_transactions = 0;
};

struct BankStatement {
  std::string id;       // the statement's (or notification's) id; MT940 :20: and :28C:
  std::string account;  // the account statemented, as written
  Currency currency;
  std::optional<std::int64_t> opening;  // signed minor units (camt OPBD/PRCD; MT940 :60F:/:60M:)
  std::optional<std::int64_t> closing;  // (camt CLBD; MT940 :62F:/:62M:)
  std::vector<BankLine> lines;
  // opening + credits − debits = closing; true when a balance is missing (a camt.054).
  bool balanced() const;
};

enum class StatementFormat { camt053, camt054, mt940 };
std::string_view to_string(StatementFormat format);

struct StatementFile {
  StatementFormat format = StatementFormat::camt053;
  std::vector<BankStatement> statements;
};

// A reader's verdict: the statements, or what is wrong and where ("Stmt[2]/Ntry[5]/Amt: ...",
// "line 14: ...").
struct StatementRead {
  std::optional<StatementFile> file;
  std::string error;
};

// camt.053 or camt.054 (the namespace says which and which version).
StatementRead read_camt(std::string_view xml);
// SWIFT MT940 (with or without the {1:}{2:}{4: block envelope), in UTF-8; a file that is not
// well-formed UTF-8 is read as ISO 8859-1, as many banks write their customers' names.
StatementRead read_mt940(std::string_view text);

// The readers' last step: the file, or why it cannot be stored: a text of a statement or a
// line (ids, references, names, accounts) longer than name_field's 200 bytes (core/text.hpp;
// the formats allow 35 or 140 characters), or any text that is not UTF-8.
StatementRead checked_read(StatementFile file);

// "123.45" or "123,45" in `currency` -> minor units; none if not a positive amount with at
// most the currency's digits.
std::optional<std::int64_t> parse_decimal_amount(std::string_view text, Currency currency);
// Whether a decimal amount is zero ("0,00", "0.", "0"): a balance of nothing, or an entry that
// moves no money (an account's closing entry of 0.00 interest), which the readers leave out.
bool is_zero_amount(std::string_view text);

}  // namespace tallyman
