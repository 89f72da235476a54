#!/usr/bin/env bash
# The finance reports over the 1,000,000-invoice book of bench/import_aging.sh: the balance
# table and the KPIs for a month and for a year, the provision at a month-end (alone and with
# the movement from the month-end before), the proposed matrix, the watch-list; three requests
# each, timed by curl.
#   bench/reports_bench.sh            # SQLite (the book is made first if missing)
#   bench/reports_bench.sh mysql      # the book imported into a throwaway MariaDB first
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
scripts/build >/dev/null
[ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
if [ "$backend" = mysql ]; then
  source scripts/lib/mariadb.sh
  mariadb_start
  url=$TALLYMAN_TEST_MYSQL
  build/app/tallyman migrate --db "$url" >/dev/null
  for kind in customers invoices payments; do build/app/tallyman import "$kind" "bench/out/$kind.csv" --db "$url" >/dev/null; done
else
  url=sqlite:bench/out/bench.db
  build/app/tallyman migrate --db "$url" >/dev/null
fi
key=$(build/app/tallyman keys create --role admin --name "bench-$$" --db "$url" 2>/dev/null)
TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off build/app/tallyman serve --db "$url" --listen 127.0.0.1:18491 \
  >/dev/null 2>/tmp/tallyman-reports-bench.log &
server=$!
if [ "$backend" = mysql ]; then trap 'kill -TERM $server; wait $server; mariadb_stop' EXIT
else trap 'kill -TERM $server; wait $server' EXIT; fi
for _ in $(seq 100); do curl -sf http://127.0.0.1:18491/healthz >/dev/null && break; sleep 0.1; done
# One invoice in a thousand in dispute (the provision reads them apart).
for number in $(awk -F, 'NR > 1 && NR % 1000 == 0 {print $1}' bench/out/invoices.csv); do
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"reason": "bench"}' "http://127.0.0.1:18491/v1/invoices/$number/dispute"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $backend"
for query in "balances?from=2026-11-01&to=2026-11-30" "balances?from=2025-12-01&to=2026-11-30" \
             "kpis?from=2026-11-01&to=2026-11-30" "kpis?from=2025-12-01&to=2026-11-30" \
             "kpis?from=2026-11-01&to=2026-11-30&group_by=grade" \
             "provision?as_of=2026-11-30" "provision?as_of=2025-12-31" \
             "provision?as_of=2026-11-30&compare_to=2026-10-31" "provision?as_of=2026-11-30&compare_to=2025-11-30" \
             "provision/matrix?as_of=2026-12-01" "watchlist?as_of=2026-11-30"; do
  times=()
  for _ in 1 2 3; do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $key" "http://127.0.0.1:18491/v1/reports/$query")")
  done
  echo "GET /v1/reports/$query: ${times[*]} s"
done
