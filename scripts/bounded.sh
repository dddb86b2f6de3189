#!/usr/bin/env bash
# Runs a test runner under a hang bound, so that a hang fails the step with a diagnosis instead
# of eating CI's time limit. A runner still going after the bound gets printed: the tests it
# started and never finished (from its log), every thread's stack of its processes, and the
# PostgreSQL sessions; then its whole process group is stopped and the exit status is 124.
#
#   scripts/bounded.sh SECONDS LOG -- COMMAND [ARGS...]
#
# LOG is the file the runner's output is being written to (scripts/test-suite.sh tees it there).
set -uo pipefail

bound="$1" log="$2"
shift 2
[ "${1:-}" = "--" ] && shift

# Tests that printed "started" more often than they printed an outcome (swift-testing's lines).
unfinished_tests() {
    [ -f "$log" ] || return 0
    grep -oE 'Test [A-Za-z0-9_]+\(.*\) (started|passed|failed|skipped)' "$log" |
        awk '{ name = $2; if ($NF == "started") open[name]++; else open[name]-- }
             END { for (name in open) if (open[name] > 0) print "  " name }' | sort
}

thread_stacks() {
    if ! command -v gdb > /dev/null; then
        echo "  (gdb is not installed: no stacks)"
        return 0
    fi
    local pid command
    for pid in $(pgrep -s "$1"); do
        command="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null)"
        case "$command" in
            *.xctest*)
                echo "  -- process $pid: $command"
                timeout 120 gdb -p "$pid" -batch -ex 'thread apply all bt 20' 2>&1 | grep -E '^(Thread|#)' | sed 's/^/    /'
                ;;
        esac
    done
}

database_sessions() {
    [ -f .local/env ] || return 0
    # shellcheck disable=SC1091 # written by scripts/services.sh start
    (source .local/env && timeout 30 psql "${CROUPIER_DATABASE_URL%/*}/postgres" -X -A -F ' | ' -c \
        "SELECT datname, state, wait_event_type, wait_event, now() - state_change AS for, left(query, 100)
           FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>&1 | sed 's/^/  /')
}

# The pids of every process of session $1 and of every descendant of one, wherever it went: the
# browser tests start `croupier serve` in a session of its own (so that a test can stop its
# group), and stopping the runner's session alone left that server running against the test
# database, where it took the next run's leases and jobs.
session_tree() {
    local roots
    roots="$(pgrep -s "$1" | tr '\n' ' ')"
    ps -e -o pid=,ppid= | awk -v roots="$roots" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { parent[$1] = $2 }
        END {
            do {
                grew = 0
                for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
            } while (grew)
            for (p in keep) print p
        }'
}

report_hang() {
    local group="$1"
    echo
    echo "==> HANG: still running after ${bound}s; what it waits on:"
    echo "tests started and not finished:"
    unfinished_tests
    echo "processes:"
    ps -o pid,etime,time,stat,args -p "$(session_tree "$group" | paste -sd, -)" | sed 's/^/  /'
    echo "thread stacks:"
    thread_stacks "$group"
    echo "PostgreSQL sessions:"
    database_sessions
}

# A session of its own, so the whole tree (swift test and the test binary it starts) can be
# found and stopped; setsid keeps the pid, as a background job is never a group leader here.
setsid "$@" &
group=$!
started=$SECONDS
while kill -0 "$group" 2> /dev/null; do
    if [ $((SECONDS - started)) -ge "$bound" ]; then
        report_hang "$group"
        # Every process of the session and its descendants: swift test starts the test binary in
        # a process group of its own, and a test binary that ran a ServiceGroup ignores SIGTERM
        # from then on (ServiceLifecycle takes the signal over), so only SIGKILL is sure to stop
        # it. The tree is taken before the first signal, while every parent is still there.
        mapfile -t tree < <(session_tree "$group")
        kill -TERM "${tree[@]}" 2> /dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            alive=0
            for pid in "${tree[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
            [ "$alive" = 1 ] || break
            sleep 1
        done
        kill -KILL "${tree[@]}" 2> /dev/null
        wait "$group"
        exit 124
    fi
    sleep 1
done
wait "$group"
