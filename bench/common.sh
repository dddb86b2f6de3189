# shellcheck shell=bash
# Shared by the benchmarks in bench/ (source it): starts the local services, builds the release
# binaries (croupier, and croupier-bench beside it) unless CROUPIER_BIN names one, refuses to
# measure without durable commits, and runs pgbench TPC-B-like with the same client count,
# setting pgbench_tps for the ratio.
# Expects CLIENTS, DURATION and SCALE to be set.

# shellcheck disable=SC2034 # BIN and BENCH_BIN are read by the scripts that source this file
BIN=${CROUPIER_BIN:-.build-release/release/croupier}
# shellcheck disable=SC2034 # the workloads: croupier-bench, built beside croupier
BENCH_BIN=${CROUPIER_BENCH_BIN:-$(dirname "$BIN")/croupier-bench}

make --no-print-directory services >/dev/null
source .local/env
if [[ -z "${CROUPIER_BIN:-}" ]]; then
  echo "building the release binaries (first time: ~9 minutes)..."
  swift build -c release --product croupier --scratch-path .build-release >/dev/null
  swift build -c release --product croupier-bench --scratch-path .build-release >/dev/null
fi

PSQL=(psql -q -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -v ON_ERROR_STOP=1)
sync_commit=$("${PSQL[@]}" -At -c "SHOW synchronous_commit")
fsync=$("${PSQL[@]}" -At -c "SHOW fsync")
[[ "$sync_commit" == on && "$fsync" == on ]] || { echo "durable commits are off (synchronous_commit=$sync_commit fsync=$fsync)" >&2; exit 1; }

fresh_db() { "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
# A phase starts from a clean checkpoint, so it does not pay for the previous one's dirty pages.
checkpoint() { "${PSQL[@]}" -c "CHECKPOINT"; }

run_pgbench() {
  echo "== pgbench TPC-B-like: scale $SCALE, $CLIENTS clients, ${DURATION}s, prepared"
  fresh_db bench_pgbench
  pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -i -q -s "$SCALE" bench_pgbench >/dev/null 2>&1
  checkpoint
  local out
  out=$(pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "$CLIENTS" -j 2 -T "$DURATION" -M prepared -n bench_pgbench 2>&1)
  pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -1)
  echo "pgbench: $pgbench_tps tps, latency average $(sed -n 's/^latency average = \(.*\)$/\1/p' <<<"$out")"
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"
}
