// SWIFT MT940 (core/bank_statement.hpp): the fields :20: :25: :28C: :60F/M: :61: :86: :62F/M:,
// and :86:'s common structured forms: "?20".."?33" subfields (EREF+, SVWZ+, ?31 account, ?32
// name) and "/EREF/.../IBAN/.../NAME/.../REMI/..." keywords.
#include "core/bank_statement.hpp"
#include "core/text.hpp"

#include <cctype>
#include <map>
#include <set>

namespace tallyman {

namespace {

struct Failure {
  std::string where;
};

struct Field {
  std::string tag;  // "61", "60F", ...
  std::string value;
  int line = 0;
};

// The file's fields in order, continuation lines joined to their field.
std::vector<Field> fields_of(std::string_view text) {
  std::vector<Field> out;
  int number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(at, end - at));
    at = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("{1:") || line.starts_with("{2:") || line.starts_with("{4:")) {
      const std::size_t four = line.find("{4:");
      if (four == std::string::npos) continue;
      line = line.substr(four + 3);
      if (line.empty()) continue;
    }
    if (line == "-" || line == "-}" || line.starts_with("-}") || line.empty()) continue;
    if (line.size() > 1 && line[0] == ':') {
      const std::size_t colon = line.find(':', 1);
      if (colon == std::string::npos) throw Failure{"line " + std::to_string(number) + ": a field without its closing ':'"};
      out.push_back({line.substr(1, colon - 1), line.substr(colon + 1), number});
    } else if (!out.empty()) {
      out.back().value += "\n" + line;
    } else {
      throw Failure{"line " + std::to_string(number) + ": text before the first field"};
    }
    if (end == text.size()) break;
  }
  return out;
}

std::string where(const Field& f) { return "line " + std::to_string(f.line) + " (:" + f.tag + ":)"; }

Date date6(std::string_view yymmdd, const Field& f) {
  auto d = yymmdd.size() == 6 ? parse_date("20" + std::string(yymmdd.substr(0, 2)) + "-" + std::string(yymmdd.substr(2, 2)) +
                                           "-" + std::string(yymmdd.substr(4, 2)))
                              : std::nullopt;
  if (!d) throw Failure{where(f) + ": \"" + std::string(yymmdd) + "\" is not a date YYMMDD"};
  return *d;
}

// The booking date a :61: line gives as MMDD: in the year, of the value date's and the ones
// either side, that puts it nearest the value date (booked 1231 for a value date 270102 is
// 2026-12-31).
Date entry_date(Date value_date, std::string_view mmdd, const Field& f) {
  const int year = static_cast<int>(date::year_month_day(value_date).year());
  std::optional<Date> nearest;
  for (int y : {year - 1, year, year + 1}) {
    auto d = parse_date(std::to_string(y) + "-" + std::string(mmdd.substr(0, 2)) + "-" + std::string(mmdd.substr(2, 2)));
    if (d && (!nearest || date::abs(*d - value_date) < date::abs(*nearest - value_date))) nearest = d;
  }
  if (!nearest) throw Failure{where(f) + ": \"" + std::string(mmdd) + "\" is not an entry date MMDD"};
  return *nearest;
}

// :60F: / :62F:  C260301EUR1234,56
std::int64_t balance_of(const Field& f, Currency& currency) {
  const std::string& v = f.value;
  if (v.size() < 11 || (v[0] != 'C' && v[0] != 'D')) throw Failure{where(f) + ": must be C or D, a date, a currency and an amount"};
  date6(std::string_view(v).substr(1, 6), f);
  auto c = parse_currency(v.substr(7, 3));
  if (!c) throw Failure{where(f) + ": \"" + v.substr(7, 3) + "\" is not a currency"};
  currency = *c;
  std::string digits = v.substr(10);
  auto amount = is_zero_amount(digits) ? std::optional<std::int64_t>(0) : parse_decimal_amount(digits, *c);
  if (!amount) throw Failure{where(f) + ": \"" + digits + "\" is not an amount"};
  return v[0] == 'D' ? -*amount : *amount;
}

