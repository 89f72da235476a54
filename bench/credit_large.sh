#!/usr/bin/env bash
# Credit checks of one customer with very many open invoices, among those of a typical one:
# their desks differ (the queues are sharded by customer), so the large customer's slow reads
# should hold up the typical one's checks little. For each binary in turn, ROUNDS times, one `tallyman serve` on the SQLite book of bench/credit_bench.sh, then
# 5 s of a typical customer's checks alone (wrk -t1 -c32), then 5 s of the same while
# another wrk checks the large customer, one connection, DELAY_MS (50) between checks.
#   bench/credit_large.sh ROUNDS BINARY...
# The large customer, C-LARGE (50,000 open invoices, due in 2036, so that its checks are
# approved and only read), is imported into the book the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1
shift
source bench/credit_lib.sh
bench_book large
port=18493
large_invoices=${LARGE_INVOICES:-50000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf 'id,name,currency,credit_limit,terms,collector\nC-LARGE,Large,EUR,9000000000000000,NET30,\n' >"$out/c.csv"
{
  echo "number,customer,issue_date,due_date,amount,currency,order_ref"
  seq "$large_invoices" | awk '{printf "L-%d,C-LARGE,2026-12-01,2036-12-31,%d,EUR,\n", $1, 100 + $1 % 900}'
} >"$out/i.csv"
build/app/tallyman import customers "$out/c.csv" --db "$url" >/dev/null
build/app/tallyman import invoices "$out/i.csv" --db "$url" >/dev/null
figures() { awk '/Requests\/sec/ {r = $2} / 99%/ {p = $2} END {printf "%6d/s p99 %-8s", r, p}' "$1"; }
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    bench_start "$bin" $port /tmp/tallyman-credit-large.log
    RESERVE=false wrk -t1 -c32 -d5s --latency "${checks[@]}" >"$out/alone"
    CUSTOMER=C-LARGE RESERVE=false DELAY_MS=${DELAY_MS:-50} wrk -t1 -c1 -d5s --latency "${checks[@]}" >"$out/large" &
    large=$!
    RESERVE=false wrk -t1 -c32 -d5s --latency "${checks[@]}" >"$out/mixed"
    wait $large
    echo "  alone $(figures "$out/alone")  with large $(figures "$out/mixed")  large $(figures "$out/large")  [$bin]"
    bench_stop
  done
done
