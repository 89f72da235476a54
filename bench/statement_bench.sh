#!/usr/bin/env bash
# Cash application on the 1,000,000-invoice book of bench/import_aging.sh (SQLite): a camt.053
# statement of LINES credit lines (100,000 unless given), each paying one open invoice in full
# and naming it in its text (the ladder's invoice_numbers rung), imported by
# `tallyman import statement` on a copy of the book: read, match and post, timed.
#   bench/statement_bench.sh [LINES] [URL]
# With URL (mysql://...), into that database instead, which must hold the same book (its
# customers, invoices and payments imported from bench/out/*.csv); it is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
url=${2:-}
scripts/build >/dev/null
[ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
build/app/tallyman migrate --db sqlite:bench/out/bench.db >/dev/null
out=bench/out
if [ -z "$url" ]; then
  cp "$out/bench.db" "$out/statement.db"
  trap 'rm -f "$out/statement.db" "$out/statement.db-wal" "$out/statement.db-shm"' EXIT
  url="sqlite:$out/statement.db"
fi
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>BENCH-1</Id>'
  echo '<Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>EUR</Ccy></Acct>'
  sqlite3 -readonly -separator ' ' "$out/bench.db" \
    "SELECT number, open_amount FROM invoices WHERE open_amount > 0 AND currency = 'EUR' ORDER BY number LIMIT $lines" |
    awk '{ printf "<Ntry><Amt Ccy=\"EUR\">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>", int($2 / 100), $2 % 100
           printf "<BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>BENCH-%d</AcctSvcrRef><NtryDtls><TxDtls>", NR
           printf "<RltdPties><Dbtr><Nm>Payer %d</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Invoice %s</Ustrd></RmtInf>", NR, $1
           print "</TxDtls></NtryDtls></Ntry>" }'
  echo '</Stmt></BkToCstmrStmt></Document>'
} >"$out/statement.xml"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); statement of $lines lines, $(du -m "$out/statement.xml" | cut -f1) MB"
start=$(date +%s.%N)
build/app/tallyman import statement "$out/statement.xml" --db "$url"
end=$(date +%s.%N)
awk -v n="$lines" -v s="$start" -v e="$end" 'BEGIN { printf "import statement: %d lines in %.2f s, %.0f lines/s\n", n, e - s, n / (e - s) }'
