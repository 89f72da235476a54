// docs/openapi.yaml stays true: every route the router serves is described there, and
// everything described there is served.
#include "http/router.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <string>

using namespace tallyman;

namespace {

// "GET /v1/customers/{id}" for each operation under `paths:` (two-space paths, four-space
// methods, as the file is written).
std::set<std::string> described() {
  std::ifstream in(TALLYMAN_SOURCE_DIR "/docs/openapi.yaml");
  REQUIRE(in);
  const std::regex path_line(R"(^  (/\S*):\s*$)"), method_line(R"(^    (get|put|post|patch|delete):\s*$)");
  std::set<std::string> ops;
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line == "paths:") in_paths = true;
    else if (!line.empty() && line[0] != ' ') in_paths = false;
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_line)) path = m[1];
    else if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      ops.insert(method + " " + path);
    }
  }
  return ops;
}

}  // namespace

TEST_CASE("openapi: every route served is described and every route described is served", "[http]") {
  std::set<std::string> served;
  for (const auto& r : http::Router::routes()) served.insert(r.method + " " + r.path);
  const std::set<std::string> doc = described();
  for (const std::string& op : served) {
    INFO(op << " is served but not in docs/openapi.yaml");
    CHECK(doc.contains(op));
  }
  for (const std::string& op : doc) {
    INFO(op << " is in docs/openapi.yaml but not served");
    CHECK(served.contains(op));
  }
  CHECK(served.size() > 20);
}
