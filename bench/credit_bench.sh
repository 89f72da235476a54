#!/usr/bin/env bash
# Credit-check benchmark with wrk: POST /v1/credit-checks without and with
# reservation, on one customer among the 100,000 of the 1,000,000-invoice book of
# bench/import_aging.sh (SQLite; made first if bench/out/bench.db is missing), against
# /healthz for the ratio.   bench/credit_bench.sh [SECONDS] [sqlite|mysql]
# With mysql: a throwaway MariaDB (scripts/lib/mariadb.sh) loaded with the book's customers
# and invoices first (the checks read no payments' rows but their unapplied sums).
# TALLYMAN_BENCH_MYSQL=URL uses a server already loaded so (for A/B runs), as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
backend=${2:-sqlite}
scripts/build >/dev/null
source bench/credit_lib.sh
db=bench/out/bench.db
if [ "$backend" = mysql ] && [ -n "${TALLYMAN_BENCH_MYSQL:-}" ]; then
  url=$TALLYMAN_BENCH_MYSQL
  backend=mysql-given
elif [ "$backend" = mysql ]; then
  [ -f bench/out/invoices.csv ] || build/bench/gen_book bench/out --invoices 1000000 --customers 100000
  source scripts/lib/mariadb.sh
  trap mariadb_stop EXIT
  mariadb_start
  url=$TALLYMAN_TEST_MYSQL
  build/app/tallyman migrate --db "$url" >/dev/null
  for kind in customers invoices; do build/app/tallyman import "$kind" "bench/out/$kind.csv" --db "$url"; done
  # Let InnoDB write out the pages the import left dirty, and purge its undo log, first:
  # checks measured while it still did ran at about half speed. A server in service is past
  # that.
  root=(mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot)
  status() { "${root[@]}" -N -e "SHOW GLOBAL STATUS LIKE '$1'" | cut -f2; }
  "${root[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for _ in $(seq 300); do
    dirty=$(status Innodb_buffer_pool_pages_dirty)
    history=$(status Innodb_history_list_length)
    [ "$dirty" -lt 100 ] && [ "$history" -lt 1000 ] && break
    sleep 1
  done
  "${root[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT"
  echo "innodb: $dirty dirty pages, $history undo logs left to purge after the import"
else
  [ -f "$db" ] || bench/import_aging.sh sqlite
  url="sqlite:$db"
fi
key=$(build/app/tallyman keys create --role admin --name "bench-$$" --db "$url" 2>/dev/null)
port=18481
# No scheduled runs: the book stays as it was made for every benchmark that shares it.
TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off \
  build/app/tallyman serve --db "$url" --listen "127.0.0.1:$port" >/dev/null 2>/tmp/tallyman-credit-bench.log &
server=$!
if [ "$backend" = mysql ]; then trap 'kill -TERM $server; wait $server; mariadb_stop' EXIT
else trap 'kill -TERM $server; wait $server' EXIT; fi
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# A customer in good standing, with the book's typical history (bench_customer).
export RUN=$$-$(date +%s)
export CUSTOMER=C-BENCH-$RUN
bench_customer $port "$CUSTOMER"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers/$CUSTOMER/credit"; echo
run() {
  local name=$1 reserve=$2 target=$3
  echo "== $name (wrk -t1 -c32 -d${seconds}s)"
  RESERVE=$reserve wrk -t1 -c32 -d"${seconds}s" --latency -s bench/credit_check.lua \
    -H "Authorization: Bearer $key" "http://127.0.0.1:$port$target" | grep -E 'Requests/sec|50%|99%|percentiles|Non-2xx'
}
RESERVE=false wrk -t1 -c32 -d3s -s bench/credit_check.lua -H "Authorization: Bearer $key" \
  "http://127.0.0.1:$port/v1/credit-checks" >/dev/null  # warm-up, not reported
for round in 1 2 3; do
  echo "== GET /healthz (wrk -t1 -c32 -d${seconds}s)"
  wrk -t1 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz" | grep -E 'Requests/sec|50%|99%'
  run "POST /v1/credit-checks without reservation" false /v1/credit-checks
  run "POST /v1/credit-checks with reservation" true /v1/credit-checks
done
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers/$CUSTOMER/credit"; echo
