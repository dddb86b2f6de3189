"""The rehearsal on one machine (docs/operations.md): what production runs, on loopback.

scripts/cluster.sh starts it and runs this module with .local/cluster/env in the environment:
HAProxy in front of two `croupier serve` copies (serve-a, serve-b), a `croupier worker`, a
PostgreSQL primary with a streaming replica, a 3-node NATS JetStream cluster (the stream keeps 3
replicas), ClickHouse and an SMTP relay.

Hub88 plays here as in e2e/test_hub88_conformance.py: its keys and signatures come from
e2e/hub88.py (Python's `cryptography`, independent of the server), its operator API is
e2e/fake_hub88_api.py, and the provider is registered with `croupier providers add`. Players sign
in through the balancer with signed Telegram data and the code mailed through the relay
(e2e/players.py), so sessions, CSRF tokens and mail cross copies.

Then players play rounds (bet, then a win, a zero win or a rollback) through the balancer and read
their wallet, while one serve copy (the one holding the background leases) is killed with
SIGKILL and started again, and then the JetStream stream's leader node is stopped and started
again. The client sends each call once and counts anything but a correct answer as lost; HAProxy
is the only one that retries (scripts/cluster.sh: `retry-on` with `option redispatch`, on the
wallet calls, idempotent by transaction_uuid, and on reads). A lost call is then re-sent as Hub88
would (same body), so that the balances stay comparable, and fails the test.

Afterwards: every outbox event is in the stream exactly once (Nats-Msg-Id = event id), the
ledger audit finds 0 violations, every player's ledger balance is what the answers said, the
replica has the same rows, and one process holds each lease. Figures go to
.local/cluster/report.json.

Live balances: the player pages poll GET /api/v1/wallet (public/js/play.js); there is no
WebSocket hub yet. So the players' wallet reads through the balancer stand for the browser's.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "e2e"))
# e2e/players.py runs its SQL (clearing sign-in rate limits) on the database CROUPIER_E2E_DB names.
os.environ["CROUPIER_E2E_DB"] = "croupier"

import hub88  # noqa: E402
import nats  # noqa: E402
from conftest import SMTPInbox  # noqa: E402
from fake_hub88_api import GAME_URL_PATH, FakeHub88API  # noqa: E402
from nats.js.api import DeliverPolicy  # noqa: E402
from players import PlayerClient, sign_in_new_player  # noqa: E402

PROVIDER = "hub88test"
OPERATOR_ID = 7
GAME = "fake_slot"
PLAYERS = int(os.environ.get("CLUSTER_PLAYERS", "4"))
START_FUNDS = "1000.00"
STREAM = "CROUPIER"
LEASES = ("identity-housekeeping", "originals-settlement")
U = hub88.units
# Bounds that only catch a hang.
BOUND_S = 180.0


def need(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set: run this through scripts/cluster.sh test (make cluster-test)", pytrace=False)
    return value


ENV = {k: v for k, v in os.environ.items()}
CLUSTER_DIR = Path(need("CLUSTER_DIR"))
SCRIPT = need("CLUSTER_SCRIPT")
BIN = need("CLUSTER_BIN")
LB = need("CLUSTER_LB_URL")
STATS = need("CLUSTER_STATS_URL")
PRIMARY = int(need("CLUSTER_PG_PRIMARY_PORT"))
REPLICA = int(need("CLUSTER_PG_REPLICA_PORT"))
NATS_SERVERS = need("CROUPIER_NATS_URL").split(",")
NATS_MONITORS = [int(p) for p in need("CLUSTER_NATS_MONITOR_PORTS").split()]
SERVE_PORTS = dict(item.split(":") for item in need("CLUSTER_SERVE_PORTS").split())

REPORT: dict[str, Any] = {"players": PLAYERS}
T0 = time.monotonic()


def now() -> float:
    return round(time.monotonic() - T0, 2)


# ---------------------------------------------------------------------------- the cluster's parts


def sql(port: int, statement: str) -> str:
    res = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "croupier", "-X", "-q", "-At",
                          "-v", "ON_ERROR_STOP=1", "-c", statement], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, f"psql on port {port} failed ({statement}):\n{res.stdout}{res.stderr}"
    return res.stdout.strip()


def cluster(*args: str) -> str:
    res = subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"scripts/cluster.sh {' '.join(args)} failed:\n{res.stdout}{res.stderr}"
    return res.stdout


def cli(*args: str) -> str:
    res = subprocess.run([BIN, *args], cwd=REPO, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"`croupier {' '.join(args)}` exited {res.returncode}\n{res.stdout}{res.stderr}"
    return res.stdout


def pids() -> dict[int, str]:
    """pid -> name of every croupier process the script started and that is alive."""
    found = {}
    for name in ("serve-a", "serve-b", "worker"):
        path = CLUSTER_DIR / "run" / f"{name}.pid"
        if path.exists():
            pid = int(path.read_text().strip() or 0)
            if pid and Path(f"/proc/{pid}").exists():
                found[pid] = name
    return found


def lease_key(name: str) -> int:
    """The advisory lock key of a lease, as AdvisoryLease computes it: FNV-1a (64 bits) of
    `croupier.lease.<name>`, as a signed integer."""
    value = 0xcbf29ce484222325
    for byte in f"croupier.lease.{name}".encode():
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def lease_holders() -> dict[str, list[str]]:
    """lease -> the processes (by name) whose lease session holds its advisory lock, from pg_locks
    joined with pg_stat_activity (a lease session is named `croupier leases pid <pid>`)."""
    names = {lease_key(lease): lease for lease in LEASES}
    rows = sql(PRIMARY, "SELECT (l.classid::bigint << 32) | l.objid::bigint, a.application_name FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                        "AND a.application_name LIKE 'croupier leases pid %'")
    processes = pids()
    holders: dict[str, list[str]] = {lease: [] for lease in LEASES}
    for line in rows.splitlines():
        key, application = line.split("|", 1)
        match = re.fullmatch(r"croupier leases pid (\d+)", application)
        assert match, f"unexpected application_name {application!r}"
        lease = names.get(int(key), f"key {key}")
        holders.setdefault(lease, []).append(processes.get(int(match[1]), f"pid {match[1]} (not ours)"))
    return holders


def backends() -> dict[str, dict[str, str]]:
    """HAProxy's view of the serve copies: name -> the stats CSV row."""
    with urllib.request.urlopen(STATS + ";csv", timeout=10) as r:
        text = r.read().decode().lstrip("# ")
    return {row["svname"]: row for row in csv.DictReader(io.StringIO(text)) if row["pxname"] == "serve"}


