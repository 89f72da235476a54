// ISO 20022 camt.053 / camt.054 through libxml2 (core/bank_statement.hpp).
#include "core/bank_statement.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

namespace tallyman {

namespace {

using Node = xmlNode*;

bool named(Node n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(name));
}

// The element children of `n` called `name`.
std::vector<Node> children(Node n, const char* name) {
  std::vector<Node> out;
  if (!n) return out;
  for (Node c = n->children; c; c = c->next)
    if (named(c, name)) out.push_back(c);
  return out;
}

Node child(Node n, const char* name) {
  if (!n) return nullptr;
  for (Node c = n->children; c; c = c->next)
    if (named(c, name)) return c;
  return nullptr;
}

// Down a path of element names: path(n, {"Acct", "Id", "IBAN"}).
Node path(Node n, std::initializer_list<const char*> names) {
  for (const char* name : names) n = child(n, name);
  return n;
}

std::string text(Node n) {
  if (!n) return "";
  std::unique_ptr<xmlChar, void (*)(void*)> content(xmlNodeGetContent(n), xmlFree);
  std::string s = content ? reinterpret_cast<const char*>(content.get()) : "";
  const auto first = s.find_first_not_of(" \t\r\n"), last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

std::string attribute(Node n, const char* name) {
  if (!n) return "";
  std::unique_ptr<xmlChar, void (*)(void*)> v(xmlGetProp(n, reinterpret_cast<const xmlChar*>(name)), xmlFree);
  return v ? reinterpret_cast<const char*>(v.get()) : "";
}

struct Failure {
  std::string where;
};

// An Amt element: its currency attribute and its decimal text.
Money amount_of(Node amt, const std::string& where) {
  if (!amt) throw Failure{where + ": missing"};
  auto currency = parse_currency(attribute(amt, "Ccy"));
  if (!currency) throw Failure{where + ": the currency (Ccy) is not an ISO 4217 code"};
  auto minor = parse_decimal_amount(text(amt), *currency);
  if (!minor) throw Failure{where + ": \"" + text(amt) + "\" is not an amount in " + currency->str()};
  return {*minor, *currency};
}

Date date_of(Node parent, const std::string& where) {
  // <BookgDt><Dt>2026-03-01</Dt></BookgDt>, or <DtTm>2026-03-01T10:00:00</DtTm>.
  std::string d = text(child(parent, "Dt"));
  if (d.empty()) d = text(child(parent, "DtTm")).substr(0, 10);
  auto parsed = parse_date(d);
  if (!parsed) throw Failure{where + ": \"" + d + "\" is not a date"};
  return *parsed;
}

std::string account_of(Node acct) {
  const std::string iban = text(path(acct, {"Id", "IBAN"}));
  return iban.empty() ? text(path(acct, {"Id", "Othr", "Id"})) : iban;
}

// The signed balance of a Bal element (which may be 0).
std::int64_t signed_balance(Node bal, const std::string& where) {
  Node amt = child(bal, "Amt");
  if (is_zero_amount(text(amt))) return 0;
  const Money m = amount_of(amt, where + "/Amt");
  return text(child(bal, "CdtDbtInd")) == "DBIT" ? -m.minor : m.minor;
}

// A transaction's own amount, if the bank gives it.
Node transaction_amount(Node tx) {
  Node amt = path(tx, {"AmtDtls", "TxAmt", "Amt"});
  return amt ? amt : child(tx, "Amt");
}

// One transaction of an entry (TxDtls, or the entry itself when it has none: then its
// additional information is the text).
BankLine line_of(Node entry, Node tx, const Money& entry_amount, const std::string& where) {
  BankLine l;
  l.amount = entry_amount.minor;
  l.currency = entry_amount.currency;
  if (!tx) l.remittance = text(child(entry, "AddtlNtryInf"));
  if (tx) {
    if (Node amt = transaction_amount(tx)) {
      const Money m = amount_of(amt, where + "/Amt");
      l.amount = m.minor;
      l.currency = m.currency;
    }
    l.end_to_end = text(path(tx, {"Refs", "EndToEndId"}));
    if (l.end_to_end == "NOTPROVIDED") l.end_to_end.clear();
    // The other party: the debtor of money in, the creditor of money out. Version 8 wraps the
    // party in Pty.
    const bool credit = text(child(entry, "CdtDbtInd")) != "DBIT";
    Node parties = child(tx, "RltdPties");
    Node party = child(parties, credit ? "Dbtr" : "Cdtr");
    l.payer_name = text(child(party, "Nm"));
    if (l.payer_name.empty()) l.payer_name = text(path(party, {"Pty", "Nm"}));
    l.payer_account = account_of(child(parties, credit ? "DbtrAcct" : "CdtrAcct"));
    Node remittance = child(tx, "RmtInf");
    auto add_text = [&](Node n) {
      if (!l.remittance.empty()) l.remittance += ' ';
      l.remittance += text(n);
    };
    for (Node u : children(remittance, "Ustrd")) add_text(u);
    for (Node s : children(remittance, "Strd")) {
      const std::string ref = text(path(s, {"CdtrRefInf", "Ref"}));
      if (!ref.empty() && l.structured_reference.empty()) l.structured_reference = ref;
      for (Node add : children(s, "AddtlRmtInf")) add_text(add);
    }
    l.return_reason = text(path(tx, {"RtrInf", "Rsn", "Cd"}));
  }
  return l;
}

BankStatement statement_of(Node stmt, bool with_balances, const std::string& where) {
  BankStatement s;
  s.id = text(child(stmt, "Id"));
  if (s.id.empty()) throw Failure{where + "/Id: missing"};
  Node acct = child(stmt, "Acct");
  s.account = account_of(acct);
  if (s.account.empty()) throw Failure{where + "/Acct/Id: missing"};
  auto currency = parse_currency(text(child(acct, "Ccy")));
  int k = 0;
  for (Node bal : children(stmt, "Bal")) {
    ++k;
    const std::string code = text(path(bal, {"Tp", "CdOrPrtry", "Cd"}));
    const std::string at = where + "/Bal[" + std::to_string(k) + "]";
    if (!currency) currency = amount_of(child(bal, "Amt"), at + "/Amt").currency;
    if ((code == "OPBD" || code == "PRCD") && !s.opening) s.opening = signed_balance(bal, at);
    if (code == "CLBD") s.closing = signed_balance(bal, at);
  }
  (void)with_balances;
  k = 0;
  std::set<std::string> references;  // the entries' so far: one repeated is not the entry's own
  for (Node entry : children(stmt, "Ntry")) {
    ++k;
    const std::string at = where + "/Ntry[" + std::to_string(k) + "]";
    const std::string status = text(path(entry, {"Sts", "Cd"})) + text(child(entry, "Sts"));
    if (!status.empty() && status.find("BOOK") == std::string::npos) continue;  // pending, information only
    if (is_zero_amount(text(child(entry, "Amt")))) continue;                      // no money moved
    const Money m = amount_of(child(entry, "Amt"), at + "/Amt");
    if (!currency) currency = m.currency;
    const std::string indicator = text(child(entry, "CdtDbtInd"));
    if (indicator != "CRDT" && indicator != "DBIT") throw Failure{at + "/CdtDbtInd: must be CRDT or DBIT"};
    Node booking = child(entry, "BookgDt");
    if (!booking) booking = child(entry, "ValDt");
    const Date booked = date_of(booking, at + "/BookgDt");
    std::string reference = text(child(entry, "AcctSvcrRef"));
    if (reference.empty()) reference = text(child(entry, "NtryRef"));
    const bool own = !reference.empty() && references.insert(reference).second;
    const std::string key = own ? reference : s.id + "#" + std::to_string(k);
    std::vector<Node> txs;
    for (Node details : children(entry, "NtryDtls"))
      for (Node tx : children(details, "TxDtls")) txs.push_back(tx);
    if (txs.empty()) txs.push_back(nullptr);
    std::vector<BankLine> lines;
    for (std::size_t t = 0; t < txs.size(); ++t) {
      lines.push_back(line_of(entry, txs[t], m, at + "/NtryDtls/TxDtls[" + std::to_string(t + 1) + "]"));
      lines.back().key = key + "/" + std::to_string(t + 1);
    }
    // A batch booking whose transactions do not all give their amounts is one line of the
    // entry's amount (each taking the entry's amount would count it once per transaction),
    // holding what each transaction says, for a person to split.
    if (txs.size() > 1 && std::any_of(txs.begin(), txs.end(), [](Node tx) { return !transaction_amount(tx); })) {
      BankLine whole = line_of(entry, nullptr, m, at);
      whole.key = key + "/1";
      whole.unsplit_transactions = txs.size();
      for (const BankLine& t : lines)
        for (const std::string* part : {&t.payer_name, &t.payer_account, &t.structured_reference, &t.end_to_end, &t.remittance})
          if (!part->empty()) {
            if (!whole.remittance.empty()) whole.remittance += ' ';
            whole.remittance += *part;
          }
      lines = {std::move(whole)};
    }
    for (BankLine& l : lines) {
      l.bank_reference = reference;
      l.booked = booked;
      l.credit = indicator == "CRDT";
      l.reversal = text(child(entry, "RvslInd")) == "true";
      s.lines.push_back(std::move(l));
    }
  }
  if (!currency) throw Failure{where + "/Acct/Ccy: missing, and no amount says it"};
  s.currency = *currency;
  return s;
}

}  // namespace

StatementRead read_camt(std::string_view xml) {
  static const bool initialized = (xmlInitParser(), true);  // once, before any thread parses
  (void)initialized;
  // No network, no entity substitution, no DTD loading; a document with a DTD is refused below.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS;
  std::unique_ptr<xmlDoc, void (*)(xmlDoc*)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "statement.xml", nullptr, options), xmlFreeDoc);
  if (!doc) {
    const xmlError* e = xmlGetLastError();
    std::string what = e && e->message ? e->message : "";
    while (!what.empty() && std::isspace(static_cast<unsigned char>(what.back()))) what.pop_back();
    return {std::nullopt, "the XML is not well-formed" + (e ? " at line " + std::to_string(e->line) + ": " + what : "")};
  }
  if (doc->intSubset || doc->extSubset) return {std::nullopt, "the XML declares a DTD, which a statement never does"};
  Node root = xmlDocGetRootElement(doc.get());
  if (!named(root, "Document") || !root->ns || !root->ns->href)
    return {std::nullopt, "the root is not an ISO 20022 Document"};
  const std::string ns = reinterpret_cast<const char*>(root->ns->href);
  StatementFile file;
  const char* body = nullptr;
  const char* item = nullptr;
  std::string version;
  if (ns.starts_with("urn:iso:std:iso:20022:tech:xsd:camt.053.001.")) {
    file.format = StatementFormat::camt053, body = "BkToCstmrStmt", item = "Stmt";
    version = ns.substr(44);
  } else if (ns.starts_with("urn:iso:std:iso:20022:tech:xsd:camt.054.001.")) {
    file.format = StatementFormat::camt054, body = "BkToCstmrDbtCdtNtfctn", item = "Ntfctn";
    version = ns.substr(44);
  } else {
    return {std::nullopt, "the namespace " + ns + " is not camt.053 or camt.054"};
  }
  if (version.size() != 2 || version < "02" || version > "08")
    return {std::nullopt, "camt version 001." + version + " is not one of 001.02 to 001.08"};
  Node content = child(root, body);
  if (!content) return {std::nullopt, std::string("Document/") + body + ": missing"};
  try {
    int k = 0;
    for (Node stmt : children(content, item))
      file.statements.push_back(statement_of(stmt, file.format == StatementFormat::camt053,
                                             std::string(item) + "[" + std::to_string(++k) + "]"));
  } catch (const Failure& f) {
    return {std::nullopt, f.where};
  }
  if (file.statements.empty()) return {std::nullopt, std::string(body) + ": no " + item};
  return checked_read(std::move(file));
}

}  // namespace tallyman
