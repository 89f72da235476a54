#pragma once
// The text users write, and what each field may hold: one table for the API's checks, the
// CLI's imports and the schema's columns (sql/migrations.cpp sizes them from it; the same
// table is in docs/data-model.md). Lengths are bytes of UTF-8; a MariaDB VARCHAR(n) counts
// characters, so a column of n holds any text of n bytes.
//
//   field                                      limit                   may hold
//   ids (customer, invoice, payment, order...)  id_length_max (64)      [A-Za-z0-9._:/-] (ids.hpp)
//   a customer's name                           name_field (200)        one line of printable UTF-8
//   reasons (dispute, reversal, write-off,      reason_field (500)      printable UTF-8, line
//   override) and a task's note                                         breaks and tabs too
//   a request body, kept whole in the audit     request_body_bytes_max  what the body limit lets in
//   a dunning notice and its task's invoices    any length              however many invoices are overdue
//   a bank statement's ids, references, names  name_field's length     UTF-8 (core/bank_statement.hpp
//   and accounts; its remittance texts         any length              checked_read)
//
// Nothing else is stored from what a user sends: amounts and dates are numbers, every other
// string is an id or one of a list of words.

#include "core/ids.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tallyman {

struct TextField {
  std::size_t length_max;  // bytes
  bool multiline;          // line breaks (LF, CR) and tabs allowed
  const char* message;     // what the client is told when a text does not fit
};

inline constexpr TextField name_field{200, false, "must be 1-200 bytes of UTF-8 text with no control characters"};
inline constexpr TextField reason_field{
    500, true, "must be 1-500 bytes of UTF-8 text with no control characters but line breaks and tabs"};

// Larger bodies are answered 413 (http/limits.hpp); the audit keeps a body whole.
inline constexpr std::size_t request_body_bytes_max = 1024 * 1024;

// Whether `text` may be stored in `field`: 1 to length_max bytes of well-formed UTF-8 (no
// overlong forms, surrogates or code points past U+10FFFF) without control characters (C0,
// DEL, C1), but for line breaks and tabs where the field is multiline. NUL is never allowed.
bool fits(const TextField& field, std::string_view text);

// Whether `text` is well-formed UTF-8 (as fits() reads it) without NUL: what a JSON text is
// (RFC 8259), and what a MariaDB utf8mb4 column takes.
bool is_utf8_text(std::string_view text);

// The longest prefix of `text` of at most `bytes` bytes that does not cut a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t bytes);

// A name as search compares it: its words (runs of letters and digits), lower case, accents
// and ligatures of the Latin letters taken off (Ä -> a, ß -> ss, Œ -> oe), each after a space:
// "Bäcker & Söhne GmbH" -> " backer sohne gmbh". Letters beyond Latin-1 and Latin Extended-A
// are kept as they are. A query is keyed the same way; it matches a name when each of its
// words starts one of the name's.
std::string search_key(std::string_view text);

}  // namespace tallyman