// The value of "/KEY/value/NEXT/..." for the known keys.
std::map<std::string, std::string> slash_fields(const std::string& text) {
  static const char* const keys[] = {"EREF", "KREF", "MREF", "IBAN", "BIC", "NAME", "REMI", "ORDP", "BENM", "CNTP",
                                     "ADDR", "PURP", "RTRN", "CSID", "MARF", "SVWZ", "ABWA", "TRCD", "ULTD", "ULTC"};
  std::vector<std::pair<std::size_t, std::string>> found;  // position of "/KEY/", key
  for (const char* key : keys) {
    const std::string marker = std::string("/") + key + "/";
    for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1))
      found.emplace_back(at, key);
  }
  std::sort(found.begin(), found.end());
  std::map<std::string, std::string> out;
  for (std::size_t k = 0; k < found.size(); ++k) {
    const std::size_t start = found[k].first + found[k].second.size() + 2;
    const std::size_t end = k + 1 < found.size() ? found[k + 1].first : text.size();
    if (start > end) continue;
    std::string value = text.substr(start, end - start);
    while (!value.empty() && value.back() == '/') value.pop_back();
    if (!out.contains(found[k].second)) out[found[k].second] = value;
  }
  return out;
}

void read_86(const std::string& raw, BankLine& l) {
  const bool subfields = raw.find('?') != std::string::npos && raw.size() > 3 && std::isdigit(static_cast<unsigned char>(raw[0]));
  std::string text;
  for (std::size_t at = 0; at < raw.size(); ++at)
    if (raw[at] != '\n') text += raw[at];
    else if (!subfields && !raw.starts_with("/")) text += ' ';
  if (subfields) {
    // 166?00GUTSCHRIFT?20EREF+INV-1?21SVWZ+Rechnung INV-1?31DE89...?32Muster GmbH
    std::map<int, std::string> sub;
    for (std::size_t at = text.find('?'); at != std::string::npos;) {
      const std::size_t next = text.find('?', at + 1);
      if (at + 3 <= text.size() && std::isdigit(static_cast<unsigned char>(text[at + 1])) &&
          std::isdigit(static_cast<unsigned char>(text[at + 2])))
        sub[std::stoi(text.substr(at + 1, 2))] += text.substr(at + 3, (next == std::string::npos ? text.size() : next) - at - 3);
      at = next;
    }
    std::string purpose;
    for (int k = 20; k <= 29; ++k)
      if (sub.contains(k)) purpose += sub[k];
    for (int k = 60; k <= 63; ++k)
      if (sub.contains(k)) purpose += sub[k];
    // SEPA keywords inside the purpose: EREF+ (end to end), SVWZ+ (the remittance text).
    auto keyword = [&](const char* key) -> std::string {
      const std::size_t at = purpose.find(key);
      if (at == std::string::npos) return "";
      const std::size_t start = at + std::string_view(key).size();
      std::size_t end = purpose.size();
      for (const char* other : {"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+"})
        if (const std::size_t o = purpose.find(other, start); o != std::string::npos) end = std::min(end, o);
      return purpose.substr(start, end - start);
    };
    l.end_to_end = keyword("EREF+");
    if (l.end_to_end == "NOTPROVIDED") l.end_to_end.clear();
    const std::string svwz = keyword("SVWZ+");
    l.remittance = svwz.empty() ? purpose : svwz;
    if (sub.contains(31)) l.payer_account = sub[31];
    l.payer_name = sub[32] + sub[33];
  } else if (text.starts_with("/")) {
    auto f = slash_fields(text);
    l.end_to_end = f["EREF"];
    if (l.end_to_end == "NOTPROVIDED") l.end_to_end.clear();
    std::string remi = f["REMI"];
    if (remi.starts_with("USTD//")) remi = remi.substr(6);
    else if (remi.starts_with("STRD/CUR/")) l.structured_reference = remi.substr(9), remi.clear();
    l.remittance = remi.empty() ? f["SVWZ"] : remi;
    l.payer_account = f["IBAN"];
    l.payer_name = f["NAME"];
    if (f.contains("CNTP")) {  // /CNTP/IBAN/BIC/NAME/CITY/
      std::vector<std::string> parts;
      std::string cur;
      for (char c : f["CNTP"] + "/") {
        if (c == '/') parts.push_back(cur), cur.clear();
        else cur += c;
      }
      if (parts.size() > 0 && l.payer_account.empty()) l.payer_account = parts[0];
      if (parts.size() > 2 && l.payer_name.empty()) l.payer_name = parts[2];
    }
  } else {
    l.remittance = text;
  }
}

