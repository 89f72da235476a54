#pragma once
// The command line (contract §6): words, then --options with a value each.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tallyman::app {

// Bad usage or bad input: exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // allowed: the --options this command takes (without the dashes).
  Args(int argc, char** argv, int first, const std::vector<std::string>& allowed);
  const std::vector<std::string>& words() const { return words_; }
  std::optional<std::string> option(const std::string& name) const;

 private:
  std::vector<std::string> words_;
  std::map<std::string, std::string> options_;
};

// --db, else TALLYMAN_DB, else sqlite:tallyman.db in the working directory.
std::string database_url(const Args& args);

}  // namespace tallyman::app
