#include "core/balances.hpp"

#include "core/check.hpp"

#include <map>

namespace tallyman {

bool BalanceRow::empty() const { return *this == BalanceRow{}; }

namespace {

void add(BalanceRow& to, const BalanceRow& row) {
  to.opening += row.opening;
  to.invoiced += row.invoiced;
  to.received += row.received;
  to.credited += row.credited;
  to.written_off += row.written_off;
  to.reversed += row.reversed;
  to.closing += row.closing;
}

bool holds(const BalanceRow& r) {
  return r.opening + r.invoiced - r.received - r.credited - r.written_off + r.reversed == r.closing;
}

}  // namespace

BalanceTable balance_table(const std::vector<PostingSums>& sums) {
  std::map<std::string, BalanceRow> rows;
  for (const PostingSums& s : sums) {
    BalanceRow& r = rows[s.customer];
    const std::int64_t moved = s.open_in - s.unapplied_in;  // what the period's postings did to the balance
    r.opening += s.before;
    r.closing += s.before + moved;
    switch (s.kind) {
      case PostingKind::invoice: r.invoiced += s.open_in; break;
      case PostingKind::payment: r.received -= moved; break;
      case PostingKind::credit_note: r.credited -= moved; break;
      case PostingKind::write_off: r.written_off -= moved; break;
      case PostingKind::payment_reversed: r.reversed += moved; break;
      // Money applied from unapplied credit to an invoice: the balance does not move.
      case PostingKind::payment_applied:
      case PostingKind::credit_note_applied: TM_ASSERT(moved == 0); break;
    }
  }
  BalanceTable table;
  for (auto& [customer, row] : rows) {
    TM_ASSERT(holds(row));
    if (row.empty()) continue;
    add(table.totals, row);
    table.customers.emplace_back(customer, row);
  }
  TM_ASSERT(holds(table.totals));
  return table;
}

}  // namespace tallyman
