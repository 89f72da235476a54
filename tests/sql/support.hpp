#pragma once
// Real databases for tests: a fresh SQLite file in a temporary directory, or a fresh
// database on the MariaDB server scripts/test starts (TALLYMAN_TEST_MYSQL). Each TestDb is
// migrated and removed again when the test ends. There is no stand-in: a test that cannot
// reach MariaDB fails and says why.

#include "sql/database.hpp"

#include <memory>
#include <string>

namespace tallyman::test {

class TestDb {
 public:
  explicit TestDb(const std::string& backend, bool migrated = true);  // "sqlite" or "mysql"
  ~TestDb();
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  sql::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Another connection to the same database.
  std::unique_ptr<sql::Database> connect() const;

 private:
  std::string backend_;
  std::string url_;
  std::string name_;  // the MySQL database, or the SQLite directory
  std::unique_ptr<sql::Database> db_;
};

std::string unique_name(const char* prefix);

}  // namespace tallyman::test
