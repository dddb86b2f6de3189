#!/usr/bin/env bash
# The ledger benchmark (bench/README.md): pgbench TPC-B-like and the ledger's bet/win mix on the
# same local PostgreSQL in one run, with durable commits, then the ratio and the ledger audit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CLIENTS=${CLIENTS:-16}
DURATION=${DURATION:-30}
SCALE=${SCALE:-$CLIENTS}
PLAYERS=${PLAYERS:-2000}
source bench/common.sh
print_pg_settings
run_pgbench

migrated_ledger_db() {
  fresh_db bench_ledger
  CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_ledger" CROUPIER_ENV=test \
    CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning "$BIN" migrate >/dev/null
}

# The database's own ceiling for the ledger: ledger_apply bets straight from pgbench's C client
# (no Swift), on funded players. Not a target, a yardstick for the client-side overhead.
echo "== ledger_apply bets from pgbench (no Swift): $CLIENTS clients, ${DURATION}s"
migrated_ledger_db
CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_ledger" CROUPIER_ENV=test \
  CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning \
  "$BENCH_BIN" ledger --workers "$CLIENTS" --duration 1 --players "$PLAYERS" >/dev/null
script=$(mktemp)
# pgbench reads ":name" as a variable, hence chr(58) for the colon of the house account code.
cat >"$script" <<SQL
\set p random(5000000, $((5000000 + PLAYERS - 1)))
\set k random(1, 1000000000000)
SELECT * FROM ledger_apply('pgbench'::text, (:client_id::text || '-' || :k::text), '\\x01'::bytea, 'bet'::text, :p::bigint, 'EUR'::text, 100000::bigint, ('games' || chr(58) || 'pgbench'), NULL::text, NULL::text, '{}'::jsonb);
SQL
direct_out=$(pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "$CLIENTS" -j 2 -T "$DURATION" -M prepared -n -f "$script" bench_ledger 2>&1)
rm -f "$script"
direct_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$direct_out" | head -1)
echo "ledger_apply from pgbench: $direct_tps tps"
awk -v o="$direct_tps" -v p="$pgbench_tps" 'BEGIN { printf "ratio ledger-apply-from-pgbench: %.2f\n", o / p }'
CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_ledger" CROUPIER_ENV=test \
  CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning "$BIN" audit | tail -1

for distribution in uniform zipf; do
  echo "== ledger bet/win mix: $distribution players, $CLIENTS workers, ${DURATION}s"
  migrated_ledger_db
  out=$(CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_ledger" CROUPIER_ENV=test \
    CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning \
    "$BENCH_BIN" ledger --workers "$CLIENTS" --duration "$DURATION" --players "$PLAYERS" --distribution "$distribution")
  echo "$out"
  ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$out")
  awk -v o="$ops" -v p="$pgbench_tps" -v d="$distribution" 'BEGIN { printf "ratio ledger-%s: %.2f\n", d, o / p }'
done

# Group commit (docs/ledger.md): the same uniform mix through the hooked API, as providers' calls
# go, once straight to the database and once batched (CROUPIER_LEDGER_BATCH_WINDOW_US, default 500,
# the batcher's own).
for window in 0 "${BATCH_WINDOW_US:-500}"; do
  echo "== ledger bet/win mix through the hooked API: uniform players, batch window ${window} us, $CLIENTS workers, ${DURATION}s"
  migrated_ledger_db
  out=$(CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_ledger" CROUPIER_ENV=test \
    CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning CROUPIER_LEDGER_BATCH_WINDOW_US="$window" \
    "$BENCH_BIN" ledger --workers "$CLIENTS" --duration "$DURATION" --players "$PLAYERS" --hooked)
  echo "$out"
  ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$out")
  name=$([[ $window == 0 ]] && echo ledger-hooked || echo ledger-batched)
  awk -v o="$ops" -v p="$pgbench_tps" -v n="$name" 'BEGIN { printf "ratio %s: %.2f\n", n, o / p }'
done
