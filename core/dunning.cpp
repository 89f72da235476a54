#include "core/dunning.hpp"

#include "core/check.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"

#include <algorithm>

namespace tallyman {

DunningPolicy default_dunning_policy() {
  return {1000,
          {{1, 1, "reminder", false, {}},
           {2, 15, "call", false, {}},
           {3, 30, "final_notice", true, {}},
           {4, 60, "collection_agency", false, {}}},
          true};
}

bool DunningPolicy::holds_at(int level) const {
  return std::any_of(levels.begin(), levels.end(),
                     [&](const DunningLevel& l) { return l.level <= level && l.credit_hold; });
}

FieldErrors validate(const DunningPolicy& p) {
  FieldErrors errors;
  if (!is_valid_limit(p.min_amount))
    errors.push_back({"min_amount", "must be a whole number of minor units from 0 to 9007199254740991"});
  if (p.levels.empty() || p.levels.size() > dunning_levels_max)
    errors.push_back({"levels", "must be 1 to " + std::to_string(dunning_levels_max) + " levels"});
  for (std::size_t k = 0; k < p.levels.size(); ++k) {
    const DunningLevel& l = p.levels[k];
    const std::string at = "levels[" + std::to_string(k) + "].";
    if (l.level != static_cast<int>(k) + 1) errors.push_back({at + "level", "must count up from 1, one by one"});
    if (l.days_overdue < 1 || l.days_overdue > 36500)
      errors.push_back({at + "days_overdue", "must be a number of days from 1 to 36500"});
    else if (k > 0 && l.days_overdue <= p.levels[k - 1].days_overdue)
      errors.push_back({at + "days_overdue", "must be more than the level before"});
    if (l.action.empty() || l.action.size() > 32 || !is_valid_id(l.action))
      errors.push_back({at + "action", "must be a name of 1-32 characters such as reminder or call"});
    for (const auto& [grade, days] : l.grade_days) {
      if (grade != 'A' && grade != 'B' && grade != 'C')
        errors.push_back({at + "grade_days", "grades are A, B and C"});
      if (days < 1 || days > 36500)
        errors.push_back({at + "grade_days." + std::string(1, grade), "must be a number of days from 1 to 36500"});
    }
  }
  return errors;
}

DunningAssessment assess_dunning(const DunningPolicy& policy, const std::vector<OpenInvoice>& invoices,
                                 std::optional<char> grade, bool promise_pending, Date as_of, std::int64_t unapplied) {
  DunningAssessment a;
  a.promise_pending = promise_pending;
  std::vector<const OpenInvoice*> overdue;
  for (const OpenInvoice& inv : invoices) {
    TM_ASSERT(inv.open >= 0);
    if (inv.open == 0 || inv.disputed || inv.due_date >= as_of) continue;
    overdue.push_back(&inv);
    a.invoices.push_back(inv.number);
  }
  std::sort(overdue.begin(), overdue.end(), [](const OpenInvoice* x, const OpenInvoice* y) {
    return std::tie(x->due_date, x->number) < std::tie(y->due_date, y->number);
  });
  // The credit covers the oldest first; what it leaves is what dunning sees.
  std::int64_t credit_left = policy.net_unapplied ? std::max<std::int64_t>(unapplied, 0) : 0;
  for (const OpenInvoice* inv : overdue) {
    const std::int64_t covered = std::min(credit_left, inv->open);
    credit_left -= covered;
    a.credit += covered;
    if (covered == inv->open) continue;
    a.overdue += inv->open - covered;
    a.max_days_overdue = std::max(a.max_days_overdue, static_cast<int>((as_of - inv->due_date).count()));
  }
  if (!a.any_overdue()) return a;
  a.below_minimum = a.overdue < policy.min_amount;
  if (a.below_minimum || promise_pending) return a;
  for (const DunningLevel& l : policy.levels) {
    int days = l.days_overdue;
    if (grade)
      if (auto it = l.grade_days.find(*grade); it != l.grade_days.end()) days = it->second;
    if (days <= a.max_days_overdue) a.level = l;  // the highest that applies
  }
  return a;
}

std::string_view to_string(PromiseState state) {
  switch (state) {
    case PromiseState::pending: return "pending";
    case PromiseState::kept: return "kept";
    case PromiseState::broken: return "broken";
  }
  TM_ASSERT(false);
}

PromiseState promise_state(const Promise& promise, std::int64_t paid, Date as_of) {
  if (paid >= promise.amount) return PromiseState::kept;
  return as_of <= promise.promised_date ? PromiseState::pending : PromiseState::broken;
}

bool needs_task(const DunningAssessment& a, std::optional<int> highest_tasked_in_episode) {
  return a.dunned() && (!highest_tasked_in_episode || a.level->level > *highest_tasked_in_episode);
}

std::vector<DunningStep> plan_dunning(const DunningPolicy& policy, const std::vector<DunningState>& page,
                                      const std::map<std::string, std::vector<OpenInvoice>>& overdue,
                                      const std::set<std::string>& disputed, const std::set<std::string>& promised,
                                      Date as_of, int& examined) {
  std::vector<DunningStep> steps;
  for (const DunningState& state : page) {
    auto found = overdue.find(state.id);
    if (found == overdue.end() && !state.level && !state.hold) continue;  // nothing to look at
    ++examined;
    std::vector<OpenInvoice> invoices = found == overdue.end() ? std::vector<OpenInvoice>{} : found->second;
    for (OpenInvoice& inv : invoices) inv.disputed = disputed.contains(inv.number);
    const DunningAssessment a =
        assess_dunning(policy, invoices, state.grade, promised.contains(state.id), as_of, state.unapplied);
    DunningStep step{state.id, std::nullopt, std::nullopt, false, false, false};
    if (!a.any_overdue()) {
      if (!state.level && !state.hold) continue;
      step.ends = true;
      step.releases = state.hold;
      steps.push_back(std::move(step));
      continue;
    }
    if (!a.dunned()) continue;
    // The hold of the highest level reached in the episode, whether tasked now or before.
    const int reached = std::max(a.level->level, state.level.value_or(0));
    step.sets_hold = policy.holds_at(reached) && !state.hold;
    if (needs_task(a, state.level)) {
      const int episode = state.level ? state.episode : state.episode + 1;
      step.task = NewTask{episode, a.level->level, a.level->action, a.overdue, a.credit, a.max_days_overdue, a.invoices};
      if (sends_notice(a.level->action)) {
        NoticeInput notice{state.id,        state.name, state.currency, a.level->level, a.level->action, as_of,
                           {},              a.credit,   policy.holds_at(a.level->level),
                           state.level ? state.sent : std::vector<std::string>{}};
        for (const OpenInvoice& inv : invoices)
          if (!inv.disputed && inv.open > 0 && inv.due_date < as_of)
            notice.lines.push_back({inv.number, inv.due_date, static_cast<int>((as_of - inv.due_date).count()), inv.open, {}});
        step.notice = std::move(notice);
      }
    }
    if (step.task || step.sets_hold) steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace tallyman
