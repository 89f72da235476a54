# Sourced by scripts/test and bench scripts: a throwaway MariaDB server on loopback, in a
# temporary data directory, without systemd. Sets TALLYMAN_TEST_MYSQL to a URL whose user
# may create and drop databases (each test makes its own).
#   mariadb_start   # starts the server, exports TALLYMAN_TEST_MYSQL
#   mariadb_stop    # shuts it down and removes the data directory

mariadb_start() {
  local attempt
  for attempt in 1 2 3; do
    mariadb_start_once && return 0
    echo "mariadb: did not come up (attempt $attempt), see below; trying another port" >&2
    tail -5 "$MARIADB_DIR/error.log" >&2 || true
    mariadb_stop
  done
  echo "mariadb: could not start a server for the tests" >&2
  return 1
}

mariadb_start_once() {
  MARIADB_DIR=$(mktemp -d /tmp/tallyman-mariadb.XXXXXX)
  MARIADB_SOCK="$MARIADB_DIR/sock"
  MARIADB_PORT=${TALLYMAN_TEST_MYSQL_PORT:-$((33000 + RANDOM % 2000))}
  mariadb-install-db --no-defaults --datadir="$MARIADB_DIR/data" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$MARIADB_DIR/install.log" 2>&1 || return 1
  /usr/sbin/mariadbd --no-defaults --datadir="$MARIADB_DIR/data" --socket="$MARIADB_SOCK" \
    --port="$MARIADB_PORT" --bind-address=127.0.0.1 --user=root --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size="${TALLYMAN_MARIADB_BUFFER_POOL:-512M}" \
    --innodb-log-file-size="${TALLYMAN_MARIADB_REDO_LOG:-96M}" --innodb-flush-log-at-trx-commit=2 \
    --max-connections=500 \
    --pid-file="$MARIADB_DIR/pid" --log-error="$MARIADB_DIR/error.log" &
  MARIADB_PID=$!
  local up=no
  for _ in $(seq 1 150); do
    if mariadb-admin --no-defaults --socket="$MARIADB_SOCK" -uroot ping >/dev/null 2>&1; then
      up=yes
      break
    fi
    kill -0 "$MARIADB_PID" 2>/dev/null || break  # it exited: a port in use, say
    sleep 0.1
  done
  [ "$up" = yes ] || return 1
  mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot <<SQL || return 1
CREATE USER 'tallyman'@'127.0.0.1' IDENTIFIED BY 'tallyman';
GRANT ALL ON *.* TO 'tallyman'@'127.0.0.1';
CREATE DATABASE tallyman;
SQL
  export TALLYMAN_TEST_MYSQL="mysql://tallyman:tallyman@127.0.0.1:$MARIADB_PORT/tallyman"
  echo "mariadb: up on 127.0.0.1:$MARIADB_PORT (datadir $MARIADB_DIR)" >&2
}

mariadb_stop() {
  [ -n "${MARIADB_PID:-}" ] || { [ -n "${MARIADB_DIR:-}" ] && rm -rf "$MARIADB_DIR"; return 0; }
  mariadb-admin --no-defaults --socket="$MARIADB_SOCK" -uroot shutdown >/dev/null 2>&1 || kill "$MARIADB_PID" 2>/dev/null || true
  wait "$MARIADB_PID" 2>/dev/null || true
  rm -rf "$MARIADB_DIR"
  MARIADB_PID=""
}
