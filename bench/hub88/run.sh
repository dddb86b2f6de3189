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
source bench/common.sh
run_pgbench

echo "== Hub88 over HTTP: release server, $CLIENTS clients, ${DURATION}s at most, $PLAYERS players"
fresh_db bench_hub88
checkpoint
export CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_hub88"
CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64})
export CROUPIER_ENV=test CROUPIER_SECRET_KEY CROUPIER_LOG_LEVEL=warning
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
out=$("$BENCH_BIN" hub88 --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" --duration "$DURATION" --players "$PLAYERS" --rounds "$ROUNDS") || status=$?
echo "$out"
[[ $status -eq 0 ]] || { echo "the benchmark failed (exit $status): see above and .local/log/bench-hub88-server.log" >&2; exit "$status"; }
ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$out")
awk -v o="$ops" -v p="$pgbench_tps" 'BEGIN { printf "ratio (Hub88 calls/s over HTTP / pgbench tps): %.2f\n", o / p }'
"$BIN" audit | tail -2
