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
  env TALLYMAN_DUNNING_AT=off TALLYMAN_GRADING_AT=off ${AB_ENV:-} "$1" serve --db "$url" --listen "127.0.0.1:$2" >/dev/null 2>"$3" &
  server=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
}

# bench_customer PORT ID: a new customer in good standing (the generated ones mostly have
# money overdue, which sends a check to review), with a limit no bench reaches and the
# history of the book's typical customer, so that a check reads what it would there: 10
# invoices over the last year, 5 of them paid on time by 5 payments, 2 of which left credit
# unapplied, and 5 issued in the last month, open and not yet due (the book averages 10
# invoices, 5 open and 2 payments with credit unapplied per customer).
bench_customer() {
  local base="http://127.0.0.1:$1/v1" id=$2 k issued due paid
  bench_post() {  # PATH BODY
    curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$2" "$base/$1"
  }
  bench_post customers "{\"id\":\"$id\",\"name\":\"Bench\",\"currency\":\"EUR\",\"credit_limit\":9000000000000000}"
  for k in 1 2 3 4 5 6 7 8 9 10; do
    issued=$(date -d "-$((k * 30)) days" +%F)
    [ "$k" -gt 5 ] || issued=$(date -d "-$((k * 5)) days" +%F)
    due=$(date -d "$issued + 30 days" +%F)
    bench_post invoices "{\"number\":\"$id-INV-$k\",\"customer\":\"$id\",\"issue_date\":\"$issued\",\"due_date\":\"$due\",\"amount\":$((k * 10000)),\"currency\":\"EUR\"}"
    [ "$k" -gt 5 ] || continue
    paid=$(date -d "$due - 2 days" +%F)
    bench_post payments "{\"reference\":\"$id-PAY-$k\",\"customer\":\"$id\",\"received_date\":\"$paid\",\"amount\":$((k * 10000 + (k % 2) * 500)),\"currency\":\"EUR\",\"allocations\":[{\"invoice\":\"$id-INV-$k\",\"amount\":$((k * 10000))}]}"
  done
}

# bench_start BINARY PORT LOG: bench_serve, then a new customer of bench_customer, exported as
# CUSTOMER (with RUN to keep its order_refs apart), `checks` set to wrk's arguments for credit
# checks on PORT, and 2 s of such checks without reservation to warm up. bench_stop ends it.
bench_start() {
  bench_serve "$1" "$2" "$3"
  export CUSTOMER=C-B-$$-$RANDOM-$RANDOM RUN=$$-$RANDOM-$RANDOM
  bench_customer "$2" "$CUSTOMER"
  checks=(-s bench/credit_check.lua -H "Authorization: Bearer $key" "http://127.0.0.1:$2/v1/credit-checks")
  RESERVE=false wrk -t1 -c32 -d2s "${checks[@]}" >/dev/null
}

bench_stop() {
  kill -TERM "$server"
  wait "$server" || true
}
