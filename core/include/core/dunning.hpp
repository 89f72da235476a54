#pragma once
// Dunning (contract §5): how far a customer's overdue money has gone, as of a date, in the
// levels of the dunning policy, and what a run does about it. Pure: the run (jobs/dunning_run)
// gathers a page of customers with their overdue invoices and promises, asks plan_dunning(),
// and stores the steps.
//
// A customer is dunned when its overdue, undisputed amount reaches the policy's min_amount
// and no promise to pay is pending. Its level is the highest whose days_overdue (for its
// grade, if the level overrides it) is at most the largest days overdue among those
// invoices. An episode lasts while anything is overdue: within it a level is tasked once.
//
// With the policy's net_unapplied (the default), the customer's unapplied credit is set
// against its overdue invoices first, oldest due first: the overdue amount dunning sees, its
// minimum and its level are those of what the credit does not cover. A level's credit hold
// applies at that level and at every level above it, however the customer got there.

#include "core/calendar.hpp"
#include "core/money.hpp"
#include "core/notice.hpp"
#include "core/validation.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tallyman {

struct DunningLevel {
  int level = 1;
  int days_overdue = 1;
  std::string action;        // reminder, call, visit, final_notice, collection_agency, legal, or the user's own
  bool credit_hold = false;  // reaching it puts the customer on dunning hold
  std::map<char, int> grade_days;  // per grade, days_overdue instead (a C customer sooner, an A later)
  friend bool operator==(const DunningLevel&, const DunningLevel&) = default;
};

struct DunningPolicy {
  std::int64_t min_amount = 1000;
  std::vector<DunningLevel> levels;  // ascending by level and by days
  bool net_unapplied = true;         // the customer's unapplied credit is set against its overdue money
  // Whether reaching `level` puts the customer on hold: it or a level below it holds.
  bool holds_at(int level) const;
  friend bool operator==(const DunningPolicy&, const DunningPolicy&) = default;
};

// The contract's example: reminder at 1 day, call at 15, final notice with a credit hold at
// 30, collection agency at 60; nothing under 10.00.
DunningPolicy default_dunning_policy();

constexpr std::size_t dunning_levels_max = 20;
FieldErrors validate(const DunningPolicy& policy);

struct OpenInvoice {
  std::string number;
  Date due_date;
  std::int64_t open = 0;  // as of the date assessed
  bool disputed = false;
};

struct DunningAssessment {
  std::int64_t overdue = 0;  // undisputed, past due, less the credit set against it
  std::int64_t credit = 0;   // the unapplied credit set against it
  int max_days_overdue = 0;
  std::vector<std::string> invoices;  // the overdue, undisputed ones
  bool below_minimum = false;
  bool promise_pending = false;
  std::optional<DunningLevel> level;  // the level reached, if dunned
  bool dunned() const { return level.has_value(); }
  bool any_overdue() const { return overdue > 0; }
};

// `unapplied` is the customer's unapplied credit as of the date.
DunningAssessment assess_dunning(const DunningPolicy& policy, const std::vector<OpenInvoice>& invoices,
                                 std::optional<char> grade, bool promise_pending, Date as_of,
                                 std::int64_t unapplied = 0);

// Whether the run must create a task: only for a level above every level tasked in the
// customer's current episode (none: the episode has no task yet).
bool needs_task(const DunningAssessment& a, std::optional<int> highest_tasked_in_episode);

// A customer as a dunning run finds it: its dunning episode (a number, and the highest level
// tasked in it, none when no episode is open), whether a level put it on hold, what the
// episode's tasks sent, and its unapplied credit as of the run's date.
struct DunningState {
  std::string id;
  std::string name;
  Currency currency;
  std::optional<char> grade;
  int episode = 0;
  std::optional<int> level;
  bool hold = false;
  std::vector<std::string> sent;  // the actions of the notices sent in the open episode
  std::int64_t unapplied = 0;
};

// A task a level calls for.
struct NewTask {
  int episode = 0;
  int level = 0;
  std::string action;
  std::int64_t overdue = 0;
  std::int64_t credit = 0;  // the unapplied credit set against the overdue money
  int days_overdue = 0;     // the largest, of what the credit does not cover
  std::vector<std::string> invoices;
};

// What a run does for one customer: a task (and its notice, if its action sends one) with the
// episode's new state; or the end of the episode (its open tasks resolve, a hold lifts).
struct DunningStep {
  std::string customer;
  std::optional<NewTask> task;
  std::optional<NoticeInput> notice;
  bool sets_hold = false;
  bool ends = false;
  bool releases = false;  // ends, and a hold was on
};

// The steps for a page of customers as of a date, given each one's overdue invoices (disputed
// ones marked by `disputed`, invoice numbers) and the customers with a promise pending. Counts
// in `examined` every customer with overdue money or an open episode.
std::vector<DunningStep> plan_dunning(const DunningPolicy& policy, const std::vector<DunningState>& page,
                                      const std::map<std::string, std::vector<OpenInvoice>>& overdue,
                                      const std::set<std::string>& disputed, const std::set<std::string>& promised,
                                      Date as_of, int& examined);

// A promise to pay (contract §2): `amount` by `promised_date`, made on `made_on`. It is kept
// once the customer's payments received from made_on to promised_date add up to it; while
// not kept it is pending up to and including promised_date, and broken after.
enum class PromiseState { pending, kept, broken };
std::string_view to_string(PromiseState state);

struct Promise {
  std::int64_t amount = 0;
  Date made_on;
  Date promised_date;
};

// `paid` is what the customer's payments received from made_on to min(promised_date, as_of)
// add up to.
PromiseState promise_state(const Promise& promise, std::int64_t paid, Date as_of);

}  // namespace tallyman
