#!/usr/bin/env bash
# Local services for Croupier development and tests: PostgreSQL, NATS (JetStream), ClickHouse.
#
#   scripts/services.sh install                  install missing Debian packages (quiet if none)
#   scripts/services.sh start  [postgres|nats|clickhouse]   start (idempotent), writes .local/env
#   scripts/services.sh stop   [postgres|nats|clickhouse]   stop (harmless if not running)
#   scripts/services.sh status [postgres|nats|clickhouse]   one line per service
#   scripts/services.sh env                      print the export lines for the app
#
# Everything lives under <repo>/.local; every server listens on 127.0.0.1 only.
# Ports (override with the environment):
#   CROUPIER_PG_PORT=55432  CROUPIER_NATS_PORT=54222  CROUPIER_NATS_MONITOR_PORT=58222
#   CROUPIER_CH_HTTP_PORT=58123  CROUPIER_CH_TCP_PORT=59000
# CROUPIER_SERVICE_TIMEOUT (seconds, default 60) bounds every readiness wait.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LOCAL="$ROOT/.local"
LOGDIR="$LOCAL/log"

PG_PORT="${CROUPIER_PG_PORT:-55432}"
NATS_PORT="${CROUPIER_NATS_PORT:-54222}"
NATS_MONITOR_PORT="${CROUPIER_NATS_MONITOR_PORT:-58222}"
CH_HTTP_PORT="${CROUPIER_CH_HTTP_PORT:-58123}"
CH_TCP_PORT="${CROUPIER_CH_TCP_PORT:-59000}"
TIMEOUT="${CROUPIER_SERVICE_TIMEOUT:-60}"

PG_DIR="$LOCAL/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
PG_LOG="$LOGDIR/postgres.log"

NATS_DIR="$LOCAL/nats"
NATS_PID="$NATS_DIR/nats-server.pid"
NATS_LOG="$LOGDIR/nats.log"

CH_DIR="$LOCAL/clickhouse"
CH_PID="$CH_DIR/clickhouse-server.pid"
CH_CONFIG="$CH_DIR/config.xml"
CH_USERS="$CH_DIR/users.xml"
CH_LOG="$LOGDIR/clickhouse-server.log"
CH_ERRLOG="$LOGDIR/clickhouse-server.err.log"
CH_STDOUT="$LOGDIR/clickhouse-server.stdout.log"

ALL_SERVICES=(postgres nats clickhouse)

export DEBIAN_FRONTEND=noninteractive

log()  { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die()  { warn "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Print the last lines of one or more log files to stderr.
log_tail() {
    local f
    for f in "$@"; do
        if [ -s "$f" ]; then
            warn "---- last lines of $f ----"
            tail -n 40 "$f" >&2 || true
            warn "---- end of $f ----"
        else
            warn "(log $f is empty or missing)"
        fi
    done
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid alive (not a zombie) and, optionally, its executable path contains $2.
pid_alive() {
    local pid="$1" want="${2:-}"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -r "/proc/$pid/stat" ]; then
        # Field 3 is the state; a killed but not yet reaped process is 'Z'.
        local state
        state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
        [ "$state" = "Z" ] && return 1
    fi
    if [ -n "$want" ]; then
        local exe
        exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
        case "$exe" in
            *"$want"*) return 0 ;;
            "") return 0 ;;   # cannot tell (not permitted): trust kill -0
            *) return 1 ;;
        esac
    fi
}

