#pragma once
// The receivables balance table (contract §8): for each customer, its balance (open invoices
// less unapplied credit: aging's total) the day before a period and at its end, and what moved
// it in between, by kind. Pure: the reports' area sums the journal by customer and kind, this
// puts the columns together and holds them to the identity
//   opening + invoiced − received − credited − written_off + reversed = closing.

#include "core/ledger.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tallyman {

// A customer's postings of one kind, summed: those dated before the period (their effect on
// the balance), and those in it (open and unapplied apart).
struct PostingSums {
  std::string customer;
  PostingKind kind = PostingKind::invoice;
  std::int64_t before = 0;        // Σ (open_delta − unapplied_delta), posted before the period
  std::int64_t open_in = 0;       // Σ open_delta, posted in the period
  std::int64_t unapplied_in = 0;  // Σ unapplied_delta, posted in the period
};

struct BalanceRow {
  std::int64_t opening = 0;
  std::int64_t invoiced = 0;
  std::int64_t received = 0;
  std::int64_t credited = 0;
  std::int64_t written_off = 0;
  std::int64_t reversed = 0;
  std::int64_t closing = 0;
  bool empty() const;
  friend bool operator==(const BalanceRow&, const BalanceRow&) = default;
};

struct BalanceTable {
  std::vector<std::pair<std::string, BalanceRow>> customers;  // by id; a row only if not all zero
  BalanceRow totals;
};

// Asserts the identity for every row and the totals (the closing balance is the sum of every
// posting, not of the columns, so a kind the columns forgot would break it).
BalanceTable balance_table(const std::vector<PostingSums>& sums);

}  // namespace tallyman
