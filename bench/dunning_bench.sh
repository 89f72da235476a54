#!/usr/bin/env bash
# Dunning-run benchmark (issue 5): `tallyman dunning run` on a copy of the 1,000,000-invoice
# SQLite book of bench/import_aging.sh (made first if missing), as of 2026-11-30 (about
# 430,000 invoices overdue), then the same date again, then a later date. Wall time and peak
# memory from /usr/bin/time.   bench/dunning_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build >/dev/null
[ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
copy=$(mktemp -d)/dunning.db
trap 'rm -rf "$(dirname "$copy")"' EXIT
cp bench/out/bench.db "$copy"
url="sqlite:$copy"
build/app/tallyman migrate --db "$url" >/dev/null
sqlite3 "$copy" "SELECT COUNT(*) || ' overdue invoices of ' || COUNT(DISTINCT customer) || ' customers'
                 FROM invoices WHERE open_amount > 0 AND due_date < '2026-11-30'" 2>/dev/null || true
for as_of in 2026-11-30 2026-11-30 2026-12-31; do
  /usr/bin/time -f "  %e s wall, %M KiB peak" build/app/tallyman dunning run --as-of "$as_of" --db "$url"
done
