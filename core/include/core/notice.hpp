#pragma once
// Dunning notices: what a task whose action sends something says to the customer,
// as plain text and as HTML, from the overdue invoices of the run. Pure: the run stores the
// result in the outbox in the task's transaction; delivery is another matter.

#include "core/calendar.hpp"
#include "core/money.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tallyman {

// reminder, final_notice, collection_agency and legal send a notice; call and visit are a
// person's work; an action the user named sends none.
bool sends_notice(std::string_view action);

struct NoticeLine {
  std::string invoice;
  Date due_date;
  int days_overdue = 0;
  std::int64_t open = 0;
  std::string payment_reference{};  // the invoice's RF reference, for the customer to quote (none: not shown)
};

struct NoticeInput {
  std::string customer_id;
  std::string customer_name;
  Currency currency;
  int level = 1;
  std::string action;
  Date as_of;
  std::vector<NoticeLine> lines;  // the overdue invoices, oldest due first
  std::int64_t credit = 0;        // the customer's unapplied credit set against them
  bool credit_hold = false;       // this level holds the customer's new orders on credit
  std::vector<std::string> sent;  // the actions of the notices sent before in the episode
};

struct RenderedNotice {
  std::string subject;
  std::string text;
  std::string html;
  std::int64_t total = 0;  // the lines less the credit
};

RenderedNotice render_notice(const NoticeInput& input);

// The early-warning event for a customer's new signals (core/watch.hpp), for finance rather than
// the customer: who, as of when, each signal's line; the total is the customer's balance.
struct Customer;
struct Signal;
RenderedNotice render_watch_event(const Customer& customer, std::int64_t balance, Date as_of,
                                  const std::vector<Signal>& signals);

}  // namespace tallyman
