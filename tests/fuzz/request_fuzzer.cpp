// libFuzzer over what the service makes of a request: the router's decoding of the target
// and query, the JSON body, every field's validation, and the books behind them, on a real
// database: a SQLite file, or with TALLYMAN_FUZZ_MYSQL (a server URL whose user may create
// databases, as scripts/test's MariaDB gives) a fresh MariaDB database, where every value a
// request carries travels to the server. Built with clang by scripts/fuzz, which runs it for a
// bounded time.
//
// An input is "METHOD TARGET\nCONTENT-TYPE\nBODY". The key is always valid (an admin's), so
// that the fuzzer spends its time past authentication. Every 64th input also runs a dunning
// run and reads the aging and overdue reports, so that what the inputs stored is read back.
// What must hold for every input: no crash, no sanitizer report, a status the contract knows
// for bad input (never a 503: the database is up, so a 503 is a statement it refused), and a
// problem document that says the same status as the response.
#include "http/metrics.hpp"
#include "http/keys.hpp"
#include "http/router.hpp"
#include "jobs/books.hpp"
#include "sql/migrations.hpp"
#include "sql/statement.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <unistd.h>

using namespace tallyman;

namespace {

std::unique_ptr<sql::Database> open(const std::string& url) {
  std::string why;
  const auto parsed = sql::parse_db_url(url, why);
  if (!parsed) {
    std::fprintf(stderr, "fuzz: %s\n", why.c_str());
    std::abort();
  }
  return std::make_unique<sql::Database>(*parsed);
}

// The database the inputs go to: a fresh one, on MariaDB when TALLYMAN_FUZZ_MYSQL names a server.
std::string fresh_database() {
  const char* server = std::getenv("TALLYMAN_FUZZ_MYSQL");
  if (server != nullptr && *server != '\0') {
    const std::string admin = server, name = "fuzz_" + std::to_string(::getpid());
    sql::Params none;
    sql::execute(*open(admin), "CREATE DATABASE " + name, none);
    return admin.substr(0, admin.rfind('/') + 1) + name;
  }
  char dir[] = "/tmp/tallyman_fuzz_XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::abort();
  return std::string("sqlite:") + dir + "/fuzz.db";
}

struct Fixture {
  Fixture() {
    auto db = open(fresh_database());
    sql::migrate(*db);
    books = std::make_unique<jobs::ServiceBooks>(std::move(db));
    key = http::new_api_key();
    books->access().add_key("fuzzer", Role::admin, http::key_hash(key));
    router = std::make_unique<http::Router>(http::RouterOptions{[this] { return today; }, *parse_currency("EUR")}, metrics);
  }
  // The service's today: a day later at each read-back, so that its run acts (a run may not be
  // as of a day after today).
  Date today = Date(date::year(2026) / 3 / 31);
  http::Metrics metrics;
  std::unique_ptr<jobs::ServiceBooks> books;
  std::unique_ptr<http::Router> router;
  std::string key;
  std::size_t inputs = 0;
};

void check(const http::Request& r, const http::Response& response) {
  static const std::set<int> known{200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422};
  if (!known.contains(response.status)) {
    std::fprintf(stderr, "unexpected status %d for %s %s: %s\n", response.status, r.method.c_str(), r.target.c_str(),
                 response.body.c_str());
    std::abort();
  }
  if (response.status >= 400) {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_discarded() || doc.value("status", 0) != response.status) {
      std::fprintf(stderr, "a %d whose problem document disagrees: %s\n", response.status, response.body.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t line1 = input.find('\n');
  const std::size_t line2 = line1 == std::string::npos ? std::string::npos : input.find('\n', line1 + 1);
  const std::string first = input.substr(0, line1);
  http::Request r;
  const std::size_t space = first.find(' ');
  r.method = first.substr(0, space);
  r.target = space == std::string::npos ? "/" : first.substr(space + 1);
  if (line1 != std::string::npos) r.content_type = input.substr(line1 + 1, line2 - line1 - 1);
  if (line2 != std::string::npos) r.body = input.substr(line2 + 1);
  r.authorization = "Bearer " + f.key;
  r.request_id = "fuzz";

  check(r, f.router->handle(r, f.books.get()));
  if (++f.inputs % 64 == 0) {
    // What the inputs stored, read back: a run as of today (a day later each time, so that it
    // acts) and the reports.
    f.today += date::days(1);
    const std::string as_of = format_date(f.today);
    struct Read {
      const char* method;
      std::string target, body;
    };
    for (const Read& read : {Read{"POST", "/v1/dunning-runs", "{\"as_of\":\"" + as_of + "\"}"},
                             Read{"GET", "/v1/reports/aging?as_of=" + as_of, ""},
                             Read{"GET", "/v1/reports/overdue?as_of=" + as_of, ""},
                             Read{"GET", "/v1/dunning-tasks?limit=1000", ""}}) {
      http::Request back = r;
      back.method = read.method;
      back.target = read.target;
      back.content_type = read.body.empty() ? "" : "application/json";
      back.body = read.body;
      const http::Response response = f.router->handle(back, f.books.get());
      if (response.status != 200 && response.status != 201) {
        std::fprintf(stderr, "reading back what the inputs stored: %d for %s %s: %s\n", response.status, read.method,
                     read.target.c_str(), response.body.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
