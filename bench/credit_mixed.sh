#!/usr/bin/env bash
# Credit checks under a mixed load: reads and holds at once, on the SQLite book of
# bench/credit_bench.sh (bench/out/bench.db). For each binary in turn, ROUNDS times, one
# `tallyman serve`, then for 5 s two wrk at once: checks without reservation of one customer
# (-c16) and reserving checks of another (-c16).
#   bench/credit_mixed.sh ROUNDS BINARY...
# Environment: AB_DB=URL for another database loaded with the same book, and AB_ENV, as in
# credit_ab.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1
shift
source bench/credit_lib.sh
bench_book mixed
port=18492
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
figures() { awk '/Requests\/sec/ {r = $2} / 99%/ {p = $2} END {printf "%6d/s p99 %-8s", r, p}' "$1"; }
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    bench_serve "$bin" $port /tmp/tallyman-credit-mixed.log
    reader=C-MIXED-R-$$-$round-$RANDOM holder=C-MIXED-H-$$-$round-$RANDOM
    bench_customer $port "$reader"
    bench_customer $port "$holder"
    checks=(-s bench/credit_check.lua -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/credit-checks")
    CUSTOMER=$reader RESERVE=false wrk -t1 -c16 -d2s "${checks[@]}" >/dev/null  # warm-up
    CUSTOMER=$reader RESERVE=false wrk -t1 -c16 -d5s --latency "${checks[@]}" >"$out/reads" &
    reads=$!
    CUSTOMER=$holder RUN=$$-$round-$RANDOM RESERVE=true wrk -t1 -c16 -d5s --latency "${checks[@]}" >"$out/holds"
    wait $reads
    echo "  reads $(figures "$out/reads")  holds $(figures "$out/holds")  [$bin]"
    bench_stop
  done
done
