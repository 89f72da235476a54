#include "jobs/runs.hpp"

#include "sql/run_stores.hpp"

namespace tallyman::jobs {

GradingRun run_grading(sql::Database& db, const Actor& actor, Date as_of) {
  sql::GradingStore store(db);
  const GradingPolicy policy = store.policy();
  sql::WriteTransaction tx(db);
  GradingRun run{0, as_of, 0, 0, 0};
  const std::map<std::string, std::optional<char>> grades = store.grades();
  run.examined = static_cast<int>(grades.size());
  std::vector<std::pair<std::string, Score>> scores;
  std::vector<std::pair<std::string, char>> changes;
  for (const auto& [customer, history] : store.histories(as_of)) {
    const std::optional<Score> s = score_history(policy, history, as_of);
    if (!s) continue;  // no history: the customer keeps its grade
    scores.emplace_back(customer, *s);
    auto grade = grades.find(customer);
    if (grade == grades.end() || grade->second != s->grade) changes.emplace_back(customer, s->grade);
  }
  run.graded = static_cast<int>(scores.size());
  run.changed = static_cast<int>(changes.size());
  store.write(run, scores, changes, actor);
  tx.commit();
  return run;
}

}  // namespace tallyman::jobs
