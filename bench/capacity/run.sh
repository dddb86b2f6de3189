#!/usr/bin/env bash
# The capacity benchmark (issue 10; bench/README.md): pgbench TPC-B-like at scale 100, the ledger
# in-process (hooked, batched, with the outbox relay) and Hub88 over HTTP, each with the
# providers' mix (rounds, ~5 % replays, ~2 % refusals), at 16 clients and over a sweep of client
# counts; warm-up excluded, the phases alternated REPEAT times, medians reported; the ledger
# audit after every phase and the simulation's digest once. Prints `ratio <name>: <value>` lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
REPEAT=${REPEAT:-3}
SCALE=${SCALE:-100}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-16 32 64}
CAPACITY_CLIENTS=${CAPACITY_CLIENTS:-16 32 64 128}
ZIPF_CLIENTS=${ZIPF_CLIENTS-16}
P99_LIMIT_MS=${P99_LIMIT_MS:-50}
PLAYERS=${PLAYERS:-2000}
HUB88_PLAYERS=${HUB88_PLAYERS:-1000}
# Calls per second the prepared Hub88 work must last at, at least; twice the fastest phase seen.
HUB88_RATE=${HUB88_RATE:-4000}
PORT=${BENCH_PORT:-18182}
SIMULATE_DIGEST=${SIMULATE_DIGEST-a3030d9271e6a52382f66c076501ee2ed41e27e6d6b7e57a677e452748ae77e7}
CLIENTS=16
source bench/common.sh

# 16 always, for the `-16` ratios, then the sweep.
read -ra sweep <<<"$CAPACITY_CLIENTS"
points=$(printf '%s\n' 16 "${sweep[@]}" | sort -nu | tr '\n' ' ')
results=$(mktemp)
server=
trap '[[ -z $server ]] || kill "$server" 2>/dev/null || true; rm -f "$results"' EXIT
mkdir -p .local/log

CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64})
export CROUPIER_ENV=test CROUPIER_SECRET_KEY CROUPIER_LOG_LEVEL=warning
db_url() { echo "postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/$1"; }
migrated_db() {
  fresh_db "$1"
  CROUPIER_DATABASE_URL=$(db_url "$1") "$BIN" migrate >/dev/null
}
# record PHASE CLIENTS LABEL OPS P50_MS P99_MS: one measurement, for the medians.
record() { echo "$*" >>"$results"; }
# The ledger audit's line from a workload's output; anything but 0 violations stops the run.
check_audit() {
  local line
  line=$(grep '^ledger audit:' <<<"$1")
  [[ $line == "ledger audit: 0 violations" ]] || { echo "the ledger audit failed: $line" >&2; exit 1; }
}
ms() { sed -n "s/.*$1 \\([0-9.]*\\) ms.*/\\1/p" <<<"$2" | head -1; }

print_pg_settings
echo "phases: ${DURATION}s measured after ${WARMUP}s of warm-up, $REPEAT rounds; sweep: $points; capacity: p99 <= $P99_LIMIT_MS ms"

# The simulation once, batched and then straight to the database: the same seed must give the
# same final balances both ways, and the digest recorded in docs/benchmarks.md (SIMULATE_DIGEST;
# empty to skip): a change to the ledger's rules changes it, and then the record with it.
simulate_digest=
for window in 500 0; do
  echo "== simulation: seed 7, 200 players, 20000 operations, batch window ${window} us"
  migrated_db bench_simulate
  out=$(CROUPIER_DATABASE_URL=$(db_url bench_simulate) CROUPIER_LEDGER_BATCH_WINDOW_US=$window \
    "$BENCH_BIN" simulate --seed 7 --players 200 --operations 20000)
  grep -E '^(seed|final balances digest|model divergences|ledger audit)' <<<"$out"
  check_audit "$out"
  digest=$(sed -n 's/^final balances digest: //p' <<<"$out")
  [[ -z $simulate_digest || $digest == "$simulate_digest" ]] || { echo "the digest changed with batching" >&2; exit 1; }
  simulate_digest=$digest