def wait(what: str, condition: Callable[[], bool], bound: float = BOUND_S, every: float = 0.2) -> float:
    """Waits for `condition`; returns how long it took. The bound only catches a hang."""
    started = time.monotonic()
    while True:
        try:
            if condition():
                return round(time.monotonic() - started, 2)
        except Exception:  # not there yet: a refused connection, a server busy electing a leader
            pass
        if time.monotonic() - started > bound:
            raise AssertionError(f"waited {bound:.0f} s for {what}")
        time.sleep(every)


def nats_monitor(port: int, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as r:
        return json.loads(r.read())


def stream_info() -> Any:
    async def go() -> Any:
        nc = await nats.connect(servers=NATS_SERVERS, connect_timeout=5, max_reconnect_attempts=2)
        try:
            return await nc.jetstream().stream_info(STREAM)
        finally:
            await nc.close()
    return asyncio.run(go())


def stream_message_ids(expected: int) -> list[str]:
    """Every message of the stream, in order: its Nats-Msg-Id."""
    async def go() -> list[str]:
        nc = await nats.connect(servers=NATS_SERVERS, connect_timeout=5)
        try:
            js = nc.jetstream()
            sub = await js.subscribe(f"{STREAM.lower()}.>", stream=STREAM, ordered_consumer=True,
                                     deliver_policy=DeliverPolicy.ALL)
            ids = []
            while len(ids) < expected:
                msg = await sub.next_msg(timeout=30)
                ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
            await sub.unsubscribe()
            return ids
        finally:
            await nc.close()
    return asyncio.run(go())


def retried_requests() -> dict[str, Any]:
    """From HAProxy's log: the requests it sent more than once (the retries field of a log line is
    `+N` when the request was redispatched to another copy), by path and by final status."""
    log = (CLUSTER_DIR / "log" / "haproxy.log").read_text(errors="replace")
    line = re.compile(r'^\S+ \[[^]]+\] http serve/(\S+) \S+ (\d{3}) .* \d+/\d+/\d+/\d+/(\+?)(\d+) \d+/\d+ "(\S+) (\S+)')
    retried: dict[str, int] = {}
    statuses: dict[str, int] = {}
    total = 0
    for text in log.splitlines():
        match = line.match(text)
        if not match:
            continue
        total += 1
        if int(match[4]) > 0:
            path = re.sub(r"^/providers/[^/]+/", "/providers/<code>/", match[6].split("?")[0])
            retried[f"{match[5]} {path}"] = retried.get(f"{match[5]} {path}", 0) + 1
            statuses[match[2]] = statuses.get(match[2], 0) + 1
    return {"requests_logged": total, "retried": sum(retried.values()), "retried_by_path": retried,
            "final_status_of_retried": statuses}


def stop_nats_node(node: int, why: str, mark: Callable[[str], None]) -> dict[str, Any]:
    """Stops NATS node `node` (SIGTERM), waits while it is down, starts it again; the figures."""
    name = f"croupier-n{node}"
    info = stream_info()
    was_leader = info.cluster.leader == name
    figures: dict[str, Any] = {"node": name, "why": why, "was_stream_leader": was_leader}
    mark(f"stop NATS node {name} ({why}; stream leader {info.cluster.leader})")
    stopped = time.monotonic()
    stopped_at = sql(PRIMARY, "SELECT now()")
    cluster("nats-stop", str(node))
    if was_leader:
        wait("a new stream leader", lambda: stream_info().cluster.leader not in (None, name))
        figures["new_stream_leader"] = stream_info().cluster.leader
        figures["new_stream_leader_after_s"] = round(time.monotonic() - stopped, 2)
        mark(f"stream leader is {figures['new_stream_leader']}")
    time.sleep(5)  # the cluster runs on two nodes while the players play
    figures["events_published_while_down"] = int(sql(PRIMARY, f"SELECT count(*) FROM outbox WHERE published_at > '{stopped_at}'"))
    mark(f"start NATS node {name} again")
    cluster("nats-start", str(node))
    figures["down_s"] = round(time.monotonic() - stopped, 2)
    wait(f"{name} to catch up with the stream",
         lambda: len(stream_info().cluster.replicas or []) == 2 and all(p.current for p in stream_info().cluster.replicas))
    figures["current_again_after_s"] = round(time.monotonic() - stopped, 2)
    mark(f"{name} back and current")
    return figures


# ---------------------------------------------------------------------------- players and their calls


@dataclass
class Seat:
    """A player at the fake slot: their session (through the balancer), their game token, and
    what their balance must be after every call answered so far (Hub88 units)."""

    player_id: int
    client: PlayerClient
    token: str
    expected: int


@dataclass
class Calls:
    """Every call the players made: when, how long, and what went wrong (None: a correct answer)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    records: list[tuple[str, float, float, str | None]] = field(default_factory=list)
    resent: int = 0

    def record(self, kind: str, started: float, ended: float, error: str | None) -> None:
        with self.lock:
            self.records.append((kind, started, ended, error))

    def summary(self) -> dict[str, Any]:
        with self.lock:
            records = list(self.records)
        by_kind: dict[str, int] = {}
        for kind, *_ in records:
            by_kind[kind] = by_kind.get(kind, 0) + 1
        failures = [(kind, round(s - T0, 2), e) for kind, s, _, e in records if e]
        latencies = sorted((end - start) * 1000 for _, start, end, e in records if e is None)
        ends = sorted(end for _, _, end, e in records if e is None)
        gap = max((b - a for a, b in zip(ends, ends[1:])), default=0.0)
        span = (ends[-1] - ends[0]) if len(ends) > 1 else 0.0

        def pct(p: float) -> float:
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else 0.0

        return {
            "sent": len(records), "by_kind": by_kind, "lost": len(failures), "lost_detail": failures[:20],
            "resent_by_client": self.resent, "per_second": round(len(ends) / span, 1) if span else 0.0,
            "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)},
            "over_1s": sum(1 for x in latencies if x > 1000), "longest_gap_between_answers_s": round(gap, 2),
        }


class Table:
    """The players, the provider's keys, and the calls they make through the balancer."""

    def __init__(self, provider_keys: hub88.KeyPair, seats: list[Seat]) -> None:
        self.caller = hub88.Hub88Caller(LB, PROVIDER, provider_keys.private_key, timeout=60)
        self.seats = seats
        self.calls = Calls()
        self.mismatches: list[str] = []

    def wallet(self, seat: Seat, endpoint: str, body: dict[str, Any], balance_after: int) -> None:
        """One wallet call; a wrong or missing answer is lost, then sent again as Hub88 would."""
        raw = hub88.encode(body)
        for attempt in range(1, 7):
            started = time.monotonic()
            error = None
            try:
                status, answer = self.caller.call(endpoint, raw)
                if status != 200 or not isinstance(answer, dict) or answer.get("status") != "RS_OK":
                    error = f"HTTP {status} {str(answer)[:160]}"
                elif answer.get("balance") != balance_after:
                    error = f"balance {answer.get('balance')} != {balance_after}"
                    self.mismatches.append(f"{endpoint} {body['transaction_uuid']}: {error}")
            except Exception as e:  # a refused connection, a timeout, an answer that is not JSON
                error = f"{type(e).__name__}: {str(e)[:160]}"
            self.calls.record(endpoint, started, time.monotonic(), error)
            if error is None:
                seat.expected = balance_after
                return
            with self.calls.lock:
                self.calls.resent += 1
            time.sleep(1)
        raise AssertionError(f"{endpoint} for player {seat.player_id} got no correct answer in 6 tries")

    def read_wallet(self, seat: Seat) -> None:
        """The player's wallet as the page reads it (GET /api/v1/wallet), once."""
        started = time.monotonic()
        error = None
        try:
            status, answer, _ = seat.client.call("GET", "/api/v1/wallet")
            eur = next((b for b in answer.get("balances", []) if b["currency"] == "EUR"), None) if status == 200 else None
            if eur is None:
                error = f"HTTP {status} {str(answer)[:160]}"
            elif int((Decimal(eur["real"]) + Decimal(eur["bonus"])) * 100_000) != seat.expected:
                error = f"wallet says {eur}, answers said {seat.expected}"
                self.mismatches.append(f"wallet of {seat.player_id}: {error}")
        except Exception as e:
            error = f"{type(e).__name__}: {str(e)[:160]}"
        self.calls.record("wallet", started, time.monotonic(), error)

    def play_round(self, seat: Seat, rng: random.Random) -> None:
        amount = U(f"{rng.randint(1, 5)}.00")
        round_id = "round-" + secrets.token_hex(8)
        bet = self.body(seat, round_id, amount, round_closed=False)
        self.wallet(seat, "transaction/bet", bet, seat.expected - amount)
        roll = rng.random()
        if roll < 0.1:
            rollback = {"user": str(seat.player_id), "transaction_uuid": str(uuid.uuid4()), "token": seat.token,
                        "round_closed": True, "round": round_id, "request_uuid": str(uuid.uuid4()),
                        "reference_transaction_uuid": bet["transaction_uuid"], "game_code": GAME, "meta": {}}
            self.wallet(seat, "transaction/rollback", rollback, seat.expected + amount)
        else:  # a zero win closes a lost round; the rest pay 0.5x to 2.5x: about 100 % returned
            win = 0 if roll < 0.4 else amount * rng.randint(1, 5) // 2
            body = self.body(seat, round_id, win, round_closed=True, reference=bet["transaction_uuid"])
            self.wallet(seat, "transaction/win", body, seat.expected + win)

    @staticmethod
    def body(seat: Seat, round_id: str, amount: int, round_closed: bool, reference: str | None = None) -> dict[str, Any]:
        body = {"user": str(seat.player_id), "transaction_uuid": str(uuid.uuid4()),
                "supplier_transaction_id": "sup-" + secrets.token_hex(6), "token": seat.token, "round_closed": round_closed,
                "round": round_id, "request_uuid": str(uuid.uuid4()), "is_free": False, "game_code": GAME,
                "currency": "EUR", "amount": amount, "meta": {}}
        if reference:
            body["reference_transaction_uuid"] = reference
        return body

    def play(self, seat: Seat, stop: threading.Event, seed: int) -> None:
        rng = random.Random(seed)
        rounds = 0
        while not stop.is_set():
            self.play_round(seat, rng)
            rounds += 1
            if rounds % 3 == 0:
                self.read_wallet(seat)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Table]:
    """The provider registered and synced with the CLI, PLAYERS players signed in through the
    balancer, funded with `croupier adjust`, each with a launched fake_slot session."""
    keys_dir = tmp_path_factory.mktemp("keys")
    provider_keys = hub88.generate_key_pair(keys_dir, "provider")
    operator_keys = hub88.generate_key_pair(keys_dir, "operator")
    started = time.monotonic()
    with FakeHub88API(operator_keys.public_key) as fake:
        cli("providers", "add", "--code", PROVIDER, "--name", "Hub88 (rehearsal fake)", "--dialect", "hub88",
            "--api-url", fake.base_url, "--operator-id", str(OPERATOR_ID), "--provider-key", str(provider_keys.public_pem),
            "--operator-key", str(operator_keys.private_pem), "--currencies", "EUR")
        cli("providers", "sync", PROVIDER)
        inbox = SMTPInbox(Path(need("CLUSTER_SMTP_DIR")))
        seats = []
        for _ in range(PLAYERS):
            player_id, client = sign_in_new_player(ENV, LB, inbox, "en", email_prefix="rehearsal")
            cli("adjust", f"--player={player_id}", "--currency=EUR", f"--amount={START_FUNDS}",
                "--reason=rehearsal funding", f"--key=rehearsal-{uuid.uuid4()}")
            csrf = client.ok("GET", "/api/v1/me")["csrfToken"]
            seen = len(fake.requests(GAME_URL_PATH))
            status, answer, _ = client.call("POST", "/api/v1/games/launch", {"game": f"{PROVIDER}:{GAME}", "currency": "EUR"},
                                            {"X-CSRF-Token": csrf})
            assert status == 200, f"launch -> {status} {answer}"
            token = fake.requests(GAME_URL_PATH)[seen:][0].json["token"]
            seats.append(Seat(player_id=player_id, client=client, token=token, expected=U(START_FUNDS)))
        REPORT["setup_s"] = round(time.monotonic() - started, 1)
        yield Table(provider_keys, seats)


