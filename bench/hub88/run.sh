#!/usr/bin/env bash
# The Hub88 benchmark (bench/README.md): the release server's Hub88 wallet endpoints over HTTP
# with real signatures (bet/win/rollback rounds, CLIENTS concurrent clients) and pgbench
# TPC-B-like with the same client count on the same PostgreSQL, in one run; then the ratio,
# p50/p99 and the ledger audit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CLIENTS=${CLIENTS:-16}
DURATION=${DURATION:-30}
SCALE=${SCALE:-$CLIENTS}
PLAYERS=${PLAYERS:-1000}
ROUNDS=${ROUNDS:-2500}
PORT=${BENCH_PORT:-18181}
BIN=${CROUPIER_BIN:-.build-release/release/croupier}

make --no-print-directory services >/dev/null
source .local/env
if [[ -z "${CROUPIER_BIN:-}" ]]; then
  echo "building the release binary (first time: ~9 minutes)..."
  swift build -c release --product croupier --scratch-path .build-release >/dev/null
fi

PSQL=(psql -q -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -v ON_ERROR_STOP=1)
sync_commit=$("${PSQL[@]}" -At -c "SHOW synchronous_commit")
fsync=$("${PSQL[@]}" -At -c "SHOW fsync")
[[ "$sync_commit" == on && "$fsync" == on ]] || { echo "durable commits are off (synchronous_commit=$sync_commit fsync=$fsync)" >&2; exit 1; }
fresh_db() { "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
# Each phase starts from a clean checkpoint, so neither pays for the other's dirty pages.
checkpoint() { "${PSQL[@]}" -c "CHECKPOINT"; }

echo "== pgbench TPC-B-like: scale $SCALE, $CLIENTS clients, ${DURATION}s, prepared"
fresh_db bench_pgbench
pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -i -q -s "$SCALE" bench_pgbench >/dev/null 2>&1
checkpoint
pgbench_out=$(pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "$CLIENTS" -j 2 -T "$DURATION" -M prepared -n bench_pgbench 2>&1)
pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$pgbench_out" | head -1)
echo "pgbench: $pgbench_tps tps, latency average $(sed -n 's/^latency average = \(.*\)$/\1/p' <<<"$pgbench_out")"

echo "== Hub88 over HTTP: release server, $CLIENTS clients, ${DURATION}s at most, $PLAYERS players"
fresh_db bench_hub88
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"
checkpoint
export CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_hub88"
export CROUPIER_ENV=test CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning
export CROUPIER_HTTP_PORT=$PORT CROUPIER_PUBLIC_URL="http://127.0.0.1:$PORT" CROUPIER_MIGRATE_ON_START=true
mkdir -p .local/log
"$BIN" serve >.local/log/bench-hub88-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null || { echo "the server did not start; see .local/log/bench-hub88-server.log" >&2; exit 1; }
status=0
out=$("$BIN" bench hub88 --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" --duration "$DURATION" --players "$PLAYERS" --rounds "$ROUNDS") || status=$?
echo "$out"
[[ $status -eq 0 ]] || { echo "the benchmark failed (exit $status): see above and .local/log/bench-hub88-server.log" >&2; exit "$status"; }
ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$out")
awk -v o="$ops" -v p="$pgbench_tps" 'BEGIN { printf "ratio (Hub88 calls/s over HTTP / pgbench tps): %.2f\n", o / p }'
"$BIN" audit | tail -2
