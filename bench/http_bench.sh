#!/usr/bin/env bash
# HTTP benchmark with wrk: /healthz, GET /v1/customers/{id} and the aging report,
# against `tallyman serve` on the 1,000,000-invoice book of bench/import_aging.sh (SQLite).
#   bench/http_bench.sh [SECONDS]
# Makes the book first if bench/out/bench.db is missing. wrk runs on the same machine with
# one thread and 32 connections, as the figures in docs/performance.md were taken.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
scripts/build >/dev/null
db=bench/out/bench.db
[ -f "$db" ] || bench/import_aging.sh sqlite
url="sqlite:$db"
key=$(build/app/tallyman keys create --role admin --name "bench-$$" --db "$url" 2>/dev/null)
port=18480
# No scheduled runs: the book stays as it was made for every benchmark that shares it.
TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off \
  build/app/tallyman serve --db "$url" --listen "127.0.0.1:$port" >/dev/null 2>/tmp/tallyman-bench.log &
server=$!
trap 'kill -TERM $server; wait $server' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

customer=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers?limit=1" |
  sed 's/.*"items":\[{"id":"\([^"]*\)".*/\1/')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "book: $(du -h "$db" | cut -f1) SQLite; customer $customer"
run() {
  local name=$1 connections=$2 target=$3
  echo "== $name (wrk -t1 -c$connections -d${seconds}s)"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $key" "http://127.0.0.1:$port$target" |
    grep -E 'Requests/sec|Latency  |50%|99%|Non-2xx'
}
# A warm-up (not reported): the first seconds after start read the customer's pages from disk.
wrk -t1 -c32 -d3s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers/$customer" >/dev/null
wrk -t1 -c32 -d3s "http://127.0.0.1:$port/healthz" >/dev/null
# Three rounds: this machine is a VM whose throughput varies from run to run.
for round in 1 2 3; do
  run "GET /healthz" 32 /healthz
  run "GET /v1/customers/$customer" 32 "/v1/customers/$customer"
done
# An aging report takes about a second: two connections keep both workers busy. The pause
# lets the requests wrk leaves behind finish, so that the next run does not queue behind them.
run "GET /v1/reports/aging totals" 2 "/v1/reports/aging?as_of=2026-03-31&customers=false"
sleep 3
run "GET /v1/reports/aging with rows" 2 "/v1/reports/aging?as_of=2026-03-31"