done
if [[ -n ${SIMULATE_DIGEST:-} && $simulate_digest != "$SIMULATE_DIGEST" ]]; then
  echo "the simulation's digest is not SIMULATE_DIGEST ($SIMULATE_DIGEST)" >&2
  exit 1
fi
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_simulate WITH (FORCE)"

echo "== pgbench: initialising scale $SCALE"
pgbench_init

pgbench_phase() {
  local clients=$1
  checkpoint
  pgbench_measure "$clients" "$WARMUP"
  pgbench_measure "$clients" "$DURATION" -n
  echo "pgbench scale $SCALE, $clients clients: $pgbench_tps tps, latency average $pgbench_latency"
  record pgbench "$clients" all "$pgbench_tps" 0 0
}

# ledger_phase DISTRIBUTION WORKERS: a fresh migrated database; the providers' mix through the
# hooked API (group commit, as serve runs it) with the outbox relay publishing to NATS.
ledger_phase() {
  local distribution=$1 workers=$2 out
  migrated_db bench_ledger
  fresh_stream BENCH_LEDGER
  checkpoint
  out=$(CROUPIER_DATABASE_URL=$(db_url bench_ledger) "$BENCH_BIN" ledger --hooked --relay --mix providers \
    --distribution "$distribution" --workers "$workers" --warmup "$WARMUP" --duration "$DURATION" --players "$PLAYERS") || {
    echo "$out"
    echo "the ledger workload failed" >&2
    exit 1
  }
  echo "$out"
  check_audit "$out"
  local first
  first=$(head -1 <<<"$out")
  record "ledger-$distribution" "$workers" all "$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$first")" \
    "$(ms p50 "$first")" "$(ms p99 "$first")"
}

# hub88_phase CLIENTS: a fresh database, the release server on it, the providers' mix over HTTP.
hub88_phase() {
  local clients=$1 out status=0 rounds
  fresh_db bench_hub88
  fresh_clickhouse_db bench_hub88
  fresh_stream BENCH_HUB88
  checkpoint
  : >.local/log/bench-capacity-server.log
  start_server .local/log/bench-capacity-server.log 150 env CROUPIER_DATABASE_URL="$(db_url bench_hub88)" \
    CROUPIER_CLICKHOUSE_URL="http://default@127.0.0.1:$CROUPIER_CH_HTTP_PORT/bench_hub88" CROUPIER_HTTP_PORT="$PORT" \
    CROUPIER_PUBLIC_URL="http://127.0.0.1:$PORT" CROUPIER_MIGRATE_ON_START=true "$BIN" serve
  # Enough rounds (~2.1 calls each) for HUB88_RATE calls/s over the warm-up and the duration.
  rounds=$(((hub88_rate * (WARMUP + DURATION) * 12 / 10 / 2 + clients - 1) / clients + 1))
  out=$(CROUPIER_DATABASE_URL=$(db_url bench_hub88) "$BENCH_BIN" hub88 --mix providers --url "http://127.0.0.1:$PORT" \
    --clients "$clients" --warmup "$WARMUP" --duration "$DURATION" --players "$HUB88_PLAYERS" --rounds "$rounds") || status=$?
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
  echo "$out"
  [[ $status -eq 0 ]] || { echo "the Hub88 workload failed (exit $status): see above and .local/log/bench-capacity-server.log" >&2; exit 1; }
  check_audit "$out"
  if grep -q 'ran out' <<<"$out"; then
    echo "the prepared calls ran out: run again with HUB88_RATE above $hub88_rate" >&2
    exit 1
  fi
  local line ops
  line=$(grep '^hub88 over HTTP' <<<"$out")
  ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$line")
  record hub88 "$clients" all "$ops" "$(ms p50 "$line")" "$(ms p99 "$line")"
  while read -r label rest; do
    record hub88 "$clients" "${label%:}" 0 "$(ms p50 "$rest")" "$(ms p99 "$rest")"
  done < <(grep -E '^  (transaction/|replay|refusal)' <<<"$out")
  hub88_rate=$(awk -v r="$hub88_rate" -v o="$ops" 'BEGIN { print (o * 2 > r ? int(o * 2) : r) }')
}

