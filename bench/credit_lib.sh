# Sourced by bench/credit_ab.sh and bench/credit_mixed.sh, from the repository's top: the
# book, a key, a service per binary, and customers to check.

# bench_book NAME: sets url (AB_DB, or the SQLite book of bench/credit_bench.sh, made when
# missing) and key (an admin key named NAME-PID); prints the machine.
bench_book() {
  url=${AB_DB:-sqlite:bench/out/bench.db}
  [ -n "${AB_DB:-}" ] || [ -f bench/out/bench.db ] || bench/import_aging.sh sqlite
  key=$(build/app/tallyman keys create --role admin --name "$1-$$" --db "$url" 2>/dev/null)
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

# bench_serve BINARY PORT LOG: `BINARY serve` on the book (with AB_ENV="A=1 B=2" in its
# environment), its stderr to LOG; sets server to its PID once /healthz answers.
bench_serve() {
  env ${AB_ENV:-} "$1" serve --db "$url" --listen "127.0.0.1:$2" >/dev/null 2>"$3" &
  server=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
}

# bench_customer PORT ID: a new customer in good standing (the generated ones mostly have
# money overdue, which sends a check to review), with a limit no bench reaches.
bench_customer() {
  curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"id\":\"$2\",\"name\":\"Bench\",\"currency\":\"EUR\",\"credit_limit\":9000000000000000}" \
    "http://127.0.0.1:$1/v1/customers"
}