# ---------------------------------------------------------------------------- the rehearsal


def test_the_cluster_is_what_production_runs() -> None:
    """Two copies UP behind HAProxy, a streaming replica, a 3-node JetStream cluster whose stream
    keeps 3 replicas, and each lease held by exactly one process."""
    rows = backends()
    assert {name: rows[name]["status"] for name in SERVE_PORTS} == {"serve-a": "UP", "serve-b": "UP"}, rows
    with urllib.request.urlopen(LB + "/health/ready", timeout=10) as r:
        assert r.status == 200

    state = sql(PRIMARY, "SELECT r.state || '|' || s.slot_name FROM pg_stat_replication r "
                         "JOIN pg_replication_slots s ON s.active_pid = r.pid")
    assert state == "streaming|croupier_replica", f"pg_stat_replication on the primary: {state!r}"
    assert sql(REPLICA, "SELECT pg_is_in_recovery()") == "t"
    assert sql(PRIMARY, "SELECT pg_is_in_recovery()") == "f"

    for port in NATS_MONITORS:
        meta = nats_monitor(port, "jsz")["meta_cluster"]
        assert meta["cluster_size"] == 3 and meta["leader"], f"JetStream meta cluster seen from :{port}: {meta}"
        assert nats_monitor(port, "routez")["num_routes"] == 2, f"node :{port} is not routed to both others"
    wait("the outbox relay to create the stream", lambda: stream_info() is not None, bound=60)
    info = stream_info()
    assert info.config.num_replicas == 3, f"stream {STREAM} has {info.config.num_replicas} replicas"
    assert info.cluster is not None and len(info.cluster.replicas or []) == 2, f"stream cluster: {info.cluster}"

    wait("each lease to have a holder", lambda: all(len(h) == 1 for h in lease_holders().values()), bound=60)
    holders = lease_holders()
    assert all(len(h) == 1 for h in holders.values()), f"lease holders: {holders}"
    REPORT["topology"] = {
        "stream": {"replicas": info.config.num_replicas, "leader": info.cluster.leader,
                   "followers": [p.name for p in info.cluster.replicas]},
        "replication": state, "lease_holders_at_start": holders,
    }