// :61:2603010301CR100,00NTRFNONREF//BANKREF123
BankLine line_61(const Field& f, Currency currency) {
  const std::string v = f.value.substr(0, f.value.find('\n'));
  BankLine l;
  l.currency = currency;
  if (v.size() < 12) throw Failure{where(f) + ": too short for a statement line"};
  // The value date, then the entry (booking) date if given: the line is dated by the booking.
  l.booked = date6(std::string_view(v).substr(0, 6), f);
  std::size_t at = 6;
  if (v.size() > at + 4 && std::isdigit(static_cast<unsigned char>(v[at])) && std::isdigit(static_cast<unsigned char>(v[at + 3]))) {
    l.booked = entry_date(l.booked, std::string_view(v).substr(at, 4), f);
    at += 4;
  }
  if (v.compare(at, 2, "RC") == 0 || v.compare(at, 2, "RD") == 0) {
    // SWIFT: RC is the reversal of a credit (a debit entry), RD the reversal of a debit (a
    // credit entry).
    l.reversal = true;
    l.credit = v[at + 1] == 'D';
    at += 2;
  } else if (v[at] == 'C' || v[at] == 'D') {
    l.credit = v[at] == 'C';
    at += 1;
  } else {
    throw Failure{where(f) + ": the mark must be C, D, RC or RD"};
  }
  if (at < v.size() && std::isalpha(static_cast<unsigned char>(v[at]))) ++at;  // funds code
  const std::size_t amount_end = v.find_first_not_of("0123456789,", at);
  const std::string digits = v.substr(at, amount_end - at);
  auto amount = is_zero_amount(digits) ? std::optional<std::int64_t>(0) : parse_decimal_amount(digits, currency);
  if (!amount) throw Failure{where(f) + ": \"" + digits + "\" is not an amount in " + currency.str()};
  l.amount = *amount;  // 0: a line that moves no money, left out by the caller
  if (amount_end == std::string::npos || amount_end + 4 > v.size()) throw Failure{where(f) + ": the transaction type is missing"};
  const std::string rest = v.substr(amount_end + 4);  // after N + three letters
  const std::size_t slashes = rest.find("//");
  if (slashes != std::string::npos) l.bank_reference = rest.substr(slashes + 2);
  const std::string customer_ref = rest.substr(0, slashes);
  if (customer_ref != "NONREF") l.end_to_end = customer_ref;
  return l;
}

}  // namespace

StatementRead read_mt940(std::string_view raw) {
  // Not UTF-8: ISO 8859-1, whose every byte is the code point of its value.
  std::string decoded;
  if (!is_utf8_text(raw))
    for (const char c : raw) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x80) {
        decoded += c;
      } else {
        decoded += static_cast<char>(0xC0 | (byte >> 6));
        decoded += static_cast<char>(0x80 | (byte & 0x3F));
      }
    }
  const std::string_view text = decoded.empty() ? raw : std::string_view(decoded);
  StatementFile file;
  file.format = StatementFormat::mt940;
  try {
    const std::vector<Field> fields = fields_of(text);
    BankStatement* s = nullptr;
    bool left_out = false;  // the last :61: moved no money: it and its :86: are left out
    std::set<std::string> references;  // the statement's lines' so far: one repeated is not the line's own
    std::string number;
    for (const Field& f : fields) {
      if (f.tag == "20") {
        file.statements.emplace_back();
        s = &file.statements.back();
        s->id = f.value.substr(0, f.value.find('\n'));
        references.clear();
        number.clear();
        continue;
      }
      if (!s) throw Failure{where(f) + ": before the statement's :20:"};
      if (f.tag == "25") {
        s->account = f.value.substr(0, f.value.find('\n'));
      } else if (f.tag == "28C" || f.tag == "28") {
        s->id += "/" + f.value;
      } else if (f.tag == "60F" || f.tag == "60M") {
        s->opening = balance_of(f, s->currency);
      } else if (f.tag == "62F" || f.tag == "62M") {
        Currency c;
        s->closing = balance_of(f, c);
      } else if (f.tag == "61") {
        if (!s->opening) throw Failure{where(f) + ": a statement line before the opening balance :60F:"};
        BankLine l = line_61(f, s->currency);
        left_out = l.amount == 0;
        if (left_out) continue;
        const std::size_t position = s->lines.size() + 1;
        const bool own = !l.bank_reference.empty() && references.insert(l.bank_reference).second;
        l.key = (own ? l.bank_reference : s->id + "#" + std::to_string(position)) + "/1";
        s->lines.push_back(std::move(l));
      } else if (f.tag == "86") {
        if (!left_out && !s->lines.empty()) read_86(f.value, s->lines.back());
      }
    }
    for (const BankStatement& st : file.statements) {
      if (st.account.empty()) throw Failure{"statement " + st.id + ": no account (:25:)"};
      if (!st.opening) throw Failure{"statement " + st.id + ": no opening balance (:60F:)"};
    }
  } catch (const Failure& f) {
    return {std::nullopt, f.where};
  }
  if (file.statements.empty()) return {std::nullopt, "no statement (:20:) in the file"};
  return checked_read(std::move(file));
}

}  // namespace tallyman
