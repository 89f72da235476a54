// libFuzzer over what the service makes of a request: the router's decoding of the target
// and query, the JSON body, every field's validation, and the books behind them (a real SQLite
// file, as in production). Built with clang by scripts/fuzz, which runs it for a bounded time.
//
// An input is "METHOD TARGET\nCONTENT-TYPE\nBODY". The key is always valid (an admin's), so
// that the fuzzer spends its time past authentication. What must hold for every input: no
// crash, no sanitizer report, a status the contract knows, and a problem document that says
// the same status as the response.
#include "http/metrics.hpp"
#include "http/keys.hpp"
#include "http/router.hpp"
#include "sql/books.hpp"
#include "sql/migrations.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

using namespace tallyman;

namespace {

struct Fixture {
  Fixture() {
    char dir[] = "/tmp/tallyman_fuzz_XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    std::string why;
    const auto url = sql::parse_db_url(std::string("sqlite:") + dir + "/fuzz.db", why);
    auto db = std::make_unique<sql::Database>(*url);
    sql::migrate(*db);
    books = std::make_unique<sql::SqlBooks>(std::move(db));
    key = http::new_api_key();
    books->add_key("fuzzer", Role::admin, http::key_hash(key));
    router = std::make_unique<http::Router>(
        http::RouterOptions{[] { return Date(date::year(2026) / 3 / 31); }, *parse_currency("EUR")}, metrics);
  }
  http::Metrics metrics;
  std::unique_ptr<sql::SqlBooks> books;
  std::unique_ptr<http::Router> router;
  std::string key;
};

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

  const http::Response response = f.router->handle(r, f.books.get());
  static const std::set<int> known{200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422, 503};
  if (!known.contains(response.status)) {
    std::fprintf(stderr, "unexpected status %d\n", response.status);
    std::abort();
  }
  if (response.status >= 400) {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_discarded() || doc.value("status", 0) != response.status) {
      std::fprintf(stderr, "a %d whose problem document disagrees: %s\n", response.status, response.body.c_str());
      std::abort();
    }
  }
  return 0;
}
