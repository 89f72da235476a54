#include "sql/support.hpp"

#include "sql/migrations.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace tallyman::test {

namespace {

std::string mysql_admin_url() {
  const char* url = std::getenv("TALLYMAN_TEST_MYSQL");
  if (url == nullptr || *url == '\0')
    FAIL("TALLYMAN_TEST_MYSQL is not set: run the tests with scripts/test, which starts MariaDB");
  return url;
}

// The cluster's server URLs: node 1, 2, 3, then haproxy.
std::vector<std::string> galera_servers() {
  const char* text = std::getenv("TALLYMAN_TEST_GALERA");
  if (text == nullptr || *text == '\0')
    FAIL("TALLYMAN_TEST_GALERA is not set: run the tests with scripts/test, which starts the cluster");
  std::vector<std::string> servers;
  std::istringstream in(text);
  for (std::string url; in >> url;) servers.push_back(url);
  REQUIRE(servers.size() == 4);
  return servers;
}

std::unique_ptr<sql::Database> open(const std::string& url) {
  std::string why;
  auto parsed = sql::parse_db_url(url, why);
  REQUIRE(parsed.has_value());
  return std::make_unique<sql::Database>(*parsed);
}

}  // namespace

std::string unique_name(const char* prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

TestDb::TestDb(const std::string& backend, bool migrated) : backend_(backend) {
  if (backend == "sqlite") {
    name_ = (std::filesystem::temp_directory_path() / unique_name("tallyman_test_")).string();
    std::filesystem::create_directories(name_);
    url_ = "sqlite:" + name_ + "/test.db";
  } else if (backend == "galera") {
    servers_ = galera_servers();
    name_ = unique_name("g_");
    auto server = open(servers_[0] + "/mysql");
    sql::Params none;
    sql::execute(*server, "CREATE DATABASE " + name_, none);
    url_ = url_on(0);
  } else {
    const std::string admin = mysql_admin_url();
    name_ = unique_name("t_");
    auto server = open(admin);
    sql::Params none;
    sql::execute(*server, "CREATE DATABASE " + name_, none);
    url_ = admin.substr(0, admin.rfind('/') + 1) + name_;
  }
  db_ = open(url_);
  if (migrated) sql::migrate(*db_);
}

TestDb::~TestDb() {
  db_.reset();
  try {
    if (backend_ == "sqlite") {
      std::filesystem::remove_all(name_);
    } else {
      auto server = open(backend_ == "galera" ? servers_[0] + "/mysql" : mysql_admin_url());
      sql::Params none;
      sql::execute(*server, "DROP DATABASE IF EXISTS " + name_, none);
    }
  } catch (...) {
    // Leftovers live in a temporary directory or on a throwaway server.
  }
}

std::unique_ptr<sql::Database> TestDb::connect() const { return open(url_); }

std::string TestDb::url_on(int node) const { return servers_.at(static_cast<std::size_t>(node)) + "/" + name_; }

}  // namespace tallyman::test
