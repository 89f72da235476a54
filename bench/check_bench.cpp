// The credit desk's part of a credit check, without HTTP: check_bench URL [N] [BATCH]
// Submits N checks without reservation (the request as wrk's script sends it) for one customer
// to a credit desk of one desk, BATCH at a time (each batch submitted at once, so that the
// desk takes it as one), and prints the time per check. Made for callgrind too:
// `valgrind --tool=callgrind build/bench/check_bench URL 20000 16`.
#include "http/credit_desk.hpp"
#include "http/keys.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "jobs/books.hpp"
#include "sql/books.hpp"
#include "sql/database.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using namespace tallyman;
  if (argc < 2) {
    std::fputs("usage: check_bench URL [N]\n", stderr);
    return 2;
  }
  std::string why;
  auto url = sql::parse_db_url(argv[1], why);
  if (!url) {
    std::fprintf(stderr, "check_bench: %s\n", why.c_str());
    return 2;
  }
  const long n = argc > 2 ? std::atol(argv[2]) : 100000;
  const long batch = argc > 3 ? std::atol(argv[3]) : 16;
  jobs::ServiceBooks books(std::make_unique<sql::Database>(*url));
  const Currency eur = *parse_currency("EUR");
  const std::string customer = "C-CHECKBENCH";
  const Actor admin{"check_bench", Role::admin, "", "{}"};
  books.ledger().post_customer(admin, Customer{customer, "Bench", eur, 9'000'000'000'000'000, "NET30", std::nullopt,
                                      std::nullopt, false, {}});  // already there after the first run
  const std::string key = http::new_api_key();
  books.access().add_key("check_bench-" + key.substr(0, 8), Role::sales, http::key_hash(key));
  http::Metrics metrics;
  const Date today = *parse_date("2026-11-23");
  http::Router router({[today] { return today; }, eur}, metrics);
  const http::Request request{
      "POST", "/v1/credit-checks", "Bearer " + key, "application/json", "", "check-bench",
      R"({"customer":")" + customer + R"(","order_ref":"B-CHECK","amount":1,"currency":"EUR","reserve":false})"};
  if (router.handle(request, &books).status != 200) {
    std::fputs("check_bench: the check did not answer 200\n", stderr);
    return 1;
  }
  http::CreditDesk desk(1, [&] { return std::make_unique<jobs::ServiceBooks>(std::make_unique<sql::Database>(*url)); },
                        router);
  std::mutex mutex;
  std::condition_variable done;
  long answered = 0, refused = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; i += batch) {
    const long size = std::min(batch, n - i);
    for (long k = 0; k < size; ++k)
      desk.submit(request, [&](http::Response r) {
        std::lock_guard lock(mutex);
        ++answered;
        refused += r.status != 200;
        done.notify_one();
      });
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return answered == i + size; });
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%ld checks in batches of %ld: %.2f us each (%ld not 200)\n", n, batch,
              seconds * 1e6 / static_cast<double>(n), refused);
  return 0;
}