def test_play_through_the_balancer_while_a_copy_is_killed_and_a_nats_node_stops(table: Table) -> None:
    stop = threading.Event()
    timeline: list[tuple[float, str]] = []
    backlog: list[tuple[float, int]] = []

    def mark(what: str) -> None:
        timeline.append((now(), what))

    def sample_backlog() -> None:
        while not stop.is_set():
            try:
                backlog.append((now(), int(sql(PRIMARY, "SELECT count(*) FROM outbox WHERE published_at IS NULL"))))
            except AssertionError:
                pass
            stop.wait(0.5)

    players = [threading.Thread(target=table.play, args=(seat, stop, i), name=f"player-{i}", daemon=True)
               for i, seat in enumerate(table.seats)]
    sampler = threading.Thread(target=sample_backlog, daemon=True)
    started = time.monotonic()
    mark("load starts")
    for thread in players + [sampler]:
        thread.start()
    chaos: dict[str, Any] = {}
    try:
        time.sleep(8)  # the load runs on both copies before anything breaks

        # 1. SIGKILL the serve copy holding the leases (serve-a started first and took them).
        #    Times are counted from the moment the script was asked to kill it.
        before = lease_holders()
        victim = next((h[0] for h in before.values() if h and h[0].startswith("serve-")), "serve-a")
        mark(f"SIGKILL {victim} (lease holders {before})")
        killed = time.monotonic()
        cluster("kill", victim)
        chaos["killed"] = victim
        chaos["lease_holders_before_kill"] = before
        wait(f"HAProxy to take {victim} out", lambda: backends()[victim]["status"].startswith("DOWN"))
        chaos["haproxy_marked_down_after_s"] = round(time.monotonic() - killed, 2)
        mark(f"HAProxy marks {victim} DOWN")
        wait("another process to take every lease",
             lambda: all(len(h) == 1 and h[0] != victim for h in lease_holders().values()))
        chaos["leases_taken_over_after_s"] = round(time.monotonic() - killed, 2)
        chaos["lease_holders_after_kill"] = lease_holders()
        mark(f"leases held by {chaos['lease_holders_after_kill']}")
        time.sleep(3)  # one copy carries the load alone

        mark(f"start {victim} again")
        cluster("run", victim)
        chaos["restarted_and_ready_after_s"] = round(time.monotonic() - killed, 2)
        wait(f"HAProxy to take {victim} back", lambda: backends()[victim]["status"] == "UP")
        chaos["back_in_rotation_after_s"] = round(time.monotonic() - killed, 2)
        mark(f"{victim} UP again")
        time.sleep(3)

        # 2. Stop (SIGTERM) the NATS node the croupier processes are connected to, then the
        #    node leading the stream if that is another one; start each again.
        connections = {i + 1: nats_monitor(port, "varz").get("connections", 0) for i, port in enumerate(NATS_MONITORS)}
        busiest = max(connections, key=lambda n: connections[n])
        chaos["nats_client_connections_before"] = {f"croupier-n{n}": c for n, c in connections.items()}
        chaos["nats_stops"] = [stop_nats_node(busiest, "the node the croupier processes use", mark)]
        leader = int(stream_info().cluster.leader.rsplit("n", 1)[1])
        if leader != busiest:
            chaos["nats_stops"].append(stop_nats_node(leader, "the stream leader", mark))
        time.sleep(5)
    finally:
        stop.set()
        for thread in players + [sampler]:
            thread.join(timeout=120)
        mark("load stops")
        REPORT["load_s"] = round(time.monotonic() - started, 1)
        REPORT["chaos"] = chaos
        REPORT["timeline"] = timeline
        REPORT["outbox_backlog_max"] = max((n for _, n in backlog), default=0)
        REPORT["calls"] = table.calls.summary()
        REPORT["haproxy_retried_requests"] = retried_requests()
        rows = backends()
        REPORT["haproxy"] = {name: {"retries": int(rows[name]["wretr"] or 0), "redispatches": int(rows[name]["wredis"] or 0),
                                    "sessions": int(rows[name]["stot"] or 0)} for name in ("serve-a", "serve-b", "BACKEND")}

    calls = REPORT["calls"]
    assert not table.mismatches, f"answers disagreed with the client's books: {table.mismatches[:10]}"
    assert calls["lost"] == 0, f"{calls['lost']} calls got no correct answer through the balancer: {calls['lost_detail']}"
    assert calls["by_kind"].get("transaction/bet", 0) > 0 and calls["by_kind"].get("wallet", 0) > 0, calls


