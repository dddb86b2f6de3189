"""OpenTelemetry traces, end to end (docs/operations.md, "Traces"): one Hub88 bet to a `croupier
serve` started with CROUPIER_OTEL_ENDPOINT is one trace, from the HTTP server span down to the
ledger's SQL span, received by a local OTLP/HTTP collector; a server without the variable sends
nothing, even with the standard OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector.

The collector here is a small http.server accepting POST /v1/traces (protobuf
ExportTraceServiceRequest, decoded with opentelemetry-proto). The two servers of this module run
beside the session's server on the same databases (copies coordinate through PostgreSQL); the
provider is registered, the player signed in, funded and the game launched through the session's
server with the helpers of test_hub88_conformance.py, and each server takes one bet.
"""
from __future__ import annotations

import gzip
import os
import signal
import subprocess
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

import hub88
from conftest import ARTIFACTS, REPO_ROOT, STARTUP_TIMEOUT_S, SMTPInbox, _free_port, _http_get, _log_tail, croupier_binary
from fake_hub88_api import GAME_URL_PATH, FakeHub88API
from test_hub88_conformance import BET, RS_OK, SLOT, Hub88World, Launched, bet_body, expect, registered_world

PROVIDER = "hub88trace"
# The batch span processor's delay (OTEL_BSP_SCHEDULE_DELAY, ms): the default 5 s only slows the test.
BATCH_DELAY_MS = "200"
# Bounds that only catch a hang; nothing here asserts how fast anything was.
RECEIVE_TIMEOUT_S = 60.0
BET_ROUTE = "/providers/{code}/transaction/bet"


# ---------------------------------------------------------------------------- the collector


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    attributes: dict[str, Any]
    status: int
    resource: dict[str, Any]


def _value(value: common_pb2.AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, which) if which else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs}


