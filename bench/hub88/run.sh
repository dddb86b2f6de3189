#!/usr/bin/env bash
# The Hub88 benchmark (bench/README.md): the release server's Hub88 wallet endpoints over HTTP
# with real signatures (bet/win/rollback rounds, CLIENTS concurrent clients) and pgbench
# TPC-B-like with the same client count on the same PostgreSQL, in one run; then the ratio,
# p50/p99 and the ledger audit. With BASELINE_REV=<commit>, that commit's release build runs the
# same phase in the same run (alternating with this tree's, REPEAT times each), so a change can
# be shown not to lower the ratio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CLIENTS=${CLIENTS:-16}
DURATION=${DURATION:-30}
SCALE=${SCALE:-$CLIENTS}
PLAYERS=${PLAYERS:-1000}
ROUNDS=${ROUNDS:-2500}
PORT=${BENCH_PORT:-18181}
BASELINE_REV=${BASELINE_REV:-}
REPEAT=${REPEAT:-1}
source bench/common.sh
print_pg_settings

# Builds BASELINE_REV's release binaries from an exported copy under .local/bench-baseline/ (kept,
# so a second run reuses the build) and sets BASELINE_BIN and BASELINE_WORKLOAD: before the
# workloads moved to croupier-bench they were `croupier bench`.
build_baseline() {
  local commit dir
  commit=$(git rev-parse --verify "$BASELINE_REV^{commit}")
  dir=.local/bench-baseline/$commit
  if [[ ! -f $dir/Package.swift ]]; then
    mkdir -p "$dir"
    git archive "$commit" | tar -x -C "$dir"
  fi
  echo "building the baseline $BASELINE_REV (${commit:0:10}) in $dir (first time: ~9 minutes)..."
  (cd "$dir" && swift build -c release --product croupier --scratch-path .build-release >/dev/null)
  BASELINE_BIN=$dir/.build-release/release/croupier
  if grep -q '"croupier-bench"' "$dir/Package.swift"; then
    (cd "$dir" && swift build -c release --product croupier-bench --scratch-path .build-release >/dev/null)
    BASELINE_WORKLOAD=("$dir/.build-release/release/croupier-bench" hub88)
  else
    BASELINE_WORKLOAD=("$BASELINE_BIN" bench hub88)
  fi
}

# hub88_phase NAME SERVER WORKLOAD...: a fresh database, SERVER serving it, the workload against
# it, `ratio NAME: …`, the audit by SERVER. Sets phase_ops.
hub88_phase() {
  local name=$1 server_bin=$2
  shift 2
  echo "== Hub88 over HTTP ($name): release server, $CLIENTS clients, ${DURATION}s at most, $PLAYERS players"
  fresh_db bench_hub88
  fresh_clickhouse_db bench_hub88
  fresh_stream BENCH_HUB88
  checkpoint
  : >".local/log/bench-hub88-$name.log"
  start_server ".local/log/bench-hub88-$name.log" 100 "$server_bin" serve
  local out status=0
  out=$("$@" --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" --duration "$DURATION" --players "$PLAYERS" --rounds "$ROUNDS") || status=$?
  echo "$out"
  [[ $status -eq 0 ]] || { echo "the benchmark failed (exit $status): see above and .local/log/bench-hub88-$name.log" >&2; exit "$status"; }
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
  phase_ops=$(sed -n 's/.* = \([0-9]*\) ops\/s.*/\1/p' <<<"$out")
  awk -v o="$phase_ops" -v p="$pgbench_tps" -v n="$name" 'BEGIN { printf "ratio %s: %.2f\n", n, o / p }'
  "$server_bin" audit | tail -2
}

[[ -z $BASELINE_REV ]] || build_baseline
run_pgbench

export CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/bench_hub88"
export CROUPIER_CLICKHOUSE_URL="http://default@127.0.0.1:$CROUPIER_CH_HTTP_PORT/bench_hub88"
CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64})
export CROUPIER_ENV=test CROUPIER_SECRET_KEY CROUPIER_LOG_LEVEL=warning
export CROUPIER_HTTP_PORT=$PORT CROUPIER_PUBLIC_URL="http://127.0.0.1:$PORT" CROUPIER_MIGRATE_ON_START=true
mkdir -p .local/log
server=
trap '[[ -z $server ]] || kill "$server" 2>/dev/null || true' EXIT

if [[ -z $BASELINE_REV ]]; then
  hub88_phase hub88 "$BIN" "$BENCH_BIN" hub88
  exit 0
fi
baseline_total=0 current_total=0
for _ in $(seq 1 "$REPEAT"); do
  hub88_phase hub88-baseline "$BASELINE_BIN" "${BASELINE_WORKLOAD[@]}"
  baseline_total=$((baseline_total + phase_ops))
  hub88_phase hub88 "$BIN" "$BENCH_BIN" hub88
  current_total=$((current_total + phase_ops))
done
awk -v c="$current_total" -v b="$baseline_total" 'BEGIN { printf "ratio hub88-over-baseline: %.2f\n", c / b }'
