#!/usr/bin/env bash
# Several copies of Croupier on one machine, to rehearse what production runs
# (docs/operations.md, "Rehearsal on one machine"):
#
#   HAProxy ──► croupier serve (serve-a, serve-b)        croupier worker
#                    │                                        │
#   PostgreSQL primary ──WAL──► streaming replica (pg_basebackup, standby.signal)
#   NATS JetStream, 3 nodes in one cluster (the stream keeps 3 replicas)
#   ClickHouse (one server), an SMTP relay (Tests/IdentityTests/smtp_server.py)
#
#   scripts/cluster.sh start       start everything (idempotent); writes .local/cluster/env
#   scripts/cluster.sh stop        stop everything this script started (by its pid files)
#   scripts/cluster.sh status      one line per process
#   scripts/cluster.sh clean       stop, then delete .local/cluster's data
#   scripts/cluster.sh test        clean, start, run the rehearsal (pytest cluster/), stop
#   scripts/cluster.sh kill NAME   SIGKILL one of serve-a, serve-b, worker
#   scripts/cluster.sh run NAME    start serve-a, serve-b or worker again
#   scripts/cluster.sh nats-stop N / nats-start N    stop (SIGTERM) or start NATS node 1, 2 or 3
#
# Everything listens on 127.0.0.1, with data, logs and pid files under .local/cluster/. Ports
# are CROUPIER_CLUSTER_PORT_BASE (default 63500) plus: 80 HAProxy, 81 its stats page, 1 and 2 the
# serve copies, 11-13 NATS clients, 21-23 NATS routes, 31-33 NATS monitoring, 41 PostgreSQL
# primary, 42 replica, 51 ClickHouse HTTP, 52 ClickHouse native, 61 SMTP.
# The binaries are scripts/services.sh's (its install step installs them), plus Debian's haproxy.
# CROUPIER_BIN names the croupier binary (default .build/debug/croupier); CLUSTER_KEEP=1 leaves
# the cluster running after `test`.
set -euo pipefail

CLUSTER_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/services.sh
source "$(dirname "$CLUSTER_SCRIPT")/services.sh"

CDIR="$LOCAL/cluster"
RUN="$CDIR/run"
CLOG="$CDIR/log"
ENV_FILE="$CDIR/env"
BASE="${CROUPIER_CLUSTER_PORT_BASE:-63500}"
BIN="${CROUPIER_BIN:-$ROOT/.build/debug/croupier}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
VENV_PY="$ROOT/.venv/bin/python"

LB_PORT=$((BASE + 80))
STATS_PORT=$((BASE + 81))
declare -A SERVE_PORT=([serve-a]=$((BASE + 1)) [serve-b]=$((BASE + 2)))
NATS_NODES=(1 2 3)
nats_client_port() { echo $((BASE + 10 + $1)); }
nats_route_port() { echo $((BASE + 20 + $1)); }
nats_monitor_port() { echo $((BASE + 30 + $1)); }
PRIMARY_PORT=$((BASE + 41))
REPLICA_PORT=$((BASE + 42))
CLUSTER_CH_HTTP=$((BASE + 51))
CLUSTER_CH_TCP=$((BASE + 52))
SMTP_PORT=$((BASE + 61))

PRIMARY_DATA="$CDIR/pg-primary/data"
PRIMARY_SOCK="$CDIR/pg-primary/run"
REPLICA_DATA="$CDIR/pg-replica/data"
REPLICA_SOCK="$CDIR/pg-replica/run"
SLOT=croupier_replica
# The made-up bot the rehearsal signs Telegram data with (e2e/conftest.py uses the same).
BOT_TOKEN="7000002:AAE2E-test-bot-token"

cluster_psql() {
    local port="$1"; shift
    "$(psql_bin)" -h 127.0.0.1 -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 "$@"
}

pidfile() { echo "$RUN/$1.pid"; }