class OTLPReceiver:
    """An OTLP/HTTP trace collector on a free local port; `spans` is everything it decoded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_response(404 if self.path != "/v1/traces" else 415)
                    self.end_headers()
                    return
                request = trace_service_pb2.ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver._add(request)
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "OTLPReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _add(self, request: trace_service_pb2.ExportTraceServiceRequest) -> None:
        spans = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans.append(ReceivedSpan(
                        trace_id=span.trace_id.hex(), span_id=span.span_id.hex(), parent_span_id=span.parent_span_id.hex(),
                        name=span.name, kind=span.kind, attributes=_attributes(span.attributes), status=span.status.code,
                        resource=resource))
        with self._lock:
            self.posts += 1
            self._spans.extend(spans)

    @property
    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def wait_for(self, find: Callable[[list[ReceivedSpan]], Any]) -> Any:
        """The first truthy find(spans) within RECEIVE_TIMEOUT_S, else None."""
        deadline = time.monotonic() + RECEIVE_TIMEOUT_S
        while True:
            found = find(self.spans)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


# ---------------------------------------------------------------------------- more servers


@contextmanager
def serving(base_env: dict[str, str], name: str, **settings: str) -> Iterator[str]:
    """Another `croupier serve` on a free port with the session server's environment plus
    `settings` (and no CROUPIER_OTEL_ENDPOINT unless given); yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in base_env.items() if k != "CROUPIER_OTEL_ENDPOINT"}
    env.update({"CROUPIER_HTTP_PORT": str(port), "CROUPIER_PUBLIC_URL": f"http://127.0.0.1:{port}", **settings})
    base, log_path = env["CROUPIER_PUBLIC_URL"], ARTIFACTS / f"server-{name}.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(croupier_binary()), "serve"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"the {name} server exited with {proc.returncode}:\n{_log_tail(log_path)}"
            try:
                if _http_get(f"{base}/health/live", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the {name} server did not start:\n{_log_tail(log_path)}"
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


# ---------------------------------------------------------------------------- the bets


@dataclass
class Bets:
    traced: OTLPReceiver
    untraced: OTLPReceiver
    traced_bet: dict[str, Any]
    traced_headers: Any
    untraced_headers: Any
    player_email: str
    token: str
    bet_trace: list[ReceivedSpan] = field(default_factory=list)


def _bet_trace(trace_id: str | None) -> Callable[[list[ReceivedSpan]], list[ReceivedSpan]]:
    """The spans of `trace_id` once its bet's server span and a ledger SQL span arrived."""
    def find(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
        trace = [s for s in spans if s.trace_id == trace_id]
        has_server = any(s.attributes.get("http.route") == BET_ROUTE for s in trace)
        has_ledger = any(str(s.attributes.get("code.file.path", "")).startswith("Ledger/") for s in trace)
        return trace if has_server and has_ledger else []
    return find


@pytest.fixture(scope="module")
def bets(fake_hub88: FakeHub88API, server: str, server_env: dict[str, str], service_env: dict[str, str],
         smtp_inbox: SMTPInbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bets]:
    world = registered_world(PROVIDER, "Hub88 (traces)", fake_hub88, server, server_env, service_env, smtp_inbox,
                             tmp_path_factory.mktemp("trace-keys"))
    player = world.sign_in("en")
    world.fund(player)
    status, answer, _ = world.launch_raw(player.client, f"{PROVIDER}:{SLOT}", "EUR", player.csrf)
    assert status == 200, f"launching {PROVIDER}:{SLOT} -> {status}: {answer}"
    launch = fake_hub88.requests(GAME_URL_PATH)[-1]
    session = Launched(player=player, game=SLOT, currency="EUR", token=launch.json["token"], url=answer["url"], request=launch)

    with ExitStack() as stack:
        traced, untraced = stack.enter_context(OTLPReceiver()), stack.enter_context(OTLPReceiver())
        traced_url = stack.enter_context(serving(server_env, "traced", CROUPIER_OTEL_ENDPOINT=traced.base_url,
                                                 OTEL_BSP_SCHEDULE_DELAY=BATCH_DELAY_MS))
        untraced_url = stack.enter_context(serving(server_env, "untraced", OTEL_EXPORTER_OTLP_ENDPOINT=untraced.base_url,
                                                   OTEL_BSP_SCHEDULE_DELAY=BATCH_DELAY_MS))

        # The server without the variable bets first, so it had every chance to export by the
        # time the traced server's bet has arrived.
        untraced_caller = hub88.Hub88Caller(untraced_url, PROVIDER, world.provider_keys.private_key)
        expect(world.call(BET, bet_body(session, 100), caller=untraced_caller), RS_OK)
        traced_caller = hub88.Hub88Caller(traced_url, PROVIDER, world.provider_keys.private_key)
        traced_bet = bet_body(session, 250)
        expect(world.call(BET, traced_bet, caller=traced_caller), RS_OK)

        bets = Bets(traced=traced, untraced=untraced, traced_bet=traced_bet, traced_headers=traced_caller.last_headers,
                    untraced_headers=untraced_caller.last_headers, player_email=player.email, token=session.token)
        bets.bet_trace = traced.wait_for(_bet_trace(bets.traced_headers.get("X-Trace-ID")))
        yield bets


# ---------------------------------------------------------------------------- tests


def _reaches(span: ReceivedSpan, ancestor: ReceivedSpan, trace: list[ReceivedSpan]) -> bool:
    by_id = {s.span_id: s for s in trace}
    seen: set[str] = set()
    while span.parent_span_id and span.parent_span_id not in seen:
        if span.parent_span_id == ancestor.span_id:
            return True
        seen.add(span.parent_span_id)
        parent = by_id.get(span.parent_span_id)
        if parent is None:
            return False
        span = parent
    return False


def test_a_hub88_bet_is_one_trace_from_the_http_span_to_the_ledger_sql(bets: Bets) -> None:
    trace_id = bets.traced_headers.get("X-Trace-ID")
    assert trace_id and len(trace_id) == 32, f"the traced server's bet answered X-Trace-ID {trace_id!r}"
    trace = bets.bet_trace
    names = sorted({s.name for s in bets.traced.spans})
    assert trace, f"no trace {trace_id} with the bet's server span and a ledger SQL span arrived; spans seen: {names}"

    servers = [s for s in trace if s.kind == trace_pb2.Span.SPAN_KIND_SERVER]
    assert len(servers) == 1, f"the bet's trace has {len(servers)} server spans: {[s.name for s in servers]}"
    http = servers[0]
    assert http.name == f"POST {BET_ROUTE}", http.name
    assert http.attributes.get("http.request.method") == "POST" and http.attributes.get("http.response.status_code") == 200, \
        http.attributes
    assert http.parent_span_id == "", "the bet came without a traceparent: its server span is the trace's root"
    assert http.resource.get("service.name") == "croupier", http.resource

    sql = [s for s in trace if s.attributes.get("db.system") == "postgresql"]
    assert sql, f"the bet's trace has no SQL span: {[s.name for s in trace]}"
    for span in sql:
        assert span.kind == trace_pb2.Span.SPAN_KIND_CLIENT, f"{span.name} is of kind {span.kind}"
        assert _reaches(span, http, trace), f"{span.name}'s parents do not lead to the HTTP span"
    ledger = [s for s in sql if str(s.attributes.get("code.file.path")).startswith("Ledger/")]
    assert ledger, f"no SQL span of the ledger among {[s.name for s in sql]}"
    assert all(s.name.startswith("postgresql Ledger.") for s in ledger), [s.name for s in ledger]


def test_the_bets_trace_carries_no_request_values(bets: Bets) -> None:
    """Neither the bet's ids, its session token nor the player's e-mail is in any span."""
    assert bets.bet_trace, "the bet's trace did not arrive (see the test above)"
    secrets_sent = [bets.traced_bet["transaction_uuid"], bets.traced_bet["request_uuid"], bets.token, bets.player_email]
    for span in bets.bet_trace:
        for key, value in span.attributes.items():
            assert not any(s in str(value) for s in secrets_sent), f"{span.name} carries {key}={value!r}"


def test_a_server_without_the_variable_exports_nothing(bets: Bets) -> None:
    assert bets.bet_trace, "the traced server's bet never arrived, so silence from the other proves nothing"
    assert bets.untraced_headers.get("X-Trace-ID") is None, "an untraced server answered with a trace id"
    assert bets.untraced.posts == 0 and bets.untraced.spans == [], \
        f"the server without CROUPIER_OTEL_ENDPOINT sent {bets.untraced.posts} exports: {[s.name for s in bets.untraced.spans]}"


def test_stopping_the_server_flushes_its_spans(server_env: dict[str, str], server: str) -> None:
    """The exporter runs first in the service group, so it stops last: what the server recorded
    before SIGTERM is sent while it stops, however long the batch delay."""
    with OTLPReceiver() as receiver:
        with serving(server_env, "flushed", CROUPIER_OTEL_ENDPOINT=receiver.base_url, OTEL_BSP_SCHEDULE_DELAY="600000") as url:
            status, _ = _http_get(f"{url}/")
            assert status == 200
            assert receiver.posts == 0, "a 10-minute batch delay exported before the server stopped"
        assert any(s.name == "GET /" for s in receiver.spans), \
            f"the stopped server flushed no request span: {[s.name for s in receiver.spans]}"