read_pid() { if [ -s "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# ---------------------------------------------------------------- binaries

# Directory that holds initdb + pg_ctl + postgres. Prefers the version an existing data dir needs.
pg_bindir() {
    local want="" d
    if [ -s "$PG_DATA/PG_VERSION" ]; then
        want="$(cat "$PG_DATA/PG_VERSION")"
        if [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
            echo "/usr/lib/postgresql/$want/bin"; return 0
        fi
    fi
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
        if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        if [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    fi
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    return 1
}

psql_bin() {
    local d
    if command -v psql >/dev/null 2>&1; then command -v psql; return 0; fi
    if d="$(pg_bindir)" && [ -x "$d/psql" ]; then echo "$d/psql"; return 0; fi
    return 1
}

nats_bin() {
    command -v nats-server 2>/dev/null || { [ -x /usr/sbin/nats-server ] && echo /usr/sbin/nats-server; } || return 1
}

ch_server_bin() {
    command -v clickhouse-server 2>/dev/null || { [ -x /usr/sbin/clickhouse-server ] && echo /usr/sbin/clickhouse-server; } || return 1
}

chromium_bin() {
    command -v chromium 2>/dev/null || { [ -x /usr/bin/chromium ] && echo /usr/bin/chromium; } || return 1
}

# ---------------------------------------------------------------- install

cmd_install() {
    local pkgs=()
    { pg_bindir >/dev/null && psql_bin >/dev/null; } || pkgs+=(postgresql postgresql-client)
    nats_bin >/dev/null || pkgs+=(nats-server)
    ch_server_bin >/dev/null || pkgs+=(clickhouse-server)
    command -v clickhouse-client >/dev/null 2>&1 || [ -x /usr/bin/clickhouse-client ] || pkgs+=(clickhouse-client)
    chromium_bin >/dev/null || pkgs+=(chromium)
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    # Not a service, but `make test` lints the shell scripts with it.
    command -v shellcheck >/dev/null 2>&1 || pkgs+=(shellcheck)
    command -v runuser >/dev/null 2>&1 || command -v su >/dev/null 2>&1 || pkgs+=(util-linux)
    if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then :; else pkgs+=(python3-venv); fi

    [ "${#pkgs[@]}" -eq 0 ] && return 0

    log "services: installing missing Debian packages: ${pkgs[*]}"
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${pkgs[*]}"
        sudo=(sudo -E)
    fi
    # Wait for another apt/dpkg instead of failing on its lock.
    local aptopts=(-o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
    "${sudo[@]}" apt-get "${aptopts[@]}" update -qq
    "${sudo[@]}" apt-get "${aptopts[@]}" install -y -q "${pkgs[@]}"
    # Debian's postgresql package may create and start a cluster through its maintainer
    # scripts; without systemd/invoke-rc.d that does nothing harmful. Our cluster is separate.
    log "services: install done"
}

# ---------------------------------------------------------------- postgres

# Run a command as the postgres OS user when we are root (initdb refuses root).
as_pg() {
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            local q; q="$(printf '%q ' "$@")"
            (cd / && su -s /bin/sh postgres -c "$q")
        fi
    else
        "$@"
    fi
}

# When root: make sure the postgres user can reach $LOCAL (every parent needs o+x).
pg_ensure_traversable() {
    is_root || return 0
    id postgres >/dev/null 2>&1 || die "the 'postgres' OS user does not exist (install the postgresql package: scripts/services.sh install)"
    if as_pg test -x "$LOCAL" 2>/dev/null; then return 0; fi
    # Walk from / down to $LOCAL; give o+x (search only, nothing becomes readable) to every
    # directory the postgres user cannot enter.
    local d="" part changed=()
    local IFS=/
    for part in ${LOCAL#/}; do
        d="$d/$part"
        if [ -d "$d" ] && ! as_pg test -x "$d" 2>/dev/null; then
            chmod o+x "$d"
            changed+=("$d")
        fi
    done
    unset IFS
    if [ "${#changed[@]}" -gt 0 ]; then
        log "postgres: the 'postgres' OS user could not reach $LOCAL; added o+x to: ${changed[*]}"
    fi
    as_pg test -x "$LOCAL" || die "the 'postgres' OS user cannot reach $LOCAL (every parent needs o+x); move the repo or fix permissions"
}

pg_pid() {
    [ -s "$PG_DATA/postmaster.pid" ] || return 0
    local pid; pid="$(head -n 1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')"
    if pid_alive "$pid" postgres; then echo "$pid"; fi
}

pg_running_port() {
    if [ -s "$PG_DATA/postmaster.pid" ]; then sed -n 4p "$PG_DATA/postmaster.pid" | tr -dc '0-9'; fi
}

pg_write_conf() {
    # Included from postgresql.conf; rewritten on every start so changes here apply.
    cat >"$PG_DATA/croupier.conf" <<EOF
# Written by scripts/services.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0770
# The test suite runs many apps at once, each with its pool and its lease session; its peak
# passed 400 (CI refused connections with "too many clients" as the suite grew) and does
# again when two suites share the server. Production sizing: docs/operations.md.
max_connections = 1000
shared_buffers = 256MB
# Money needs durable commits: keep fsync / synchronous_commit / full_page_writes on.
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = replica
max_wal_size = 1GB
checkpoint_timeout = 15min
timezone = 'UTC'
log_timezone = 'UTC'
datestyle = 'iso, mdy'
lc_messages = 'C'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
log_lock_waits = on
idle_in_transaction_session_timeout = 300000
EOF
    if is_root; then chown postgres:postgres "$PG_DATA/croupier.conf"; fi
    if ! grep -q "^include_if_exists = 'croupier.conf'" "$PG_DATA/postgresql.conf"; then
        printf "\n# Croupier local settings\ninclude_if_exists = 'croupier.conf'\n" >>"$PG_DATA/postgresql.conf"
    fi
}

pg_start() {
    local bindir psql pid
    bindir="$(pg_bindir)" || die "PostgreSQL server binaries (initdb, pg_ctl) not found; run: scripts/services.sh install"
    psql="$(psql_bin)" || die "psql not found; run: scripts/services.sh install"

    pid="$(pg_pid)"
    if [ -n "$pid" ]; then
        local rport; rport="$(pg_running_port)"
        log "postgres: already running (pid $pid, port ${rport:-?})"
        if [ -n "$rport" ] && [ "$rport" != "$PG_PORT" ]; then
            warn "postgres: warning: running on port $rport, not the requested $PG_PORT (stop it first to change)"
        fi
        pg_create_db "$psql" "${rport:-$PG_PORT}"
        return 0
    fi
    # A postmaster killed a moment ago may linger as a zombie until reaped; postgres would
    # then refuse the stale postmaster.pid ("lock file already exists"). Wait for it briefly.
    if [ -s "$PG_DATA/postmaster.pid" ]; then
        local old i=0
        old="$(head -n 1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')"
        while [ -n "$old" ] && kill -0 "$old" 2>/dev/null && [ "$i" -lt 50 ]; do
            i=$((i + 1)); sleep 0.2
        done
    fi
    if port_open "$PG_PORT"; then
        die "postgres: port 127.0.0.1:$PG_PORT is taken by another process; set CROUPIER_PG_PORT"
    fi

    mkdir -p "$PG_DIR" "$PG_SOCK" "$LOGDIR"
    pg_ensure_traversable
    touch "$PG_LOG"
    if is_root; then
        chown postgres:postgres "$PG_DIR" "$PG_SOCK" "$PG_LOG"
        chmod 0700 "$PG_DIR"
    fi

    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
        log "postgres: initdb $PG_DATA"
        mkdir -p "$PG_DATA"
        if is_root; then chown postgres:postgres "$PG_DATA"; fi
        chmod 0700 "$PG_DATA"
        if ! as_pg "$bindir/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --no-locale \
                >"$LOGDIR/initdb.log" 2>&1; then
            log_tail "$LOGDIR/initdb.log"
            die "postgres: initdb failed"
        fi
    fi
    pg_write_conf

    log "postgres: starting on 127.0.0.1:$PG_PORT"
    if ! as_pg "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_SOCK" start >/dev/null; then
        log_tail "$PG_LOG"
        die "postgres: failed to start (log: $PG_LOG)"
    fi
    # pg_ctl -w waited for the socket; check TCP too.
    local i=0
    until "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt $((TIMEOUT * 5)) ]; then
            log_tail "$PG_LOG"
            die "postgres: not answering on 127.0.0.1:$PG_PORT after ${TIMEOUT}s"
        fi
        sleep 0.2
    done
    log "postgres: running (pid $(pg_pid), port $PG_PORT)"
    pg_create_db "$psql" "$PG_PORT"
}

pg_create_db() {
    local psql="$1" port="$2"
    local exists
    exists="$("$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc \
        "select 1 from pg_database where datname = 'croupier'")" || die "postgres: cannot query 127.0.0.1:$port"
    if [ "$exists" != "1" ]; then
        "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE croupier' >/dev/null
        log "postgres: created database croupier"
    fi
}

pg_stop() {
    local pid bindir
    pid="$(pg_pid)"
    if [ -z "$pid" ]; then log "postgres: not running"; return 0; fi
    bindir="$(pg_bindir)" || die "pg_ctl not found"
    if ! as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null; then
        warn "postgres: fast shutdown timed out; sending SIGQUIT (immediate)"
        kill -QUIT "$pid" 2>/dev/null || true
        sleep 1
    fi
    log "postgres: stopped"
}

pg_status() {
    local pid; pid="$(pg_pid)"
    if [ -n "$pid" ]; then
        printf '%-11s running  port %-6s pid %s\n' postgres "$(pg_running_port)" "$pid"; return 0
    fi
    printf '%-11s stopped  port %-6s\n' postgres "$PG_PORT"; return 1
}

# ---------------------------------------------------------------- nats

nats_pid() {
    local pid; pid="$(read_pid "$NATS_PID")"
    if pid_alive "$pid" nats-server; then echo "$pid"; fi
}

nats_start() {
    local bin pid
    bin="$(nats_bin)" || die "nats-server not found; run: scripts/services.sh install"
    pid="$(nats_pid)"
    if [ -n "$pid" ]; then
        log "nats: already running (pid $pid)"
        return 0
    fi
    local p
    for p in "$NATS_PORT" "$NATS_MONITOR_PORT"; do
        port_open "$p" && die "nats: port 127.0.0.1:$p is taken by another process; set CROUPIER_NATS_PORT / CROUPIER_NATS_MONITOR_PORT"
    done
    mkdir -p "$NATS_DIR/js" "$LOGDIR"
    rm -f "$NATS_PID"
    log "nats: starting on 127.0.0.1:$NATS_PORT (monitor $NATS_MONITOR_PORT, JetStream in $NATS_DIR/js)"
    # setsid: survive the caller's process group (Ctrl-C in `make run`, job control).
    setsid "$bin" -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" \
        -n croupier-local -js -sd "$NATS_DIR/js" -P "$NATS_PID" -l "$NATS_LOG" \
        </dev/null >>"$LOGDIR/nats.stdout.log" 2>&1 &
    local child=$!
    local i=0
    until curl -fsS -m 2 "http://127.0.0.1:$NATS_MONITOR_PORT/healthz" 2>/dev/null | grep -q '"ok"'; do
        i=$((i + 1))
        if ! kill -0 "$child" 2>/dev/null || [ "$i" -gt $((TIMEOUT * 5)) ]; then
            kill "$child" 2>/dev/null || true
            log_tail "$NATS_LOG" "$LOGDIR/nats.stdout.log"
            die "nats: did not become healthy on 127.0.0.1:$NATS_MONITOR_PORT/healthz"
        fi
        sleep 0.2
    done
    [ -s "$NATS_PID" ] || echo "$child" >"$NATS_PID"
    log "nats: running (pid $(nats_pid), port $NATS_PORT)"
}

# Terminate a pid: TERM, wait, then KILL.
stop_pid() {
    local name="$1" pid="$2" i=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt $((TIMEOUT * 5)) ]; then
            warn "$name: did not stop after ${TIMEOUT}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
    done
}

nats_stop() {
    local pid; pid="$(nats_pid)"
    if [ -z "$pid" ]; then log "nats: not running"; rm -f "$NATS_PID"; return 0; fi
    stop_pid nats "$pid"
    rm -f "$NATS_PID"
    log "nats: stopped"
}

nats_status() {
    local pid; pid="$(nats_pid)"
    if [ -n "$pid" ]; then
        printf '%-11s running  port %-6s pid %s (monitor %s)\n' nats "$NATS_PORT" "$pid" "$NATS_MONITOR_PORT"; return 0
    fi
    printf '%-11s stopped  port %-6s\n' nats "$NATS_PORT"; return 1
}

# ---------------------------------------------------------------- clickhouse

ch_pid() {
    local pid; pid="$(read_pid "$CH_PID")"
    if pid_alive "$pid" clickhouse; then echo "$pid"; fi
}

ch_write_config() {
    mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$LOGDIR"
    cat >"$CH_CONFIG" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/services.sh on every start; edit the script, not this file. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$CH_LOG</log>
        <errorlog>$CH_ERRLOG</errorlog>
        <size>50M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$CH_HTTP_PORT</http_port>
    <tcp_port>$CH_TCP_PORT</tcp_port>
    <!-- No interserver_http_port: a single local server, nothing listens for replicas. -->
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$CH_DIR/data/</path>
    <tmp_path>$CH_DIR/tmp/</tmp_path>
    <user_files_path>$CH_DIR/user_files/</user_files_path>
    <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
    <users_config>$CH_USERS</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
    cat >"$CH_USERS" <<'EOF'
<?xml version="1.0"?>
<!-- Written by scripts/services.sh on every start; edit the script, not this file. -->
<yandex>
    <profiles>
        <!-- readonly=0: a query may still ask for readonly=1 (and max_execution_time) itself. -->
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
            <readonly>0</readonly>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

ch_query() {
    # ch_query PORT SQL  -> body on stdout; non-zero on HTTP error (ClickHouse errors are non-200).
    curl -sS -m 30 --fail-with-body "http://127.0.0.1:$1/" --data-binary "$2"
}

ch_start() {
    local bin pid
    bin="$(ch_server_bin)" || die "clickhouse-server not found; run: scripts/services.sh install"
    pid="$(ch_pid)"
    if [ -n "$pid" ]; then
        log "clickhouse: already running (pid $pid)"
        ch_query "$CH_HTTP_PORT" 'CREATE DATABASE IF NOT EXISTS croupier' >/dev/null \
            || die "clickhouse: running (pid $pid) but not answering on 127.0.0.1:$CH_HTTP_PORT"
        return 0
    fi
    local p
    for p in "$CH_HTTP_PORT" "$CH_TCP_PORT"; do
        port_open "$p" && die "clickhouse: port 127.0.0.1:$p is taken by another process; set CROUPIER_CH_HTTP_PORT / CROUPIER_CH_TCP_PORT"
    done
    ch_write_config
    rm -f "$CH_PID"
    log "clickhouse: starting on 127.0.0.1:$CH_HTTP_PORT (http) / $CH_TCP_PORT (native)"
    # Run from its own directory: the server may drop files (e.g. status) in its cwd.
    (cd "$CH_DIR" && exec setsid "$bin" --config-file="$CH_CONFIG" \
        </dev/null >>"$CH_STDOUT" 2>&1) &
    local child=$!
    local i=0
    until [ "$(curl -sS -m 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]; do
        i=$((i + 1))
        if ! kill -0 "$child" 2>/dev/null || [ "$i" -gt $((TIMEOUT * 5)) ]; then
            kill "$child" 2>/dev/null || true
            log_tail "$CH_ERRLOG" "$CH_STDOUT"
            die "clickhouse: did not answer http://127.0.0.1:$CH_HTTP_PORT/ping"
        fi
        sleep 0.2
    done
    echo "$child" >"$CH_PID"
    if ! ch_query "$CH_HTTP_PORT" 'CREATE DATABASE IF NOT EXISTS croupier' >/dev/null; then
        log_tail "$CH_ERRLOG"
        die "clickhouse: could not create database croupier"
    fi
    log "clickhouse: running (pid $(ch_pid), port $CH_HTTP_PORT)"
}

ch_stop() {
    local pid; pid="$(ch_pid)"
    if [ -z "$pid" ]; then log "clickhouse: not running"; rm -f "$CH_PID"; return 0; fi
    stop_pid clickhouse "$pid"
    rm -f "$CH_PID"
    log "clickhouse: stopped"
}

ch_status() {
    local pid; pid="$(ch_pid)"
    if [ -n "$pid" ]; then
        printf '%-11s running  port %-6s pid %s (native %s)\n' clickhouse "$CH_HTTP_PORT" "$pid" "$CH_TCP_PORT"; return 0
    fi
    printf '%-11s stopped  port %-6s\n' clickhouse "$CH_HTTP_PORT"; return 1
}

# ---------------------------------------------------------------- env

env_lines() {
    cat <<EOF
export CROUPIER_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/croupier
export CROUPIER_NATS_URL=nats://127.0.0.1:$NATS_PORT
export CROUPIER_CLICKHOUSE_URL=http://default@127.0.0.1:$CH_HTTP_PORT/croupier
export CROUPIER_PG_PORT=$PG_PORT
export CROUPIER_NATS_PORT=$NATS_PORT
export CROUPIER_NATS_MONITOR_PORT=$NATS_MONITOR_PORT
export CROUPIER_CH_HTTP_PORT=$CH_HTTP_PORT
export CROUPIER_CH_TCP_PORT=$CH_TCP_PORT
EOF
}

write_env() {
    mkdir -p "$LOCAL"
    local tmp="$LOCAL/env.tmp.$$"
    { echo "# Written by scripts/services.sh start; source it: . .local/env"; env_lines; } >"$tmp"
    mv -f "$tmp" "$LOCAL/env"
}

# ---------------------------------------------------------------- main

# Sets SERVICES=(...) from the optional service-name arguments (default: all).
SERVICES=()
parse_services() {
    SERVICES=()
    if [ "$#" -eq 0 ]; then SERVICES=("${ALL_SERVICES[@]}"); return 0; fi
    local s
    for s in "$@"; do
        case "$s" in
            postgres|postgresql|pg) SERVICES+=(postgres) ;;
            nats) SERVICES+=(nats) ;;
            clickhouse|ch) SERVICES+=(clickhouse) ;;
            *) die "unknown service '$s' (postgres|nats|clickhouse)" ;;
        esac
    done
}

usage() {
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
    local cmd="${1:-}"; shift || true
    case "$cmd" in
        install)
            cmd_install ;;
        start)
            local s
            command -v curl >/dev/null 2>&1 || die "curl not found; run: scripts/services.sh install"
            mkdir -p "$LOGDIR"
            parse_services "$@"
            for s in "${SERVICES[@]}"; do
                case "$s" in
                    postgres) pg_start ;;
                    nats) nats_start ;;
                    clickhouse) ch_start ;;
                esac
            done
            write_env ;;
        stop)
            local s
            parse_services "$@"
            for s in "${SERVICES[@]}"; do
                case "$s" in
                    postgres) pg_stop ;;
                    nats) nats_stop ;;
                    clickhouse) ch_stop ;;
                esac
            done ;;
        status)
            local s rc=0
            parse_services "$@"
            for s in "${SERVICES[@]}"; do
                case "$s" in
                    postgres) pg_status || rc=3 ;;
                    nats) nats_status || rc=3 ;;
                    clickhouse) ch_status || rc=3 ;;
                esac
            done
            return "$rc" ;;
        env)
            env_lines ;;
        -h|--help|help)
            usage ;;
        *)
            usage >&2; exit 2 ;;
    esac
}

# Sourced (scripts/cluster.sh reuses the install step, binary lookups and helpers): define only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