# The pid recorded for NAME when that process is alive (and its executable matches WANT).
running_pid() {
    local pid; pid="$(read_pid "$(pidfile "$1")")"
    if pid_alive "$pid" "${2:-}"; then echo "$pid"; fi
}

# Starts a command in its own session (Ctrl-C in the caller's terminal does not reach it) and
# records its pid as NAME.
spawn() {
    local name="$1" log="$2"; shift 2
    ( exec setsid "$@" </dev/null >>"$log" 2>&1 ) &
    echo "$!" >"$(pidfile "$name")"
    # Not this shell's job: killing it on purpose is no news to report.
    disown "$!"
}

wait_for() {
    local what="$1" bound="$2"; shift 2
    local i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt $((bound * 5)) ]; then
            warn "cluster: $what not ready after ${bound}s"
            return 1
        fi
        sleep 0.2
    done
}

require_free() {
    local p
    for p in "$@"; do
        port_open "$p" && die "cluster: port 127.0.0.1:$p is taken; set CROUPIER_CLUSTER_PORT_BASE"
    done
    return 0
}

# ---------------------------------------------------------------- install

cluster_install() {
    cmd_install
    command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || {
        log "cluster: installing haproxy"
        apt-get -o DPkg::Lock::Timeout=900 -q update -qq
        apt-get -o DPkg::Lock::Timeout=900 install -y -q haproxy
    }
    [ -x "$VENV_PY" ] || "$ROOT/scripts/e2e-venv.sh"
    [ -x "$BIN" ] || die "cluster: $BIN not found: run 'swift build --product croupier' (or set CROUPIER_BIN)"
}

# ---------------------------------------------------------------- PostgreSQL

pg_running() { # DATA
    [ -s "$1/postmaster.pid" ] || return 1
    pid_alive "$(head -n 1 "$1/postmaster.pid" | tr -dc '0-9')" postgres
}

pg_start_at() { # DATA SOCK PORT NAME
    local data="$1" sock="$2" port="$3" name="$4" bindir
    bindir="$(pg_bindir)"
    if pg_running "$data"; then log "cluster: $name already running"; return 0; fi
    require_free "$port"
    mkdir -p "$sock"
    touch "$CLOG/$name.log"
    chown postgres:postgres "$sock" "$CLOG/$name.log" 2>/dev/null || true
    PG_DATA="$data" PG_SOCK="$sock" pg_write_conf
    as_pg "$bindir/pg_ctl" -D "$data" -l "$CLOG/$name.log" -w -t "$TIMEOUT" \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $sock" start >/dev/null \
        || { log_tail "$CLOG/$name.log"; die "cluster: $name did not start"; }
    wait_for "$name" "$TIMEOUT" cluster_psql "$port" -d postgres -c 'SELECT 1'
    log "cluster: $name on 127.0.0.1:$port"
}

pg_primary_start() {
    local bindir; bindir="$(pg_bindir)"
    mkdir -p "$CDIR/pg-primary"
    pg_ensure_traversable
    if [ ! -s "$PRIMARY_DATA/PG_VERSION" ]; then
        mkdir -p "$PRIMARY_DATA"
        chown postgres:postgres "$CDIR/pg-primary" "$PRIMARY_DATA" 2>/dev/null || true
        chmod 0700 "$PRIMARY_DATA"
        as_pg "$bindir/initdb" -D "$PRIMARY_DATA" -U postgres --auth=trust -E UTF8 --no-locale \
            >"$CLOG/initdb.log" 2>&1 || { log_tail "$CLOG/initdb.log"; die "cluster: initdb failed"; }
    fi
    pg_start_at "$PRIMARY_DATA" "$PRIMARY_SOCK" "$PRIMARY_PORT" pg-primary
    if [ "$(cluster_psql "$PRIMARY_PORT" -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'croupier'")" = 0 ]; then
        cluster_psql "$PRIMARY_PORT" -d postgres -c 'CREATE DATABASE croupier'
    fi
}

