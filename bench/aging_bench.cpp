// Times the aging report against a database: aging_bench URL AS_OF [AS_OF ...]
// For each date, in one part and in two (two connections, two cores), runs the report three
// times and prints the fastest, with the row count.
#include "core/aging.hpp"
#include "sql/ledger_store.hpp"

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  using namespace tallyman;
  if (argc < 3) {
    std::fputs("usage: aging_bench URL AS_OF [AS_OF ...]\n", stderr);
    return 2;
  }
  std::string why;
  auto url = sql::parse_db_url(argv[1], why);
  if (!url) {
    std::fprintf(stderr, "aging_bench: %s\n", why.c_str());
    return 2;
  }
  sql::Database db(*url);
  sql::LedgerStore store(db);
  for (int i = 2; i < argc; ++i) {
    auto as_of = parse_date(argv[i]);
    if (!as_of) return 2;
    const AgingSpec spec{*as_of, AgingBasis::due_date, {30, 60, 90}};
    for (std::size_t parts : {1, 2}) {
      double best = 1e9;
      std::size_t rows = 0;
      std::int64_t total = 0;
      for (int run = 0; run < 3; ++run) {
        const auto t0 = std::chrono::steady_clock::now();
        const AgingReport r = store.aging(spec, *parse_currency("EUR"), std::nullopt, parts);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        rows = r.customers.size();
        total = r.totals.total();
      }
      std::printf("aging as of %s in %zu part%s: %.3f s (%zu customers, total %lld)\n", argv[i], parts,
                  parts > 1 ? "s" : "", best, rows, static_cast<long long>(total));
    }
  }
  return 0;
}
