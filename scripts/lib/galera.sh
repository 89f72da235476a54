# Sourced by scripts/cluster, scripts/test and bench/cluster_bench.sh: a three-node MariaDB Galera cluster and
# haproxy on loopback, without systemd (../shared/docs/stack-notes.md, "MariaDB Galera on
# loopback"). Ports below 32768, away from the ephemeral range rsync's SST daemons use:
#   SQL 24001-24003, haproxy 24000, group 24567-24569, IST 24571-24573, SST 24581-24583.
# The nodes run as the mysql user (rsync SST refuses root), from datadirs in GALERA_DIR.
#   galera_start              # three synced nodes, haproxy; writes $GALERA_DIR/env
#   galera_stop               # all of it, and the directory
#   galera_kill N             # kill -9 of node N
#   galera_restart N          # node N back: recovers its position, rejoins through IST
# The env file sets TALLYMAN_TEST_GALERA (the nodes' URLs, space-separated, then haproxy's).

GALERA_DIR=${GALERA_DIR:-/tmp/tallyman-galera}
GALERA_CHECK=${GALERA_CHECK:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/galera-check}

galera_sql() {  # NODE SQL...
  local n=$1
  shift
  mariadb --no-defaults --socket="$GALERA_DIR/node$n/sock" -uroot -N -e "$*"
}

galera_state() {  # NODE: its wsrep_local_state (4: synced), empty when it does not answer
  galera_sql "$1" "SHOW STATUS LIKE 'wsrep_local_state'" 2>/dev/null | cut -f2
}

galera_node_args() {  # NODE
  local n=$1 d=$GALERA_DIR/node$1
  echo --no-defaults --user=mysql --datadir="$d/data" --socket="$d/sock" --pid-file="$d/pid" \
    --log-error="$d/error.log" --bind-address=127.0.0.1 --port="2400$n" --binlog-format=ROW \
    --innodb-autoinc-lock-mode=2 --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-address=gcomm://127.0.0.1:24567,127.0.0.1:24568,127.0.0.1:24569 \
    --wsrep-node-address="127.0.0.1:2456$((6 + n))" --wsrep-sst-receive-address="127.0.0.1:2458$n" \
    --wsrep-sst-method=rsync --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:2456$((6 + n));ist.recv_addr=127.0.0.1:2457$n;gcache.size=64M;evs.suspect_timeout=PT2S;evs.keepalive_period=PT0.5S"
}

galera_wait_synced() {  # NODE
  for _ in $(seq 240); do
    [ "$(galera_state "$1")" = 4 ] && return 0
    sleep 0.5
  done
  echo "galera: node $1 did not sync, see $GALERA_DIR/node$1/error.log" >&2
  return 1
}

galera_start_node() {  # NODE [EXTRA...]
  local n=$1
  shift
  # shellcheck disable=SC2046
  /usr/sbin/mariadbd $(galera_node_args "$n") "$@" 2>>"$GALERA_DIR/node$n/stderr.log" &
  disown $! 2>/dev/null || true  # a node the tests kill is not this shell's job to report
  galera_wait_synced "$n"
}

galera_start() {
  id mysql >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mysql
  galera_stop 2>/dev/null || true
  mkdir -p "$GALERA_DIR"
  chmod 755 "$GALERA_DIR"
  for n in 1 2 3; do
    mkdir -p "$GALERA_DIR/node$n"
    mariadb-install-db --no-defaults --datadir="$GALERA_DIR/node$n/data" --user=mysql \
      --auth-root-authentication-method=normal --skip-test-db >"$GALERA_DIR/node$n/install.log" 2>&1 || return 1
    chown -R mysql:mysql "$GALERA_DIR/node$n"
  done
  galera_start_node 1 --wsrep-new-cluster || return 1
  galera_sql 1 "CREATE USER 'tallyman'@'127.0.0.1' IDENTIFIED BY 'tallyman';
                GRANT ALL ON *.* TO 'tallyman'@'127.0.0.1' WITH GRANT OPTION;
                CREATE USER 'haproxy_check'@'127.0.0.1'"
  galera_start_node 2 || return 1
  galera_start_node 3 || return 1
  sed -e 's|bind 127.0.0.1:3306|bind 127.0.0.1:24000|' -e "s|external-check command .*|external-check command $GALERA_CHECK|" \
    -e 's|server node\([123]\) 10.0.0.[123]:3306|server node\1 127.0.0.1:2400\1|' \
    "$(dirname "$GALERA_CHECK")/haproxy.cfg" >"$GALERA_DIR/haproxy.cfg"
  haproxy -D -p "$GALERA_DIR/haproxy.pid" -f "$GALERA_DIR/haproxy.cfg" || return 1
  local url=mysql://tallyman:tallyman@127.0.0.1
  echo "export TALLYMAN_TEST_GALERA='$url:24001 $url:24002 $url:24003 $url:24000'" >"$GALERA_DIR/env"
  echo "galera: $(galera_sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2) nodes synced, haproxy on 127.0.0.1:24000" >&2
}

galera_kill() {  # NODE
  if [ -f "$GALERA_DIR/node$1/pid" ]; then kill -9 "$(cat "$GALERA_DIR/node$1/pid")" 2>/dev/null || true; fi
  rm -f "$GALERA_DIR/node$1/pid"
}

galera_restart() {  # NODE
  local n=$1 position
  # After a crash the node must learn its last position first, to rejoin through IST.
  # shellcheck disable=SC2046
  /usr/sbin/mariadbd $(galera_node_args "$n") --wsrep-recover >>"$GALERA_DIR/node$n/stderr.log" 2>&1
  position=$(grep -o 'Recovered position: [^ ]*' "$GALERA_DIR/node$n/error.log" | tail -1 | cut -d' ' -f3)
  galera_start_node "$n" ${position:+--wsrep-start-position="$position"}
}

galera_stop() {
  if [ -f "$GALERA_DIR/haproxy.pid" ]; then kill "$(cat "$GALERA_DIR/haproxy.pid")" 2>/dev/null || true; fi
  for n in 3 2 1; do
    if [ -f "$GALERA_DIR/node$n/pid" ]; then kill "$(cat "$GALERA_DIR/node$n/pid")" 2>/dev/null || true; fi
  done
  for _ in $(seq 60); do
    pgrep -f "datadir=$GALERA_DIR/" >/dev/null || break
    sleep 0.5
  done
  pkill -9 -f "datadir=$GALERA_DIR/" 2>/dev/null || true
  rm -rf "$GALERA_DIR"
}