# A physical copy of the primary that follows its WAL: pg_basebackup -R writes standby.signal
# and primary_conninfo; the replication slot keeps the WAL the replica has not received yet.
pg_replica_start() {
    local bindir; bindir="$(pg_bindir)"
    if [ ! -s "$REPLICA_DATA/PG_VERSION" ]; then
        log "cluster: pg_basebackup from the primary into $REPLICA_DATA"
        cluster_psql "$PRIMARY_PORT" -d postgres \
            -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
        mkdir -p "$REPLICA_DATA"
        chown postgres:postgres "$CDIR/pg-replica" "$REPLICA_DATA" 2>/dev/null || true
        chmod 0700 "$REPLICA_DATA"
        as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DATA" \
            -X stream -R -C -S "$SLOT" --checkpoint=fast >"$CLOG/pg_basebackup.log" 2>&1 \
            || { log_tail "$CLOG/pg_basebackup.log"; die "cluster: pg_basebackup failed"; }
    fi
    [ -f "$REPLICA_DATA/standby.signal" ] || die "cluster: $REPLICA_DATA has no standby.signal"
    pg_start_at "$REPLICA_DATA" "$REPLICA_SOCK" "$REPLICA_PORT" pg-replica
    wait_for "streaming replication" "$TIMEOUT" replica_streaming
}

replica_streaming() {
    [ "$(cluster_psql "$PRIMARY_PORT" -d postgres -c "SELECT r.state FROM pg_stat_replication r
        JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = '$SLOT'" 2>/dev/null)" = streaming ]
}

pg_stop_at() { # DATA NAME
    local bindir; bindir="$(pg_bindir)"
    if ! pg_running "$1"; then return 0; fi
    as_pg "$bindir/pg_ctl" -D "$1" -m fast -w -t "$TIMEOUT" stop >/dev/null || warn "cluster: $2 did not stop cleanly"
    log "cluster: $2 stopped"
}

# ---------------------------------------------------------------- NATS

nats_config() { # N
    local n="$1" node
    local routes=()
    for node in "${NATS_NODES[@]}"; do routes+=("\"nats-route://127.0.0.1:$(nats_route_port "$node")\""); done
    mkdir -p "$CDIR/nats-$n/js"
    cat >"$CDIR/nats-$n/nats.conf" <<EOF
# Written by scripts/cluster.sh; edit the script, not this file.
server_name: "croupier-n$n"
listen: "127.0.0.1:$(nats_client_port "$n")"
http: "127.0.0.1:$(nats_monitor_port "$n")"
pid_file: "$RUN/nats-$n.pid"
log_file: "$CLOG/nats-$n.log"
jetstream {
    store_dir: "$CDIR/nats-$n/js"
    max_memory_store: 256MB
    max_file_store: 4GB
}
cluster {
    name: "croupier-rehearsal"
    listen: "127.0.0.1:$(nats_route_port "$n")"
    routes: [ $(IFS=,; echo "${routes[*]}") ]
}
EOF
}

nats_node_start() { # N
    local n="$1"
    if [ -n "$(running_pid "nats-$n" nats-server)" ]; then log "cluster: nats-$n already running"; return 0; fi
    require_free "$(nats_client_port "$n")" "$(nats_route_port "$n")" "$(nats_monitor_port "$n")"
    nats_config "$n"
    rm -f "$(pidfile "nats-$n")"
    spawn "nats-$n" "$CLOG/nats-$n.stdout.log" "$(nats_bin)" -c "$CDIR/nats-$n/nats.conf"
    wait_for "nats-$n" "$TIMEOUT" nats_healthy "$n" || { log_tail "$CLOG/nats-$n.log"; die "cluster: nats-$n did not start"; }
    log "cluster: nats-$n on 127.0.0.1:$(nats_client_port "$n") (routes $(nats_route_port "$n"), monitor $(nats_monitor_port "$n"))"
}

nats_healthy() {
    curl -fsS -m 2 "http://127.0.0.1:$(nats_monitor_port "$1")/healthz?js-enabled-only=true" | grep -q '"ok"'
}

