#!/usr/bin/env bash
# Credit checks under a mixed load: reads and holds at once, on the SQLite book of
# bench/credit_bench.sh (bench/out/bench.db). For each binary in turn, ROUNDS times, one
# `tallyman serve`, then for 5 s two wrk at once: checks without reservation of one customer
# (-c16) and reserving checks of another (-c16).
#   bench/credit_mixed.sh ROUNDS BINARY...
# Environment: AB_DB=URL for another database loaded with the same book, as in credit_ab.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1
shift
url=${AB_DB:-sqlite:bench/out/bench.db}
[ -n "${AB_DB:-}" ] || [ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
key=$(build/app/tallyman keys create --role admin --name "mixed-$$" --db "$url" 2>/dev/null)
port=18492
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
customer() {
  curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"id\":\"$1\",\"name\":\"Bench\",\"currency\":\"EUR\",\"credit_limit\":9000000000000000}" \
    "http://127.0.0.1:$port/v1/customers"
}
figures() { awk '/Requests\/sec/ {r = $2} / 99%/ {p = $2} END {printf "%6d/s p99 %-8s", r, p}' "$1"; }
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    "$bin" serve --db "$url" --listen "127.0.0.1:$port" >/dev/null 2>/tmp/tallyman-credit-mixed.log &
    server=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    reader=C-MIXED-R-$$-$round-$RANDOM holder=C-MIXED-H-$$-$round-$RANDOM
    customer "$reader"
    customer "$holder"
    checks=(-s bench/credit_check.lua -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/credit-checks")
    CUSTOMER=$reader RESERVE=false wrk -t1 -c16 -d2s "${checks[@]}" >/dev/null  # warm-up
    CUSTOMER=$reader RESERVE=false wrk -t1 -c16 -d5s --latency "${checks[@]}" >"$out/reads" &
    reads=$!
    CUSTOMER=$holder RUN=$$-$round-$RANDOM RESERVE=true wrk -t1 -c16 -d5s --latency "${checks[@]}" >"$out/holds"
    wait $reads
    echo "  reads $(figures "$out/reads")  holds $(figures "$out/holds")  [$bin]"
    kill -TERM $server
    wait $server || true
  done
done
