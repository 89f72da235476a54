#pragma once
// Real databases for tests: a fresh SQLite file in a temporary directory, a fresh database on
// the MariaDB server scripts/test starts (TALLYMAN_TEST_MYSQL), or one on the three-node Galera
// cluster it starts (scripts/cluster; TALLYMAN_TEST_GALERA: the nodes' server URLs and
// haproxy's, space-separated). Each TestDb is migrated and removed again when the test ends.
// There is no stand-in: a test that cannot reach its server fails and says why.

#include "sql/database.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tallyman::test {

class TestDb {
 public:
  explicit TestDb(const std::string& backend, bool migrated = true);  // "sqlite", "mysql" or "galera"
  ~TestDb();
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  sql::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Another connection to the same database.
  std::unique_ptr<sql::Database> connect() const;
  // Galera: the same database through node 0, 1 or 2, or through haproxy (galera_haproxy).
  std::string url_on(int node) const;
  static constexpr int galera_haproxy = 3;

 private:
  std::string backend_;
  std::string url_;
  std::string name_;  // the MySQL database, or the SQLite directory
  std::vector<std::string> servers_;  // galera: the nodes' and haproxy's server URLs
  std::unique_ptr<sql::Database> db_;
};

std::string unique_name(const char* prefix);

}  // namespace tallyman::test