# Every node knows the JetStream meta leader: the cluster can create replicated streams.
nats_meta_leader() {
    local n
    for n in "${NATS_NODES[@]}"; do
        curl -fsS -m 2 "http://127.0.0.1:$(nats_monitor_port "$n")/jsz" | grep -q '"leader": *"croupier-n' || return 1
    done
}

nats_node_stop() { # N
    local n="$1" pid
    pid="$(running_pid "nats-$n" nats-server)"
    if [ -z "$pid" ]; then return 0; fi
    stop_pid "nats-$n" "$pid"
    log "cluster: nats-$n stopped"
}

# ---------------------------------------------------------------- ClickHouse, SMTP relay

clickhouse_start() {
    CH_DIR="$CDIR/clickhouse" CH_CONFIG="$CDIR/clickhouse/config.xml" CH_USERS="$CDIR/clickhouse/users.xml"
    CH_LOG="$CLOG/clickhouse-server.log" CH_ERRLOG="$CLOG/clickhouse-server.err.log"
    CH_HTTP_PORT="$CLUSTER_CH_HTTP" CH_TCP_PORT="$CLUSTER_CH_TCP"
    if [ -n "$(running_pid clickhouse clickhouse)" ]; then log "cluster: clickhouse already running"; return 0; fi
    require_free "$CH_HTTP_PORT" "$CH_TCP_PORT"
    ch_write_config
    ( cd "$CH_DIR" && exec setsid "$(ch_server_bin)" --config-file="$CH_CONFIG" </dev/null >>"$CLOG/clickhouse.stdout.log" 2>&1 ) &
    echo "$!" >"$(pidfile clickhouse)"
    disown "$!"
    wait_for clickhouse "$TIMEOUT" ch_query "$CH_HTTP_PORT" 'SELECT 1' || { log_tail "$CH_ERRLOG"; die "cluster: clickhouse did not start"; }
    ch_query "$CH_HTTP_PORT" 'CREATE DATABASE IF NOT EXISTS croupier' >/dev/null
    log "cluster: clickhouse on 127.0.0.1:$CH_HTTP_PORT"
}

