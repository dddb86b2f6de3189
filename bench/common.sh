# shellcheck shell=bash
# Shared by the benchmarks in bench/ (source it): starts the local services, builds the release
# binaries (croupier, and croupier-bench beside it) unless CROUPIER_BIN names one, refuses to
# measure without durable commits, and runs pgbench TPC-B-like with the same client count,
# setting pgbench_tps for the ratio (or, for several runs on one database, pgbench_init and
# pgbench_measure), and prints PostgreSQL's settings (print_pg_settings).
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
# fresh_stream NAME: the JetStream stream a phase publishes to (exported as CROUPIER_NATS_STREAM),
# deleted first. Phases sharing one stream would load each other's events: a server's event
# loader takes up the stream where the previous phase's stopped and spends the measurement
# loading that backlog into its own ClickHouse database.
fresh_stream() {
  export CROUPIER_NATS_STREAM=$1
  "$BENCH_BIN" reset-stream
}
# A server's ClickHouse database starts empty too: a server refuses one with migrations it does not know.
fresh_clickhouse_db() { curl -sf "http://127.0.0.1:$CROUPIER_CH_HTTP_PORT/" --data-binary "DROP DATABASE IF EXISTS $1" >/dev/null; }

# start_server LOG TRIES COMMAND...: runs COMMAND (a `serve`) in the background with its output
# appended to LOG, sets server to its pid, and waits for /health/live on PORT, TRIES times 0.2 s.
start_server() {
  local log=$1 tries=$2
  shift 2
  "$@" >>"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 "$tries"); do
    curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && return 0
    sleep 0.2
  done
  echo "the server did not start; see $log" >&2
  exit 1
}
# A phase starts from a clean checkpoint, so it does not pay for the previous one's dirty pages.
checkpoint() { "${PSQL[@]}" -c "CHECKPOINT"; }

# PostgreSQL's settings that decide what it can do, and the machine's cores and load: printed at
# the start of a run, so figures from different machines or settings are not compared blindly.
print_pg_settings() {
  echo "== PostgreSQL settings (the machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "${PSQL[@]}" -At -c "SELECT name || ' = ' || current_setting(name) FROM unnest(ARRAY['server_version', 'shared_buffers',
    'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size', 'checkpoint_timeout', 'commit_delay', 'commit_siblings',
    'wal_buffers', 'max_connections']) AS name"
}

# A fresh pgbench database `bench_pgbench` at scale SCALE (pgbench_measure runs on it).
pgbench_init() {
  fresh_db bench_pgbench
  pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -i -q -s "$SCALE" bench_pgbench >/dev/null 2>&1
}

# pgbench_measure CLIENTS SECONDS [OPTION...]: one TPC-B-like run on bench_pgbench, 2 threads,
# prepared statements; sets pgbench_tps and pgbench_latency (the average).
pgbench_measure() {
  local client_count=$1 seconds=$2 out
  shift 2
  out=$(pgbench -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "$client_count" -j 2 -T "$seconds" -M prepared "$@" bench_pgbench 2>&1)
  pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -1)
  pgbench_latency=$(sed -n 's/^latency average = \(.*\)$/\1/p' <<<"$out")
}

run_pgbench() {
  echo "== pgbench TPC-B-like: scale $SCALE, $CLIENTS clients, ${DURATION}s, prepared"
  pgbench_init
  checkpoint
  pgbench_measure "$CLIENTS" "$DURATION" -n
  echo "pgbench: $pgbench_tps tps, latency average $pgbench_latency"
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"
}
