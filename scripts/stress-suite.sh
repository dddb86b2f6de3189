#!/usr/bin/env bash
# Shows that the suite does not depend on how fast the machine is: runs CI's entry point
# (`CI=true bash .ci/run`) several times in a row while every core is kept busy by stress-ng
# (Debian's package, installed if missing), then prints each run's summary and duration.
#
#   scripts/stress-suite.sh [--runs N] [--slow-postgres]
#
#   --runs N          how many runs (default 3); the script fails if any run fails
#   --slow-postgres   also keep pgbench (4 clients, TPC-B-like) running against the same
#                     PostgreSQL, so every database call of the suite waits behind it
#
# As CI does, run it in a fresh clone:
#   d=$(mktemp -d) && git clone . "$d" && cd "$d" && scripts/stress-suite.sh
# The load is local (no network) and stops when the script exits, however it exits.
# Each run's whole output is kept in .local/log/stress-run-<N>.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
LOGDIR="$ROOT/.local/log"
RUNS=3
SLOW_POSTGRES=false
# Bounds the background load even if this script were killed without its trap running.
LOAD_SECONDS=$((4 * 3600))

while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --slow-postgres) SLOW_POSTGRES=true; shift ;;
        *) echo "usage: scripts/stress-suite.sh [--runs N] [--slow-postgres]" >&2; exit 2 ;;
    esac
done

if ! command -v stress-ng >/dev/null 2>&1; then
    echo "stress-suite: installing stress-ng (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null
fi

declare -a LOAD_PIDS=()
stop_load() {
    local pid
    for pid in "${LOAD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${LOAD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_load EXIT

cores="$(nproc)"
stress-ng --cpu "$cores" --cpu-load 100 --timeout "${LOAD_SECONDS}s" --quiet &
LOAD_PIDS+=($!)
echo "stress-suite: $cores busy CPU workers (stress-ng), pid ${LOAD_PIDS[0]}"

if [ "$SLOW_POSTGRES" = true ]; then
    scripts/services.sh start postgres >/dev/null
    # shellcheck disable=SC1091 # written by scripts/services.sh start
    source .local/env
    pg_port="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).port)' "$CROUPIER_DATABASE_URL")"
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -X -q -c "DROP DATABASE IF EXISTS stress_pgbench" -c "CREATE DATABASE stress_pgbench"
    pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -i -q -s 10 stress_pgbench
    pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -c 4 -j 2 -T "$LOAD_SECONDS" stress_pgbench >"$LOGDIR/stress-pgbench.log" 2>&1 &
    LOAD_PIDS+=($!)
    echo "stress-suite: pgbench with 4 clients against PostgreSQL on port $pg_port"
fi

mkdir -p "$LOGDIR"
declare -a RESULTS=()
failures=0
for run in $(seq 1 "$RUNS"); do
    log="$LOGDIR/stress-run-$run.log"
    echo "stress-suite: run $run of $RUNS (output in $log)"
    started=$SECONDS
    if CI=true bash .ci/run </dev/null >"$log" 2>&1; then outcome=passed; else outcome=FAILED; failures=$((failures + 1)); fi
    RESULTS+=("run $run: $outcome in $((SECONDS - started))s")
    # The suite's own summary block (scripts/test-suite.sh) names each step and runner.
    sed -n '/^==> summary$/,$p' "$log" | grep -v '^==> summary$' | sed "s/^/  run $run /"
done

stop_load
printf '\n'
for line in "${RESULTS[@]}"; do echo "stress-suite: $line"; done
[ "$failures" -eq 0 ]
