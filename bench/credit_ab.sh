#!/usr/bin/env bash
# A/B of tallyman binaries on credit checks: for each binary in turn, ROUNDS times, one
# `tallyman serve` on the SQLite book of bench/credit_bench.sh (bench/out/bench.db), then
# 5 s each of /healthz and checks without and with reservation (wrk -t1 -c32), each with
# the service's CPU time per request (from /proc). On this VM the rate of one run swings by
# 20-30%; interleaving the binaries, and the CPU per request, tell a change from the noise.
#   bench/credit_ab.sh ROUNDS BINARY...
# Environment: AB_ENV="A=1 B=2" for the services; AB_DB=URL for another database loaded
# with the same book (such as the MariaDB of `TALLYMAN_BENCH_MYSQL=... bench/credit_bench.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1
shift
source bench/credit_lib.sh
bench_book ab
port=18491
measure() {  # name, wrk arguments...
  local name=$1
  shift
  local c0 c1 out
  c0=$(awk '{print $14 + $15}' "/proc/$server/stat")
  out=$(wrk -t1 -c32 -d5s --latency "$@")
  c1=$(awk '{print $14 + $15}' "/proc/$server/stat")
  echo "$out" | awk -v n="$name" -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
    '/Requests\/sec/ {r = $2} / 99%/ {p = $2} /requests in/ {t = $1}
     END {printf "  %s %6d/s p99 %-8s %5.1f us/req", n, r, p, c * 1e6 / hz / t}'
}
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    bench_start "$bin" $port /tmp/tallyman-credit-ab.log
    measure healthz "http://127.0.0.1:$port/healthz"
    RESERVE=false measure check "${checks[@]}"
    RESERVE=true measure reserve "${checks[@]}"
    echo "  [$bin]"
    bench_stop
  done
done
