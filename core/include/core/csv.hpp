#pragma once
// CSV as RFC 4180 has it: fields separated by commas, optionally in double quotes, a quote
// inside quotes doubled, records ending in CRLF or LF. The reader works over text the
// caller holds; it never copies the whole input.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // Reads the next record into `fields`. Returns false at the end of the text, or with a
  // non-empty error() when the record is malformed (an unclosed quote, text after a
  // closing quote). Blank lines are skipped.
  bool next(std::vector<std::string>& fields);
  const std::string& error() const { return error_; }
  // The line on which the last record read started (1-based).
  std::size_t line() const { return record_line_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 0;
  std::string error_;
};

// A text cell that a spreadsheet will not run: one that starts with '=', '+', '-', '@', a tab
// or a carriage return (a formula to Excel, LibreOffice and Sheets) gets a leading "'", as
// OWASP's advice on CSV injection has it. For text only: a number's minus sign stays.
std::string csv_text(std::string_view value);

// A field as it must be written: quoted when it holds a comma, quote or line break.
std::string csv_field(std::string_view value);
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace tallyman