smtp_start() {
    if [ -n "$(running_pid smtp)" ]; then log "cluster: smtp relay already running"; return 0; fi
    require_free "$SMTP_PORT"
    mkdir -p "$CDIR/smtp"
    rm -f "$CDIR/smtp/ready"
    [ -s "$CDIR/smtp/password" ] || (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CDIR/smtp/password")
    # smtp_server.py exits when its parent goes: a shell stays its parent for as long as it runs.
    spawn smtp "$CLOG/smtp.log" bash -c '"$@"; exit $?' smtp-relay "$VENV_PY" "$ROOT/Tests/IdentityTests/smtp_server.py" \
        --port "$SMTP_PORT" --dir "$CDIR/smtp" --mode starttls --user relay --password "$(cat "$CDIR/smtp/password")"
    wait_for "the smtp relay" "$TIMEOUT" test -s "$CDIR/smtp/ready" || { log_tail "$CLOG/smtp.log"; die "cluster: smtp relay did not start"; }
    log "cluster: smtp relay on 127.0.0.1:$SMTP_PORT (mail in $CDIR/smtp/messages)"
}

smtp_stop() {
    local pid; pid="$(running_pid smtp)"
    [ -n "$pid" ] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || true
    stop_pid smtp "$pid"
}

# ---------------------------------------------------------------- croupier

write_env() {
    [ -s "$CDIR/secret_key" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CDIR/secret_key")
    local urls=() n
    for n in "${NATS_NODES[@]}"; do urls+=("nats://127.0.0.1:$(nats_client_port "$n")"); done
    cat >"$ENV_FILE" <<EOF
# Written by scripts/cluster.sh start: what every croupier process of the rehearsal (serve, worker, the CLI) shares.
export CROUPIER_ENV=test
export CROUPIER_PUBLIC_URL=http://127.0.0.1:$LB_PORT
export CROUPIER_DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/croupier
export CROUPIER_NATS_URL=$(IFS=,; echo "${urls[*]}")
export CROUPIER_NATS_STREAM_REPLICAS=3
export CROUPIER_CLICKHOUSE_URL=http://default@127.0.0.1:$CLUSTER_CH_HTTP/croupier
export CROUPIER_SECRET_KEY=$(cat "$CDIR/secret_key")
export CROUPIER_TRUSTED_PROXIES=127.0.0.1
export CROUPIER_TELEGRAM_BOT_TOKEN=$BOT_TOKEN
export CROUPIER_SMTP_URL=smtp://relay:$(cat "$CDIR/smtp/password")@localhost:$SMTP_PORT
export CROUPIER_SMTP_CA_FILE=$CDIR/smtp/ca.pem
export CROUPIER_MAIL_FROM=no-reply@croupier.test
export CROUPIER_PROVIDER_CACHE_SECONDS=1
# Facts for the rehearsal's test (cluster/test_rehearsal.py).
export CLUSTER_DIR=$CDIR
export CLUSTER_SCRIPT=$CLUSTER_SCRIPT
export CLUSTER_BIN=$BIN
export CLUSTER_LB_URL=http://127.0.0.1:$LB_PORT
export CLUSTER_STATS_URL=http://127.0.0.1:$STATS_PORT/stats
export CLUSTER_PG_PRIMARY_PORT=$PRIMARY_PORT
export CLUSTER_PG_REPLICA_PORT=$REPLICA_PORT
export CLUSTER_NATS_CLIENT_PORTS="$(for n in "${NATS_NODES[@]}"; do printf '%s ' "$(nats_client_port "$n")"; done)"
export CLUSTER_NATS_MONITOR_PORTS="$(for n in "${NATS_NODES[@]}"; do printf '%s ' "$(nats_monitor_port "$n")"; done)"
export CLUSTER_SERVE_PORTS="serve-a:${SERVE_PORT[serve-a]} serve-b:${SERVE_PORT[serve-b]}"
export CLUSTER_SMTP_DIR=$CDIR/smtp
EOF
}

croupier_migrate() {
    # shellcheck disable=SC1090 # written by write_env
    ( source "$ENV_FILE" && "$BIN" migrate ) >>"$CLOG/migrate.log" 2>&1 || { log_tail "$CLOG/migrate.log"; die "cluster: croupier migrate failed"; }
    log "cluster: migrated ($(grep -E '^(postgres|clickhouse):' "$CLOG/migrate.log" | tail -n 2 | tr '\n' ' '))"
}

serve_ready() { curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$1/health/ready"; }

croupier_start() { # serve-a | serve-b | worker
    local name="$1"
    if [ -n "$(running_pid "$name" croupier)" ]; then log "cluster: $name already running"; return 0; fi
    mkdir -p "$CDIR/$name"
    if [ "$name" = worker ]; then
        # shellcheck disable=SC2016 # expanded by the inner shell
        spawn worker "$CLOG/worker.log" bash -c 'source "$1" && export CROUPIER_DATA_DIR="$2" && exec "$3" worker' \
            worker "$ENV_FILE" "$CDIR/worker" "$BIN"
        [ -n "$(running_pid worker croupier)" ] || { log_tail "$CLOG/worker.log"; die "cluster: worker exited"; }
        log "cluster: worker running (pid $(running_pid worker croupier))"
        return 0
    fi
    local port="${SERVE_PORT[$name]:-}"
    [ -n "$port" ] || die "cluster: no such process '$name' (serve-a, serve-b, worker)"
    require_free "$port"
    # shellcheck disable=SC2016 # expanded by the inner shell
    spawn "$name" "$CLOG/$name.log" bash -c \
        'source "$1" && export CROUPIER_HTTP_HOST=127.0.0.1 CROUPIER_HTTP_PORT="$2" CROUPIER_DATA_DIR="$3" && exec "$4" serve' \
        "$name" "$ENV_FILE" "$port" "$CDIR/$name" "$BIN"
    local i=0
    until serve_ready "$port" 2>/dev/null; do
        i=$((i + 1))
        if [ -z "$(running_pid "$name" croupier)" ] || [ "$i" -gt $((300 * 5)) ]; then
            log_tail "$CLOG/$name.log"
            die "cluster: $name did not become ready on 127.0.0.1:$port/health/ready"
        fi
        sleep 0.2
    done
    log "cluster: $name ready on 127.0.0.1:$port (pid $(running_pid "$name" croupier))"
}

croupier_stop() { # NAME
    local pid; pid="$(running_pid "$1" croupier)"
    [ -n "$pid" ] || return 0
    stop_pid "$1" "$pid"
    log "cluster: $1 stopped"
}

croupier_kill() { # NAME
    local pid; pid="$(running_pid "$1" croupier)"
    [ -n "$pid" ] || die "cluster: $1 is not running"
    kill -KILL "$pid"
    local i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
    log "cluster: $1 (pid $pid) killed with SIGKILL"
}

# ---------------------------------------------------------------- HAProxy

haproxy_config() {
    cat >"$CDIR/haproxy.cfg" <<EOF
# Written by scripts/cluster.sh; edit the script, not this file. Learned from deploy/compose/haproxy.cfg.
global
    log stdout format raw local0
    maxconn 4000

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    timeout queue 30s
    timeout tunnel 1h
    # A request that fails on one copy is sent again, to the other copy (redispatch on every
    # retry), up to 3 times: when the connection is refused (always safe: nothing was sent), and,
    # for the requests that are safe to send twice (see the frontend), when the copy closed the
    # connection without an answer (it died), did not answer in time, or answered 502-504.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 502 503 504
    # A request can be sent again only if HAProxy had all of it when it first forwarded it: wait
    # for the whole body (a client may send it after the headers; Python's http.client does), at
    # most "timeout http-request".
    option http-buffer-request
    timeout http-request 10s

frontend http
    bind 127.0.0.1:$LB_PORT
    # Appends the client's address; croupier believes it from this proxy only (CROUPIER_TRUSTED_PROXIES).
    option forwardfor
    # Safe to send twice: reads, and the game providers' wallet calls, which are idempotent by
    # their transaction id (a repeated bet, win or rollback returns the first answer; balance and
    # info only read). Anything else (sign-in, launches, staff actions) is retried only when it
    # never reached a copy.
    acl read_only method GET HEAD OPTIONS
    acl provider_wallet path_beg /providers/
    http-request disable-l7-retry unless read_only || provider_wallet
    default_backend serve

backend serve
    balance roundrobin
    # A copy leaves the rotation after 2 failed checks of /health/ready a second apart, and
    # returns after 2 good ones.
    option httpchk GET /health/ready
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2
    server serve-a 127.0.0.1:${SERVE_PORT[serve-a]}
    server serve-b 127.0.0.1:${SERVE_PORT[serve-b]}

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
    stats refresh 5s
EOF
}

backends_up() {
    [ "$(curl -fsS -m 2 "http://127.0.0.1:$STATS_PORT/stats;csv" | awk -F, '$1 == "serve" && $2 ~ /^serve-/ && $18 == "UP"' | wc -l)" -eq 2 ]
}

haproxy_start() {
    if [ -n "$(running_pid haproxy haproxy)" ]; then log "cluster: haproxy already running"; return 0; fi
    require_free "$LB_PORT" "$STATS_PORT"
    haproxy_config
    haproxy -c -q -f "$CDIR/haproxy.cfg" || die "cluster: haproxy refused $CDIR/haproxy.cfg"
    spawn haproxy "$CLOG/haproxy.log" haproxy -db -f "$CDIR/haproxy.cfg"
    wait_for "both serve copies UP behind haproxy" "$TIMEOUT" backends_up || { log_tail "$CLOG/haproxy.log"; die "cluster: haproxy has no healthy copies"; }
    log "cluster: haproxy on 127.0.0.1:$LB_PORT (stats http://127.0.0.1:$STATS_PORT/stats)"
}

# ---------------------------------------------------------------- commands

cluster_start() {
    local started=$SECONDS n
    mkdir -p "$CDIR" "$RUN" "$CLOG"
    cluster_install
    pg_primary_start
    pg_replica_start
    clickhouse_start
    for n in "${NATS_NODES[@]}"; do nats_node_start "$n"; done
    wait_for "the JetStream meta leader" "$TIMEOUT" nats_meta_leader || die "cluster: the NATS nodes elected no JetStream leader"
    smtp_start
    write_env
    croupier_migrate
    # serve-a first: it takes the background leases before the others ask.
    croupier_start serve-a
    croupier_start serve-b
    croupier_start worker
    haproxy_start
    log "cluster: up in $((SECONDS - started)) s; environment in $ENV_FILE, logs in $CLOG"
}

cluster_stop() {
    local name n
    [ -d "$RUN" ] || return 0
    local pid; pid="$(running_pid haproxy haproxy)"
    [ -z "$pid" ] || stop_pid haproxy "$pid"
    for name in serve-a serve-b worker; do croupier_stop "$name"; done
    smtp_stop
    for n in 3 2 1; do nats_node_stop "$n"; done
    pid="$(running_pid clickhouse clickhouse)"
    [ -z "$pid" ] || stop_pid clickhouse "$pid"
    pg_stop_at "$REPLICA_DATA" pg-replica
    pg_stop_at "$PRIMARY_DATA" pg-primary
    log "cluster: stopped"
}

cluster_status() {
    local name pid n
    for name in haproxy serve-a serve-b worker smtp clickhouse nats-1 nats-2 nats-3; do
        pid="$(running_pid "$name")"
        if [ -n "$pid" ]; then printf '%-11s running pid %s\n' "$name" "$pid"; else printf '%-11s stopped\n' "$name"; fi
    done
    for name in pg-primary pg-replica; do
        local data="$PRIMARY_DATA"; [ "$name" = pg-replica ] && data="$REPLICA_DATA"
        if pg_running "$data"; then printf '%-11s running pid %s\n' "$name" "$(head -n 1 "$data/postmaster.pid")"
        else printf '%-11s stopped\n' "$name"; fi
    done
}

cluster_clean() {
    cluster_stop
    local keep
    for keep in "$CDIR"/*; do
        [ -e "$keep" ] || continue
        rm -rf "$keep"
    done
    log "cluster: data deleted"
}

cluster_test() {
    local status=0 started=$SECONDS
    cluster_clean
    if [ "${CLUSTER_KEEP:-0}" != 1 ]; then trap cluster_stop EXIT; fi
    cluster_start
    # shellcheck disable=SC1090,SC2086 # written by write_env; PYTEST_ARGS holds several flags
    ( source "$ENV_FILE" && cd "$ROOT" && "$VENV_PY" -m pytest -c cluster/pytest.ini cluster ${PYTEST_ARGS:-} ) || status=$?
    log "cluster: rehearsal finished in $((SECONDS - started)) s (exit $status); figures in $CDIR/report.json"
    return "$status"
}

main_cluster() {
    local cmd="${1:-}"; shift || true
    case "$cmd" in
        start) cluster_start ;;
        stop) cluster_stop ;;
        status) cluster_status ;;
        clean) cluster_clean ;;
        test) cluster_test ;;
        kill) croupier_kill "${1:?which: serve-a, serve-b or worker}" ;;
        run) croupier_start "${1:?which: serve-a, serve-b or worker}" ;;
        nats-stop) nats_node_stop "${1:?which node: 1, 2 or 3}" ;;
        nats-start) nats_node_start "${1:?which node: 1, 2 or 3}" ;;
        -h|--help|help) sed -n '2,26p' "$CLUSTER_SCRIPT" | sed 's/^# \{0,1\}//' ;;
        *) sed -n '2,26p' "$CLUSTER_SCRIPT" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main_cluster "$@"
fi
