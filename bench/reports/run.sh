#!/usr/bin/env bash
# The report benchmark (bench/README.md "bench/reports"): GGR by day × provider over 90 days on
# 10M generated money movements in ClickHouse, beside the same figures in plain SQL; and the
# event loader from JetStream beside ClickHouse's own INSERT of the same rows.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

MOVEMENTS=${MOVEMENTS:-10000000}
DAYS=${DAYS:-90}
RUNS=${RUNS:-5}
EVENTS=${EVENTS:-200000}
BATCH=${BATCH:-500}
BIN=${CROUPIER_BIN:-.build-release/release/croupier}
BENCH_BIN=${CROUPIER_BENCH_BIN:-$(dirname "$BIN")/croupier-bench}

make --no-print-directory services >/dev/null
# shellcheck source=/dev/null # written by make services
source .local/env
if [[ -z "${CROUPIER_BIN:-}" ]]; then
  echo "building the release binaries (first time: ~9 minutes)..."
  swift build -c release --product croupier-bench --scratch-path .build-release >/dev/null
fi
echo "ClickHouse $(curl -s "http://127.0.0.1:$CROUPIER_CH_HTTP_PORT/" --data-binary 'SELECT version()'), $(nproc) cores"
CROUPIER_ENV=test CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64}) CROUPIER_LOG_LEVEL=warning \
  "$BENCH_BIN" reports --movements "$MOVEMENTS" --days "$DAYS" --runs "$RUNS" --events "$EVENTS" --batch "$BATCH"
