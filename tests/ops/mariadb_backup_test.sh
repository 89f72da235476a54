#!/usr/bin/env bash
# A MariaDB book backed up with mariadb-backup while tallyman serves it and writes, prepared,
# restored into a new server's datadir, gives the same aging and balances as the book had at
# the backup: the steps of docs/operations.md, run. Needs TALLYMAN_TEST_MYSQL (scripts/test's
# MariaDB), TALLYMAN_BIN, and root (mariadb-backup reads the server's files).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/mariadb.sh"
: "${TALLYMAN_TEST_MYSQL:?run through scripts/test}" "${TALLYMAN_BIN:?}"
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/tallyman-backup-test.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
hostport=${TALLYMAN_TEST_MYSQL#*@}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport#*:}
db=backup_$$
mariadb --no-defaults -h"$host" -P"$port" -utallyman -ptallyman -e "CREATE DATABASE $db"
url="mysql://tallyman:tallyman@$host:$port/$db"
"$TALLYMAN_BIN" migrate --db "$url" >/dev/null
for kind in customers invoices payments; do "$TALLYMAN_BIN" import "$kind" "$source_dir/docs/examples/$kind.csv" --db "$url" >/dev/null; done

# The service writes while the backup runs: invoices of a customer of their own.
key=$("$TALLYMAN_BIN" keys create --role finance --name backup --db "$url" 2>/dev/null)
TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off "$TALLYMAN_BIN" serve --db "$url" --listen 127.0.0.1:24300 >/dev/null 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:24300/healthz >/dev/null && break; sleep 0.1; done
api() { curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:24300$1"; }
api /v1/customers '{"id":"W-1","name":"Writer","currency":"EUR","credit_limit":100000000}'
( for k in $(seq 1 400); do
    api /v1/invoices "{\"number\":\"W-$k\",\"customer\":\"W-1\",\"issue_date\":\"2026-01-01\",\"due_date\":\"2026-02-01\",\"amount\":$((1000 + k)),\"currency\":\"EUR\"}" || true
  done ) &
writer=$!
sleep 0.5
mariadb-backup --backup --target-dir="$work/backup" --host="$host" --port="$port" --user=tallyman --password=tallyman \
  --databases="$db mysql" >"$work/backup.log" 2>&1 || { tail -20 "$work/backup.log"; exit 1; }
wait "$writer"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
mariadb-backup --prepare --target-dir="$work/backup" >"$work/prepare.log" 2>&1 || { tail -20 "$work/prepare.log"; exit 1; }

# What the backup holds, restored into a new server.
mariadb-backup --copy-back --target-dir="$work/backup" --datadir="$work/restored" >"$work/restore.log" 2>&1 ||
  { tail -20 "$work/restore.log"; exit 1; }
/usr/sbin/mariadbd --no-defaults --datadir="$work/restored" --socket="$work/sock" --port=24301 --bind-address=127.0.0.1 \
  --user=root --skip-grant-tables --pid-file="$work/pid" --log-error="$work/error.log" &
server_pid=$!
for _ in $(seq 150); do mariadb-admin --no-defaults --socket="$work/sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
restored="mysql://root:@127.0.0.1:24301/$db"
sql() { mariadb --no-defaults --socket="$work/sock" -N -e "$1" "$db"; }
in_backup=$(sql "SELECT COUNT(*) FROM invoices WHERE customer = 'W-1'")
echo "backup: $in_backup of the writer's 400 invoices were in by the time it copied them"
# Consistent: each projection agrees with the journal.
[ "$(sql "SELECT COALESCE(SUM(open_amount), 0) FROM invoices")" = "$(sql "SELECT COALESCE(SUM(open_delta), 0) FROM postings WHERE invoice IS NOT NULL")" ]
[ "$(sql "SELECT COALESCE(SUM(unapplied_amount), 0) FROM payments")" = "$(sql "SELECT COALESCE(SUM(unapplied_delta), 0) FROM postings")" ]
# The same aging as the live book gives for what the backup holds: the live book less the
# writer's invoices the backup did not take.
live_total=$("$TALLYMAN_BIN" report aging --as-of 2026-06-30 --format json --db "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["total"])')
missing=$(mariadb --no-defaults -h"$host" -P"$port" -utallyman -ptallyman -N -e \
  "SELECT COALESCE(SUM(amount), 0) FROM $db.invoices WHERE customer = 'W-1' AND number NOT IN ($(sql "SELECT GROUP_CONCAT(QUOTE(number)) FROM invoices WHERE customer = 'W-1'" | sed 's/^NULL$/'"''"'/'))")
restored_total=$("$TALLYMAN_BIN" report aging --as-of 2026-06-30 --format json --db "$restored" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["total"])')
echo "aging total: live $live_total, restored $restored_total, not yet in the backup $missing"
[ "$restored_total" -eq $((live_total - missing)) ]
# The demo book's customers, untouched by the writer, age the same in both.
diff <("$TALLYMAN_BIN" report aging --as-of 2026-06-30 --customer C-1002 --format json --db "$url") \
     <("$TALLYMAN_BIN" report aging --as-of 2026-06-30 --customer C-1002 --format json --db "$restored")
mariadb --no-defaults -h"$host" -P"$port" -utallyman -ptallyman -e "DROP DATABASE $db"
echo "mariadb-backup: backed up while serving, prepared, restored: the same book"