def test_every_outbox_event_reaches_the_stream_exactly_once() -> None:
    REPORT["outbox_drained_s"] = wait("the outbox to drain",
                                      lambda: sql(PRIMARY, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == "0")
    outbox = sql(PRIMARY, "SELECT event_id FROM outbox ORDER BY id").split()
    info = stream_info()
    ids = stream_message_ids(info.state.messages)
    missing = set(outbox) - set(ids)
    extra = set(ids) - set(outbox)
    duplicates = len(ids) - len(set(ids))
    REPORT["events"] = {"outbox": len(outbox), "stream_messages": info.state.messages, "missing_from_stream": len(missing),
                        "not_in_outbox": len(extra), "duplicates_in_stream": duplicates,
                        "stream_leader_at_end": info.cluster.leader,
                        "replicas_current": {p.name: p.current for p in info.cluster.replicas}}
    assert not missing, f"{len(missing)} outbox events never reached the stream, e.g. {sorted(missing)[:5]}"
    assert not extra, f"{len(extra)} stream messages are no outbox event, e.g. {sorted(extra)[:5]}"
    assert duplicates == 0, f"{duplicates} events are in the stream more than once"
    assert info.state.messages == len(outbox)


def test_the_ledger_audit_finds_nothing_and_balances_are_what_the_answers_said(table: Table) -> None:
    out = cli("audit")
    REPORT["audit"] = [line for line in out.splitlines() if line.startswith(("ledger audit", "audit chain"))]
    assert "ledger audit: 0 violations" in out, out
    for seat in table.seats:
        units = sql(PRIMARY, "SELECT coalesce(sum(balance), 0) FROM ledger_accounts "
                             f"WHERE player_id = {seat.player_id} AND currency = 'EUR' AND balance_kind IN ('real', 'bonus')")
        assert int(units) == seat.expected, f"player {seat.player_id}: ledger {units}, answers {seat.expected}"
        table.read_wallet(seat)
    assert not table.mismatches, table.mismatches[:10]


def test_the_replica_has_every_row() -> None:
    target = sql(PRIMARY, "SELECT pg_current_wal_lsn()")
    REPORT["replica_caught_up_s"] = wait(
        "the replica to replay the primary's WAL",
        lambda: sql(REPLICA, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t")
    for query in ("SELECT count(*), max(event_id::text) FROM outbox",
                  "SELECT count(*), sum(balance) FROM ledger_accounts",
                  "SELECT count(*) FROM identity_players"):
        assert sql(REPLICA, query) == sql(PRIMARY, query), f"the replica differs on {query}"
    lag = sql(PRIMARY, "SELECT coalesce(extract(epoch FROM replay_lag) * 1000, 0)::int FROM pg_stat_replication")
    REPORT["replica"] = {"rows_compared": ["outbox", "ledger_accounts", "identity_players"], "replay_lag_ms": int(lag or 0),
                         "outbox_rows_on_replica": sql(REPLICA, "SELECT count(*) FROM outbox")}


def test_each_lease_has_one_holder_at_the_end() -> None:
    holders = lease_holders()
    REPORT["lease_holders_at_end"] = holders
    REPORT["lease_sessions_at_end"] = sql(PRIMARY, "SELECT count(*) FROM pg_stat_activity "
                                                   "WHERE application_name LIKE 'croupier leases pid %'")
    assert all(len(h) == 1 for h in holders.values()), f"lease holders: {holders}"
    logs = {}
    for name in ("serve-a", "serve-b", "worker"):
        path = CLUSTER_DIR / "log" / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        logs[name] = {said: text.count(f'"{said}') for said in
                      ("lease acquired", "lease lost", "outbox relay paused", "outbox relay reconnected to NATS")}
    REPORT["log_lines"] = logs


@pytest.fixture(scope="module", autouse=True)
def write_report() -> Iterator[None]:
    yield
    REPORT["total_s"] = round(time.monotonic() - T0, 1)
    (CLUSTER_DIR / "report.json").write_text(json.dumps(REPORT, indent=2, default=str) + "\n")
