#include "core/watch.hpp"

#include "core/money.hpp"

namespace tallyman {

namespace {

constexpr int watch_window_days_max = 730;
constexpr int watch_bp_max = 100000;  // ten times a limit

std::string tenths_text(std::int64_t tenths) {
  const std::string sign = tenths < 0 ? "-" : "";
  const std::int64_t m = tenths < 0 ? -tenths : tenths;
  return sign + std::to_string(m / 10) + "." + std::to_string(m % 10);
}

std::string percent(std::int64_t part, std::int64_t whole) {
  return tenths_text(tenths(static_cast<Wide>(part) * 100, whole).value_or(0)) + "%";
}

}  // namespace

FieldErrors validate(const WatchPolicy& p) {
  FieldErrors errors;
  if (p.window_days < 1 || p.window_days > watch_window_days_max)
    errors.push_back({"window_days", "must be from 1 to 730 days"});
  if (p.near_limit_bp && (*p.near_limit_bp < 1 || *p.near_limit_bp > watch_bp_max))
    errors.push_back({"near_limit_bp", "must be basis points from 1 to 100000, or null"});
  if (p.slower_by_days && (*p.slower_by_days < 1 || *p.slower_by_days > 3650))
    errors.push_back({"slower_by_days", "must be from 1 to 3650 days, or null"});
  if (p.due_soon_days && (*p.due_soon_days < 1 || *p.due_soon_days > 365))
    errors.push_back({"due_soon_days", "must be from 1 to 365 days, or null"});
  if (p.due_soon_limit_bp < 1 || p.due_soon_limit_bp > watch_bp_max)
    errors.push_back({"due_soon_limit_bp", "must be basis points from 1 to 100000"});
  return errors;
}

std::vector<Signal> watch_signals(const WatchPolicy& p, const WatchInputs& in) {
  std::vector<Signal> out;
  const Customer& c = in.customer;
  const auto limit = c.credit_limit;
  if (p.near_limit_bp && limit && *limit > 0 &&
      static_cast<Wide>(in.balance) * 10000 >= static_cast<Wide>(*limit) * *p.near_limit_bp)
    out.push_back({"near_limit", "balance " + format_amount(in.balance, c.currency) + " is " +
                                     percent(in.balance, *limit) + " of the credit limit " +
                                     format_amount(*limit, c.currency)});
  if (p.slower_by_days && in.recent.applied > 0 && in.before.applied > 0) {
    const std::int64_t now = *tenths(in.recent.days_late, in.recent.applied);
    const std::int64_t then = *tenths(in.before.days_late, in.before.applied);
    if (now - then >= static_cast<std::int64_t>(*p.slower_by_days) * 10)
      out.push_back({"paying_slower", "paid " + tenths_text(now) + " days late on average in the last " +
                                          std::to_string(p.window_days) + " days, " + tenths_text(then) +
                                          " in the " + std::to_string(p.window_days) + " before"});
  }
  if (p.broken_promise && in.broken_promise)
    out.push_back({"broken_promise", "promised " + format_amount(in.promised, c.currency) + " by " +
                                         format_date(*in.broken_promise) + " and did not pay it"});
  if (p.bounced_payment && in.reversed_on)
    out.push_back({"bounced_payment", "payment " + in.reversed_payment + " of " +
                                          format_amount(in.reversed_amount, c.currency) + " reversed on " +
                                          format_date(*in.reversed_on)});
  if (p.grade_drop && in.graded_on)
    out.push_back({"grade_drop", "grade " + std::string(1, in.grade_before) + " to " + std::string(1, in.grade_after) +
                                     " on " + format_date(*in.graded_on)});
  if (p.due_soon_days && limit && *limit > 0 && in.due_soon > 0 &&
      static_cast<Wide>(in.due_soon) * 10000 >= static_cast<Wide>(*limit) * p.due_soon_limit_bp)
    out.push_back({"large_due_soon", format_amount(in.due_soon, c.currency) + " due in the next " +
                                         std::to_string(*p.due_soon_days) + " days, " +
                                         percent(in.due_soon, *limit) + " of the credit limit"});
  return out;
}

}  // namespace tallyman
