"""A stand-in for Hub88's operator API, the part our server calls: the game list and game launch
URLs (POST /operator/generic/v2/game/list and /operator/generic/v2/game/url).

Like Hub88, it verifies X-Hub88-Signature on every request with the operator's public key (ours)
and refuses anything else with 401 {"error": "invalid signature"}. It records every request (the
body as received and whether its signature verified) for the tests to inspect.

It runs in-process on a ThreadingHTTPServer (stdlib) in a daemon thread:

    fake = FakeHub88API(operator_public_key=...)   # the key may also be given later with reset()
    fake.start()                                   # port 0: any free port; fake.base_url
    fake.requests(GAME_URL_PATH)                   # what the server sent, oldest first
    fake.stop()

What it answers can be changed between requests: `games` (the game list), `launch_url` (a
template with {token}), and `url_failure` / `list_failure` ((status, body bytes) to answer instead).
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

import hub88

GAME_LIST_PATH = "/operator/generic/v2/game/list"
GAME_URL_PATH = "/operator/generic/v2/game/url"
DEFAULT_LAUNCH_URL = "https://games.fake-hub88.test/launch?token={token}"
# The provider's image host. No name resolves to it here: browser tests answer it from
# conftest's fake CDN (a 1×1 PNG), so a page showing the games loads their pictures as it
# would from Hub88's CDN, and a test's order never decides whether a picture fails.
CDN = "https://cdn.fake-hub88.test"


def default_games() -> list[dict[str, Any]]:
    """Two games as Hub88's game list describes them, with fields a wallet need not know."""
    return [
        {"game_code": "fake_slot", "name": "Fake Slot", "category": "video-slots",
         "url_thumb": f"{CDN}/thumbs/fake_slot.png",
         "url_background": f"{CDN}/bg/fake_slot.jpg",
         "product": "Fake Studio", "platforms": ["GPL_DESKTOP", "GPL_MOBILE"], "enabled": True,
         "freebet_support": True, "blocked_countries": [], "release_date": "2024-01-15", "game_id": 9001},
        {"game_code": "fake_roulette", "name": "Fake Roulette", "category": "live-casino",
         "url_thumb": f"{CDN}/thumbs/fake_roulette.png",
         "url_background": None, "product": "Fake Live", "platforms": ["GPL_DESKTOP"], "enabled": True,
         "freebet_support": False, "blocked_countries": ["US"], "release_date": "2023-06-01", "game_id": 9002},
    ]


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature: str | None  # X-Hub88-Signature as received (None: missing)
    verified: bool         # whether it verified with the operator public key held at that moment
    answer_status: int = 0

    @property
    def json(self) -> Any:
        """The body decoded as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class _State:
    operator_public_key: rsa.RSAPublicKey | None = None
    games: list[dict[str, Any]] = field(default_factory=default_games)
    launch_url: str = DEFAULT_LAUNCH_URL
    url_failure: tuple[int, bytes] | None = None
    list_failure: tuple[int, bytes] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)


class FakeHub88API:
    def __init__(self, operator_public_key: rsa.RSAPublicKey | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self._lock = threading.Lock()
        self._state = _State(operator_public_key=operator_public_key)
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------------- lifecycle

    def start(self) -> "FakeHub88API":
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer((self._host, self._port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-hub88-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> "FakeHub88API":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake Hub88 API is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # -------------------------------------------------------------------- configuration

    def reset(self, operator_public_key: rsa.RSAPublicKey | None = None,
              games: list[dict[str, Any]] | None = None) -> None:
        """Forgets the recorded requests and every change; trusts `operator_public_key` from now on."""
        with self._lock:
            self._state = _State(operator_public_key=operator_public_key,
                                 games=default_games() if games is None else games)

    @property
    def operator_public_key(self) -> rsa.RSAPublicKey | None:
        with self._lock:
            return self._state.operator_public_key

    @operator_public_key.setter
    def operator_public_key(self, key: rsa.RSAPublicKey | None) -> None:
        with self._lock:
            self._state.operator_public_key = key

    @property
    def games(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._state.games

    @games.setter
    def games(self, games: list[dict[str, Any]]) -> None:
        with self._lock:
            self._state.games = games

    @property
    def launch_url(self) -> str:
        with self._lock:
            return self._state.launch_url

    @launch_url.setter
    def launch_url(self, template: str) -> None:
        with self._lock:
            self._state.launch_url = template

    @property
    def url_failure(self) -> tuple[int, bytes] | None:
        with self._lock:
            return self._state.url_failure

    @url_failure.setter
    def url_failure(self, failure: tuple[int, bytes] | None) -> None:
        with self._lock:
            self._state.url_failure = failure

    @property
    def list_failure(self) -> tuple[int, bytes] | None:
        with self._lock:
            return self._state.list_failure

    @list_failure.setter
    def list_failure(self, failure: tuple[int, bytes] | None) -> None:
        with self._lock:
            self._state.list_failure = failure

    def launch_url_for(self, token: str) -> str:
        """The URL game/url answers for `token`."""
        return self.launch_url.format(token=urllib.parse.quote(token, safe=""))

    # -------------------------------------------------------------------- what it saw

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Requests received so far (only those to `path` if given), oldest first."""
        with self._lock:
            return [r for r in self._state.requests if path is None or r.path == path]

    # -------------------------------------------------------------------- answering

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self._lock:
            state = self._state
            signature = next((v for k, v in headers.items() if k.lower() == hub88.SIGNATURE_HEADER.lower()), None)
            key = state.operator_public_key
            verified = key is not None and hub88.verify(body, signature, key)
            record = RecordedRequest(method=method, path=path, headers=headers, body=body, signature=signature,
                                     verified=verified)
            state.requests.append(record)
            status, answer = self._answer(state, record)
            record.answer_status = status
            return status, answer

    @staticmethod
    def _answer(state: _State, record: RecordedRequest) -> tuple[int, Any]:
        if record.method != "POST" or record.path not in (GAME_LIST_PATH, GAME_URL_PATH):
            return 404, {"error": "not found"}
        if not record.verified:
            return 401, {"error": "invalid signature"}
        body = record.json
        if not isinstance(body, dict):
            return 400, {"error": "body is not a JSON object"}
        if record.path == GAME_LIST_PATH:
            if state.list_failure is not None:
                return state.list_failure
            return 200, state.games
        if state.url_failure is not None:
            return state.url_failure
        token = body.get("token")
        if not isinstance(token, str) or not token:
            return 400, {"error": "token is required"}
        return 200, {"url": state.launch_url.format(token=urllib.parse.quote(token, safe=""))}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeHub88API
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is closed after this

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after the chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self, method: str) -> None:
        body = self._read_body() if method == "POST" else b""
        path = urllib.parse.urlsplit(self.path).path
        status, answer = self.owner._handle(method, path, {k: v for k, v in self.headers.items()}, body)
        raw = answer if isinstance(answer, (bytes, bytearray)) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve("POST")

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def log_message(self, format: str, *args: Any) -> None:  # the tests read fake.requests() instead
        pass
