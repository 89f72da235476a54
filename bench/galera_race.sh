#!/usr/bin/env bash
# Reserving checks of one customer from three instances on a three-node Galera cluster, at
# once: does the limit hold across nodes? Starts the cluster on loopback (ports 24001-24003,
# group 24567-24569; as root, the nodes run as the mysql user), then RUNS times: a fresh
# database, one `tallyman serve` per node, a customer with a limit of 1,000,000 and 300
# checks of 10,000 (60 at a time, spread over the three instances). Prints the answers'
# statuses, how many were approved, what each node holds, and each instance's reruns.
# Expect 100 approved and 1,000,000 held on every node.
#   bench/galera_race.sh [RUNS] [BINARY]
# Needs the packages galera-4, rsync and mariadb-server (apt-get install).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bin=${2:-build/app/tallyman}
base=$(mktemp -d /tmp/tallyman-galera.XXXXXX)
chmod 755 "$base"
stop() {
  for n in 1 2 3; do [ -f "$base/node$n/pid" ] && kill "$(cat "$base/node$n/pid")" 2>/dev/null; done
  sleep 3
  rm -rf "$base"
}
trap stop EXIT

node_sql() {  # NODE SQL...
  local n=$1
  shift
  mariadb --no-defaults --socket="$base/node$n/sock" -uroot -N -e "$*"
}
start_node() {  # NODE [EXTRA...]
  local n=$1 d=$base/node$1
  shift
  /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$d/data" --socket="$d/sock" --pid-file="$d/pid" \
    --log-error="$d/error.log" --bind-address=127.0.0.1 --port="2400$n" --binlog-format=ROW \
    --innodb-autoinc-lock-mode=2 --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-address=gcomm://127.0.0.1:24567,127.0.0.1:24568,127.0.0.1:24569 \
    --wsrep-node-address="127.0.0.1:2456$((6 + n))" --wsrep-sst-receive-address="127.0.0.1:2458$n" \
    --wsrep-sst-method=rsync --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 --innodb-flush-log-at-trx-commit=2 \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:2456$((6 + n));ist.recv_addr=127.0.0.1:2457$n;gcache.size=64M" \
    "$@" 2>>"$d/stderr.log" &
  for _ in $(seq 240); do  # synced: wsrep_local_state 4
    [ "$(node_sql "$n" "SHOW STATUS LIKE 'wsrep_local_state'" 2>/dev/null | cut -f2)" = 4 ] && return 0
    sleep 0.5
  done
  echo "galera: node $n did not sync, see $d/error.log" >&2
  exit 1
}

for n in 1 2 3; do
  mkdir -p "$base/node$n"
  mariadb-install-db --no-defaults --datadir="$base/node$n/data" --user=mysql \
    --auth-root-authentication-method=normal --skip-test-db >"$base/node$n/install.log" 2>&1
  chown -R mysql:mysql "$base/node$n"
done
start_node 1 --wsrep-new-cluster
node_sql 1 "CREATE USER 'tallyman'@'127.0.0.1' IDENTIFIED BY 'tallyman'; GRANT ALL ON *.* TO 'tallyman'@'127.0.0.1'"
start_node 2
start_node 3
echo "cluster of $(node_sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2) nodes"

for run in $(seq "$runs"); do
  db=race_$run
  node_sql 1 "CREATE DATABASE $db"
  urls=()
  for n in 1 2 3; do urls[n]="mysql://tallyman:tallyman@127.0.0.1:2400$n/$db"; done
  "$bin" migrate --db "${urls[1]}" >/dev/null
  key=$("$bin" keys create --role admin --name race --db "${urls[1]}" 2>/dev/null)
  pids=()
  for n in 1 2 3; do
    "$bin" serve --db "${urls[n]}" --listen "127.0.0.1:2410$n" >/dev/null 2>"$base/serve$n.log" &
    pids[n]=$!
  done
  for n in 1 2 3; do
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:2410$n/healthz" >/dev/null && break; sleep 0.2; done
  done
  curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"id":"C-1","name":"Race","currency":"EUR","credit_limit":1000000}' http://127.0.0.1:24101/v1/customers
  sleep 1  # the customer applied on every node
  seq 1 300 | xargs -P 60 -I{} sh -c '
    n=$(( {} % 3 + 1 ))
    curl -s -o '"$base"'/answer{}.json -w "%{http_code}\n" -H "Authorization: Bearer '"$key"'" \
      -H "Content-Type: application/json" \
      -d "{\"customer\":\"C-1\",\"order_ref\":\"SO-{}\",\"amount\":10000,\"currency\":\"EUR\",\"reserve\":true}" \
      http://127.0.0.1:2410$n/v1/credit-checks' >"$base/statuses"
  echo "run $run: statuses $(sort "$base/statuses" | uniq -c | awk '{printf "%s×%s ", $2, $1}')," \
    "approved $(grep -l '"decision":"approved"' "$base"/answer*.json | wc -l)"
  for n in 1 2 3; do
    echo "  node $n: reserved_amount $(node_sql "$n" "SET SESSION wsrep_sync_wait=1; SELECT reserved_amount FROM $db.customers WHERE id='C-1'")," \
      "active holds (count, sum) $(node_sql "$n" "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*), SUM(amount) FROM $db.reservations WHERE status='active'" | tr '\t' ' ')," \
      "reruns $(curl -s "http://127.0.0.1:2410$n/metrics" | awk '/^tallyman_credit_batch_reruns_total/ {print $2}')"
  done
  for n in 1 2 3; do kill -TERM "${pids[n]}"; done
  wait "${pids[@]}"
  rm -f "$base"/answer*.json
done
