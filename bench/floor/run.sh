#!/usr/bin/env bash
# The floor under a batch (issue 10; bench/README.md): what one batch of N bets costs PostgreSQL
# through the procedure the batcher calls, against what the same rows cost written by one bare
# statement, both from pgbench's C client (no Swift), with as many clients as the batcher keeps
# batches in flight; beside pgbench TPC-B-like at 16 clients on the same PostgreSQL. Prints
# ops/s, the machine's CPU per operation outside pgbench, and `ratio <name>: <value>` lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
SCALE=${SCALE:-100}
PLAYERS=${PLAYERS:-2000}
BATCH_SIZES=${BATCH_SIZES:-1 4 8 16}
IN_FLIGHT=${IN_FLIGHT:-2}
CLIENTS=16
source bench/common.sh
(( WARMUP > 0 && DURATION > 0 )) || { echo "WARMUP and DURATION must be at least 1 second" >&2; exit 1; }
for n in $BATCH_SIZES; do
  # A batch's players must be distinct: each client draws from its own PLAYERS / IN_FLIGHT.
  (( n >= 1 && n <= PLAYERS / IN_FLIGHT )) || { echo "batch size $n: 1 to $((PLAYERS / IN_FLIGHT)) (PLAYERS / IN_FLIGHT)" >&2; exit 1; }
done

CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64})
export CROUPIER_ENV=test CROUPIER_SECRET_KEY CROUPIER_LOG_LEVEL=warning
export CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_floor"
here=bench/floor

print_pg_settings
echo "phases: ${DURATION}s measured after ${WARMUP}s of warm-up; batch sizes: $BATCH_SIZES; $IN_FLIGHT clients (the batches the batcher keeps in flight)"

echo "== pgbench TPC-B-like: scale $SCALE, $CLIENTS clients"
pgbench_init
pgbench_measure "$CLIENTS" "$WARMUP" -n
checkpoint
pgbench_measure "$CLIENTS" "$DURATION" -n
baseline=$pgbench_tps
echo "pgbench: $baseline tps, latency average $pgbench_latency"
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"

echo "== a migrated database, $PLAYERS players funded through the ledger"
fresh_db bench_floor
"$BIN" migrate >/dev/null
"$BENCH_BIN" ledger --workers 16 --warmup 0 --duration 1 --players "$PLAYERS" | grep '^ledger audit'
"${PSQL[@]}" -d bench_floor -f "$here/arguments.sql"
"${PSQL[@]}" -d bench_floor -c "ANALYZE"

# measure SCRIPT N: one phase; sets ops (operations per second) and cpu (µs of the machine's CPU
# per operation, pgbench's own excluded).
busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
measure() {
  local script=$1 n=$2 before after out times
  # Plans made once per connection, as the batch function's are (0055): planned again on every
  # call, the statement of writes.sql costs more than the writes it measures.
  local run=(env PGOPTIONS="-c plan_cache_mode=force_generic_plan" pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -n
    -M prepared -f "$script" -D "n=$n" -D "span=$((PLAYERS / IN_FLIGHT))" -c "$IN_FLIGHT" -j "$IN_FLIGHT")
  out=$("${run[@]}" -T "$WARMUP" bench_floor 2>&1) || { echo "pgbench failed: $out" >&2; exit 1; }
  checkpoint
  before=$(busy)
  times=$(mktemp)
  out=$( { TIMEFORMAT='%U %S'; time "${run[@]}" -T "$DURATION" bench_floor 2>&1; } 2>"$times") ||
    { echo "pgbench failed: $out" >&2; rm -f "$times"; exit 1; }
  after=$(busy)
  ops=$(awk -v t="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")" -v n="$n" 'BEGIN { printf "%.0f", t * n }')
  cpu=$(awk -v b="$before" -v a="$after" -v own="$(cat "$times")" -v ops="$ops" -v d="$DURATION" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { split(own, o, " "); printf "%.0f", ((a - b) / hz - o[1] - o[2]) / (ops * d) * 1e6 }')
  rm -f "$times"
}

for n in $BATCH_SIZES; do
  echo "== batches of $n bets, $IN_FLIGHT clients"
  measure "$here/call.sql" "$n"
  echo "the batch procedure: $ops ops/s, $cpu us of CPU an operation"
  call_ops=$ops
  measure "$here/writes.sql" "$n"
  echo "its rows alone: $ops ops/s, $cpu us of CPU an operation"
  awk -v c="$call_ops" -v w="$ops" -v p="$baseline" -v n="$n" \
    'BEGIN { printf "ratio batch-call-%s: %.2f\nratio batch-writes-%s: %.2f\n", n, c / p, n, w / p }'
done

"$BIN" audit | grep -E "^(ledger|bonuses) audit"
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_floor WITH (FORCE)"
