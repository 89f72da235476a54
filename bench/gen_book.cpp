// Writes a synthetic book as the CSV files `tallyman import` reads:
//   gen_book DIR [--customers N] [--invoices N] [--paid PERCENT] [--seed S]
// Invoices are issued over 2025-01-01 .. 2026-11-30 to random customers (a third of them
// with an explicit due date, the rest due by the customer's terms); PERCENT of them get a
// payment of their amount received 0..90 days after issue, allocated automatically on import.
#include "core/calendar.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

long arg(int argc, char** argv, const std::string& name, long fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::atol(argv[i + 1]);
  return fallback;
}

FILE* open_csv(const std::string& dir, const char* name, const char* header) {
  FILE* f = std::fopen((dir + "/" + name).c_str(), "w");
  if (f == nullptr) {
    std::perror(name);
    std::exit(1);
  }
  std::fputs(header, f);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tallyman;
  if (argc < 2) {
    std::fputs("usage: gen_book DIR [--customers N] [--invoices N] [--paid PERCENT] [--seed S]\n", stderr);
    return 2;
  }
  const std::string dir = argv[1];
  const long customers = arg(argc, argv, "customers", 100000);
  const long invoices = arg(argc, argv, "invoices", 1000000);
  const long paid = arg(argc, argv, "paid", 70);
  std::mt19937_64 rng(static_cast<unsigned long>(arg(argc, argv, "seed", 42)));
  auto pick = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };
  const char* terms[] = {"NET30", "NET60", "EOM30"};
  const Date start = *parse_date("2025-01-01");
  const long span = (*parse_date("2026-11-30") - start).count();

  FILE* c = open_csv(dir, "customers.csv", "id,name,currency,credit_limit,terms,collector\n");
  for (long k = 1; k <= customers; ++k)
    std::fprintf(c, "C-%07ld,Customer %ld Ltd,EUR,%ld,%s,collector%ld\n", k, k, pick(0, 500) * 100000,
                 terms[k % 3], k % 20);
  std::fclose(c);

  FILE* inv = open_csv(dir, "invoices.csv", "number,customer,issue_date,due_date,amount,currency,order_ref\n");
  FILE* pay = open_csv(dir, "payments.csv", "reference,customer,received_date,amount,currency\n");
  for (long k = 1; k <= invoices; ++k) {
    const long customer = pick(1, customers);
    const long issue_day = pick(0, span);
    const Date issue = start + date::days{issue_day};
    const long amount = pick(1000, 1000000);
    const std::string due = pick(0, 2) == 0 ? format_date(issue + date::days{pick(0, 60)}) : "";
    std::fprintf(inv, "INV-%08ld,C-%07ld,%s,%s,%ld,EUR,SO-%ld\n", k, customer, format_date(issue).c_str(), due.c_str(),
                 amount, k);
    if (pick(1, 100) <= paid) {
      const Date received = start + date::days{std::min(span, issue_day + pick(0, 90))};
      std::fprintf(pay, "PAY-%08ld,C-%07ld,%s,%ld,EUR\n", k, customer, format_date(received).c_str(), amount);
    }
  }
  std::fclose(inv);
  std::fclose(pay);
  return 0;
}