hub88_rate=$HUB88_RATE
for round in $(seq 1 "$REPEAT"); do
  echo "==== round $round of $REPEAT (${SECONDS}s into the run)"
  for clients in $PGBENCH_CLIENTS; do pgbench_phase "$clients"; done
  for workers in $points; do
    echo "== ledger, uniform players, $workers workers (round $round, ${SECONDS}s)"
    ledger_phase uniform "$workers"
  done
  for workers in $ZIPF_CLIENTS; do
    echo "== ledger, Zipf players, $workers workers (round $round, ${SECONDS}s)"
    ledger_phase zipf "$workers"
  done
  for clients in $points; do
    echo "== Hub88 over HTTP, $clients clients (round $round, ${SECONDS}s)"
    hub88_phase "$clients"
  done
done
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"

# The medians: per phase, client count and label, the median of each figure over the rounds.
medians=$(awk '
  { key = $1 " " $2 " " $3; n[key]++; ops[key, n[key]] = $4; p50[key, n[key]] = $5; p99[key, n[key]] = $6 }
  function median(a, key, count,   i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = a[key, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
  }
  END { for (key in n) print key, median(ops, key, n[key]), median(p50, key, n[key]), median(p99, key, n[key]), n[key] }
' "$results" | sort -k1,1 -k2,2n -k3,3)

echo "==== medians over $REPEAT rounds (${SECONDS}s into the run)"
awk '$1 == "pgbench" { printf "%s %s clients: %.0f tps\n", $1, $2, $4; next }
     $3 == "all" { printf "%s %s clients: %.0f ops/s, p50 %.2f ms, p99 %.2f ms\n", $1, $2, $4, $5, $6 }
     $3 != "all" { printf "%s %s clients, %s: p50 %.2f ms, p99 %.2f ms\n", $1, $2, $3, $5, $6 }' <<<"$medians"

# figure PHASE CLIENTS FIELD: a median (FIELD 4 ops/s, 5 p50, 6 p99).
figure() { awk -v p="$1" -v c="$2" -v f="$3" '$1 == p && $2 == c && $3 == "all" { print $f }' <<<"$medians"; }
# capacity PHASE: the highest median ops/s among the client counts whose median p99 is within the limit.
capacity() {
  awk -v p="$1" -v limit="$P99_LIMIT_MS" '$1 == p && $3 == "all" && $6 <= limit && $4 > best { best = $4; at = $2 }
    END { print (best ? best " " at : "0 none") }' <<<"$medians"
}
pgbench_16=$(figure pgbench 16 4)
pgbench_best=$(awk '$1 == "pgbench" && $4 > best { best = $4; at = $2 } END { print best " " at }' <<<"$medians")
read -r ledger_capacity ledger_at <<<"$(capacity ledger-uniform)"
read -r hub88_capacity hub88_at <<<"$(capacity hub88)"
echo "pgbench scale $SCALE: $pgbench_16 tps at 16 clients; best ${pgbench_best% *} tps at ${pgbench_best#* } clients"
# at_point WORKLOAD CAPACITY AT: where the capacity was found, or that no point qualified.
at_point() { [[ $3 == none ]] && echo "$1: no point with p99 <= $P99_LIMIT_MS ms (capacity 0)" || echo "$1 capacity: $2 ops/s at $3 clients (p99 <= $P99_LIMIT_MS ms)"; }
at_point ledger "$ledger_capacity" "$ledger_at"
at_point "Hub88 over HTTP" "$hub88_capacity" "$hub88_at"
ratio() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "ratio %s: %.2f\n", n, (b > 0 ? a / b : 0) }'; }
ratio ledger-16 "$(figure ledger-uniform 16 4)" "$pgbench_16"
ratio ledger-capacity "$ledger_capacity" "${pgbench_best% *}"
if [[ -n $(figure ledger-zipf 16 4) ]]; then ratio ledger-zipf-16 "$(figure ledger-zipf 16 4)" "$pgbench_16"; fi
ratio hub88-http-16 "$(figure hub88 16 4)" "$pgbench_16"
echo "hub88-http-16 p99: $(figure hub88 16 6) ms"
ratio hub88-http-capacity "$hub88_capacity" "${pgbench_best% *}"
