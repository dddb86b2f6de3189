#!/usr/bin/env bash
# The crash test (bench/README.md): Hub88 bets, wins and rollbacks from WORKERS concurrent
# provider threads against the release server, then `kill -9` of the server (`server`), or of
# PostgreSQL (`postgres`: the postmaster and every child at once; `postmaster`: the postmaster
# alone) in the middle of the load. What was killed is started again, every call without a
# definite answer is sent again with the identical signed body until it has one, every
# acknowledged call is replayed once more, and the ledger is checked against the provider's
# journal: nothing acknowledged lost, nothing applied twice, balances as the answers say, and
# `croupier audit` clean. Exits 1 on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CRASHES=${CRASHES:-server postgres postmaster}
WORKERS=${WORKERS:-16}
PLAYERS=${PLAYERS:-32}
KILL_AFTER=${KILL_AFTER:-6}
DOWN=${DOWN:-2}
AFTER=${AFTER:-5}
TIMEOUT=${TIMEOUT:-10}
PORT=${BENCH_PORT:-18282}
# shellcheck disable=SC2034 # bench/common.sh's pgbench settings; this test runs no pgbench
CLIENTS=$WORKERS DURATION=0 SCALE=1
source bench/common.sh
scripts/e2e-venv.sh >/dev/null
PY=.venv/bin/python
PG_DATA=.local/postgres/data
DB=bench_crash

export CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/$DB"
export CROUPIER_CLICKHOUSE_URL="http://default@127.0.0.1:$CROUPIER_CH_HTTP_PORT/$DB"
CROUPIER_SECRET_KEY=$(printf '0%.0s' {1..64})
export CROUPIER_ENV=test CROUPIER_SECRET_KEY CROUPIER_LOG_LEVEL=warning
export CROUPIER_HTTP_PORT=$PORT CROUPIER_PUBLIC_URL="http://127.0.0.1:$PORT" CROUPIER_MIGRATE_ON_START=true
mkdir -p .local/log
server='' load=''
trap '[[ -z $load ]] || kill "$load" 2>/dev/null || true; [[ -z $server ]] || kill -9 "$server" 2>/dev/null || true' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

postmaster_pid() { head -n 1 "$PG_DATA/postmaster.pid" | tr -dc '0-9'; }

# stop_server KIND: SIGTERM, and SIGKILL if it has not exited 10 s later (a finding).
stop_server() {
  kill "$server" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$server" 2>/dev/null; then
    echo "crash $1: FINDING: the server had not exited 10 s after SIGTERM; killed"
    kill -9 "$server"
  fi
  wait "$server" 2>/dev/null || true
  server=''
}

# crash_phase KIND: a fresh database, the load, the crash, the recovery, the checks; failed=1 if
# anything is wrong.
crash_phase() {
  local kind=$1 dir=.local/crash/$1 log=.local/log/bench-crash-$1.log started status=0 audit_out
  echo "== crash $kind: release server, $WORKERS provider threads, $PLAYERS players, kill -9 after ${KILL_AFTER}s"
  started=$(now)
  fresh_db "$DB"
  fresh_clickhouse_db "$DB"
  fresh_stream BENCH_CRASH
  rm -rf "$dir" && mkdir -p "$dir"
  : >"$log"
  "$BIN" migrate >/dev/null
  "$PY" bench/crash/crashload.py setup --dir "$dir" --psql-db "$DB" --croupier "$BIN" --players "$PLAYERS"
  start_server "$log" 100 "$BIN" serve
  "$PY" bench/crash/crashload.py load --dir "$dir" --url "http://127.0.0.1:$PORT" --workers "$WORKERS" \
    --timeout "$TIMEOUT" --stop-file "$dir/stop" &
  load=$!
  sleep "$KILL_AFTER"

  local killed pids
  killed=$(now)
  echo "$killed" >"$dir/killed-at"
  case $kind in
    server)
      kill -9 "$server"
      wait "$server" 2>/dev/null || true
      echo "kill -9 croupier serve (pid $server); starting it again in ${DOWN}s"
      sleep "$DOWN"
      start_server "$log" 100 "$BIN" serve
      echo "server answering /health/live again $(since "$killed") s after the kill"
      ;;
    postgres | postmaster)
      pids=$(postmaster_pid)
      # Every child of the postmaster in the same kill: a crash of the whole server, not the
      # postmaster's own death, which its backends outlive for a moment.
      [[ $kind == postmaster ]] || pids="$pids $(ps -o pid= --ppid "$pids" | xargs)"
      # shellcheck disable=SC2086 # a list of pids
      kill -9 $pids
      echo "kill -9 PostgreSQL ($kind: pids $pids); starting it again in ${DOWN}s"
      sleep "$DOWN"
      local tries=0
      until scripts/services.sh start postgres >/dev/null 2>>"$log"; do
        tries=$((tries + 1))
        [[ $tries -lt 10 ]] || { echo "PostgreSQL did not start again; see .local/log/postgres.log" >&2; exit 1; }
        sleep 1
      done
      echo "PostgreSQL accepting connections again $(since "$killed") s after the kill (crash recovery from WAL:" \
        "$(grep -c 'redo done\|database system was interrupted\|was not properly shut down' .local/log/postgres.log) lines in its log)"
      ;;
    *) echo "unknown crash kind $kind (server, postgres, postmaster)" >&2; exit 2 ;;
  esac

  sleep "$AFTER"
  touch "$dir/stop"
  wait "$load" || status=$?
  load=
  [[ $status -eq 0 ]] || echo "crash $kind: the load ended with calls that never got a definite answer (exit $status)"
  kill -0 "$server" 2>/dev/null || echo "crash $kind: FINDING: the server is not running any more; see $log"
  "$PY" bench/crash/crashload.py replay --dir "$dir" --url "http://127.0.0.1:$PORT" || status=$?
  stop_server "$kind"
  audit_out=$("$BIN" audit 2>&1) || true
  grep -E '^(ledger audit|bonuses audit|audit chain)' <<<"$audit_out" || echo "$audit_out"
  local violations
  violations=$(sed -n 's/^ledger audit: \([0-9]*\) violations.*/\1/p' <<<"$audit_out")
  "$PY" bench/crash/crashload.py verify --dir "$dir" --psql-db "$DB" --killed-at-file "$dir/killed-at" \
    --kind "$kind" --audit-violations "${violations:-unknown}" || status=$?
  echo "crash $kind took $(since "$started") s; journal in $dir, server log $log"
  [[ $status -eq 0 ]] || failed=1
}

failed=0
for kind in $CRASHES; do
  crash_phase "$kind"
done
exit "$failed"
