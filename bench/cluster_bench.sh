#!/usr/bin/env bash
# Reserving credit checks per second: one `tallyman serve` on one plain MariaDB against three,
# one per node of a three-node Galera cluster on loopback, in the same run, on the same two
# cores (scripts/lib/mariadb.sh, scripts/lib/galera.sh). Each check holds a new order of one
# customer with a limit that never runs out; wrk (bench/credit_check.lua) drives each
# instance with 16 connections for SECONDS, ROUNDS times.
#   bench/cluster_bench.sh [SECONDS] [ROUNDS]       # as root; needs scripts/bootstrap --test
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-2}
scripts/build >/dev/null
source scripts/lib/mariadb.sh
source scripts/lib/galera.sh
pids=()
finish() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mariadb_stop
  galera_stop
}
trap finish EXIT
mariadb_start
galera_start
source "$GALERA_DIR/env"
read -r -a galera <<<"$TALLYMAN_TEST_GALERA"

# serve URL PORT: an instance without the schedule; waits until it answers.
serve() {
  TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off build/app/tallyman serve --db "$1" --listen "127.0.0.1:$2" \
    >/dev/null 2>>/tmp/tallyman-cluster-bench.log &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return 0; sleep 0.1; done
  return 1
}
# setup URL: a migrated database with a customer C-1 whose limit never runs out; prints a key.
setup() {
  build/app/tallyman migrate --db "$1" >/dev/null
  build/app/tallyman keys create --role admin --name "bench-$RANDOM" --db "$1" 2>/dev/null
}
customer_at() {  # PORT KEY
  curl -sf -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d '{"id":"C-1","name":"Bench","currency":"EUR","credit_limit":9000000000000}' "http://127.0.0.1:$1/v1/customers" >/dev/null
}
checks() {  # PORT KEY RUN: prints requests per second
  CUSTOMER=C-1 RESERVE=true RUN=$3 wrk -t1 -c16 -d"${seconds}s" -s bench/credit_check.lua \
    -H "Authorization: Bearer $2" "http://127.0.0.1:$1/v1/credit-checks" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx " $0 > "/dev/stderr"}'
}

plain="${TALLYMAN_TEST_MYSQL%/*}/bench_plain"
mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot -e "CREATE DATABASE bench_plain"
plain_key=$(setup "$plain")
serve "$plain" 24200
customer_at 24200 "$plain_key"

galera_sql 1 "CREATE DATABASE bench_cluster"
cluster_key=$(setup "${galera[0]}/bench_cluster")
for n in 0 1 2; do serve "${galera[n]}/bench_cluster" "2421$n"; done
customer_at 24210 "$cluster_key"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for round in $(seq "$rounds"); do
  one=$(checks 24200 "$plain_key" "p$round")
  tmp=$(mktemp -d)
  drivers=()
  for n in 0 1 2; do
    checks "2421$n" "$cluster_key" "c$round-$n" >"$tmp/$n" &
    drivers+=($!)
  done
  wait "${drivers[@]}"
  three=$(cat "$tmp"/0 "$tmp"/1 "$tmp"/2 | awk '{s += $1} END {printf "%.0f", s}')
  rm -rf "$tmp"
  echo "round $round: one instance on plain MariaDB $one checks/s; three instances on the cluster $three checks/s"
done
for n in 0 1 2; do
  echo "node $((n + 1)) holds: $(mariadb --no-defaults -h127.0.0.1 -P"$((24001 + n))" -utallyman -ptallyman -N \
    -e "SET SESSION wsrep_sync_wait = 1; SELECT reserved_amount FROM bench_cluster.customers WHERE id = 'C-1'"),\
 in $(mariadb --no-defaults -h127.0.0.1 -P"$((24001 + n))" -utallyman -ptallyman -N \
    -e "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM bench_cluster.reservations WHERE customer = 'C-1' AND status = 'active'") holds"
done
for p in 24200 24210 24211 24212; do
  echo "instance on :$p:"
  curl -sf "http://127.0.0.1:$p/metrics" |
    grep -E '^tallyman_(credit_batch_reruns|transaction_reruns|request_reruns)_total|^tallyman_requests_total.*credit-checks'
done
