#include "cli.hpp"

#include <algorithm>
#include <cstdlib>

namespace tallyman::app {

Args::Args(int argc, char** argv, int first, const std::vector<std::string>& allowed) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) {
      words_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      throw UsageError("--" + name + " needs a value");
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      throw UsageError("unknown option --" + name);
    options_[name] = value;
  }
}

std::optional<std::string> Args::option(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::string database_url(const Args& args) {
  if (auto db = args.option("db")) return *db;
  if (const char* env = std::getenv("TALLYMAN_DB"); env != nullptr && *env != '\0') return env;
  return "sqlite:tallyman.db";
}

}  // namespace tallyman::app
