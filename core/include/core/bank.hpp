#pragma once
// Bank identifiers (contract §7): customers' bank accounts and the creditor references
// customers quote when they pay.
//   An account is an IBAN (ISO 13616: country, two check digits, up to 30 letters and digits;
//   its check digits make the whole, read as a number with A = 10 .. Z = 35 and the first four
//   characters moved to the end, leave 1 modulo 97), or another id as a bank writes it: 1 to
//   34 letters and digits. Both are compared without spaces and case.
//   A creditor reference (ISO 11649) is "RF", two check digits and up to 21 letters and
//   digits, checked the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tallyman {

// The account as stored and compared (spaces gone, upper case), or none when it is not an
// account: empty, longer than 34, other characters, or shaped as an IBAN with wrong digits.
std::optional<std::string> normalize_account(std::string_view text);

// A customer's bank accounts: at most this many.
constexpr std::size_t bank_accounts_max = 20;
// Spaces gone, upper case: how accounts and references are compared.
std::string compact_upper(std::string_view text);

// Whether a normalized account is shaped as an IBAN (two letters, two digits, 11 to 30 more).
bool iban_shaped(std::string_view account);

// The remainder modulo 97 of letters and digits read as ISO 7064 reads them (A = 10 .. Z = 35),
// after moving the first four characters to the end.
int mod97_rotated(std::string_view text);

// The ISO 11649 reference for `body` (1 to 21 letters and digits): "RF" + check digits + body.
std::string creditor_reference(std::string_view body);
// A reference as written (spaces, any case) if it is a valid ISO 11649 one, normalized.
std::optional<std::string> parse_creditor_reference(std::string_view text);
// The first valid creditor reference a free text quotes, normalized ("Invoice rf18 5390 0754
// 7034, thanks" gives RF18539007547034): "RF" at the start of a word, then letters and digits,
// written whole or in the standard's groups of four apart by single spaces; of the readings a
// place allows, the longest that checks.
std::optional<std::string> find_creditor_reference(std::string_view text);

// Every invoice's reference: the body is its serial number in the book, in decimal.
inline std::string invoice_payment_reference(std::int64_t serial) { return creditor_reference(std::to_string(serial)); }

}  // namespace tallyman
