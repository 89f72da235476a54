// What an operator does to a running service: a backup of its SQLite book while it writes.
#include "http/support.hpp"
#include "sql/database.hpp"
#include "sql/statement.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

using namespace tallyman;
using test::json;
using test::Service;

namespace {

std::string aging_json(const std::string& url) {
  int status = -1;
  const std::string out = test::run_tallyman(
      {"report", "aging", "--as-of", "2026-06-30", "--format", "json", "--db", url}, &status);
  REQUIRE(status == 0);
  return out;
}

}  // namespace

TEST_CASE("operations: a backup of a SQLite book taken while the service writes is whole, and restores the same book",
          "[http]") {
  Service s("sqlite");
  REQUIRE(s.call("POST", "/v1/customers", "finance",
                 json{{"id", "C-1"}, {"name", "Backed Up Ltd"}, {"currency", "EUR"}, {"credit_limit", 1000000000}})
              .status == 201);
  std::atomic<bool> stop{false};
  std::atomic<int> posted{0};
  std::mutex mutex;
  std::vector<std::string> acknowledged;  // invoices answered 201
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      for (int k = 0; !stop; ++k) {
        const std::string id = std::to_string(w) + "-" + std::to_string(k);
        auto r = s.call("POST", "/v1/invoices", "finance",
                        json{{"number", "INV-" + id}, {"customer", "C-1"}, {"issue_date", "2026-01-01"},
                             {"due_date", "2026-02-01"}, {"amount", 1000 + k}, {"currency", "EUR"}});
        if (r.status == 201) {
          ++posted;
          std::lock_guard lock(mutex);
          acknowledged.push_back("INV-" + id);
        }
        if (k % 3 == 0)
          s.call("POST", "/v1/payments", "finance",
                 json{{"reference", "PAY-" + id}, {"customer", "C-1"}, {"received_date", "2026-03-01"},
                      {"amount", 700}, {"currency", "EUR"}});
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const std::string dir = std::filesystem::path(s.url().substr(7)).parent_path();
  const std::string during = dir + "/during.db";
  const int before = posted;
  std::vector<std::string> before_backup;
  {
    std::lock_guard lock(mutex);
    before_backup = acknowledged;
  }
  int status = -1;
  test::run_tallyman({"backup", during, "--db", s.url()}, &status);
  REQUIRE(status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : writers) t.join();
  CHECK(posted > before);  // the service went on writing during and after the backup
  // The copy taken mid-stream is whole: what was acknowledged before it began is in it, and its
  // projections agree with its journal (each invoice's open amount with its postings, the
  // unapplied credit of the payments with theirs).
  std::string why;
  sql::Database copy(*sql::parse_db_url("sqlite:" + during, why));
  for (const std::string& number : before_backup) {
    sql::Params p;
    long long found = 0;
    sql::Query(copy.session(), "SELECT COUNT(*) FROM invoices WHERE number = " + p.add(number), p).into(found).run();
    if (found != 1) FAIL_CHECK(number << " was acknowledged before the backup and is not in it");
  }
  auto sum = [&](const char* sql_text) {
    sql::Params p;
    long long total = 0;
    sql::Query(copy.session(), sql_text, p).into(total).run();
    return total;
  };
  CHECK(sum("SELECT COALESCE(SUM(open_amount), 0) FROM invoices") ==
        sum("SELECT COALESCE(SUM(open_delta), 0) FROM postings WHERE invoice IS NOT NULL"));
  CHECK(sum("SELECT COALESCE(SUM(unapplied_amount), 0) FROM payments") ==
        sum("SELECT COALESCE(SUM(unapplied_delta), 0) FROM postings"));
  CHECK(sum("SELECT COUNT(*) FROM invoices") >= static_cast<long long>(before_backup.size()));
  CHECK(json::parse(aging_json("sqlite:" + during))["totals"]["total"].get<std::int64_t>() > 0);
  // Taken at rest, a backup restores (a copy of the file opened as the book) the same aging.
  const std::string rest = dir + "/rest.db";
  test::run_tallyman({"backup", rest, "--db", s.url()}, &status);
  REQUIRE(status == 0);
  const std::string restored = dir + "/restored.db";
  std::filesystem::copy_file(rest, restored);
  CHECK(aging_json("sqlite:" + restored) == aging_json(s.url()));
  // A backup never overwrites a file, and MariaDB's are mariadb-backup's.
  test::run_tallyman({"backup", rest, "--db", s.url()}, &status);
  CHECK(status == 2);
}
