#!/usr/bin/env bash
# Import and aging benchmark on a synthetic book.
#   bench/import_aging.sh sqlite|mysql [INVOICES] [CUSTOMERS]
# Builds (Release), generates the book into bench/out/, imports customers, invoices and
# payments into a fresh database (SQLite file in bench/out/, or a throwaway MariaDB started
# like scripts/test's), times each import, then times aging as of three dates.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
invoices=${2:-1000000}
customers=${3:-100000}
scripts/build >/dev/null
out=bench/out
mkdir -p "$out"
build/bench/gen_book "$out" --invoices "$invoices" --customers "$customers"

if [ "$backend" = mysql ]; then
  source scripts/lib/mariadb.sh
  trap mariadb_stop EXIT
  mariadb_start
  url=$TALLYMAN_TEST_MYSQL
else
  rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
  url="sqlite:$out/bench.db"
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "book: $customers customers, $invoices invoices, $(($(wc -l <"$out/payments.csv") - 1)) payments; backend $backend"
build/app/tallyman migrate --db "$url" >/dev/null
# What the generator wrote and the old database's deletion go to disk first, not during the
# timed imports.
sync
for kind in customers invoices payments; do
  rows=$(($(wc -l <"$out/$kind.csv") - 1))
  start=$(date +%s.%N)
  build/app/tallyman import "$kind" "$out/$kind.csv" --db "$url" >/dev/null
  end=$(date +%s.%N)
  awk -v k="$kind" -v r="$rows" -v s="$start" -v e="$end" \
    'BEGIN { printf "import %-9s %8d rows  %6.2f s  %8.0f rows/s\n", k, r, e - s, r / (e - s) }'
done
build/bench/aging_bench "$url" 2026-11-30 2026-03-31 2025-06-30
