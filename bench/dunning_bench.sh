#!/usr/bin/env bash
# Dunning-run benchmark: `tallyman dunning run` on the 1,000,000-invoice book of
# bench/import_aging.sh (made first if missing), as of 2026-11-30 (about 430,000 invoices
# overdue), then the same date again (answered with that run), then a later date. Wall time and peak memory from
# /usr/bin/time.
#   bench/dunning_bench.sh           # on a copy of the SQLite book
#   bench/dunning_bench.sh mysql     # the book imported into a throwaway MariaDB first
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
scripts/build >/dev/null
[ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
if [ "$backend" = mysql ]; then
  source scripts/lib/mariadb.sh
  trap mariadb_stop EXIT
  mariadb_start
  url=$TALLYMAN_TEST_MYSQL
  build/app/tallyman migrate --db "$url" >/dev/null
  for kind in customers invoices payments; do
    build/app/tallyman import "$kind" "bench/out/$kind.csv" --db "$url" >/dev/null
  done
else
  copy=$(mktemp -d)/dunning.db
  trap 'rm -rf "$(dirname "$copy")"' EXIT
  cp bench/out/bench.db "$copy"
  url="sqlite:$copy"
  build/app/tallyman migrate --db "$url" >/dev/null
  sqlite3 "$copy" "SELECT COUNT(*) || ' overdue invoices of ' || COUNT(DISTINCT customer) || ' customers'
                   FROM invoices WHERE open_amount > 0 AND due_date < '2026-11-30'" 2>/dev/null || true
fi
for as_of in 2026-11-30 2026-11-30 2026-12-05; do
  /usr/bin/time -f "  %e s wall, %M KiB peak" build/app/tallyman dunning run --as-of "$as_of" --db "$url"
done
