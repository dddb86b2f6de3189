"""Browser tests for Croupier: pytest + Playwright (sync API) on Debian's /usr/bin/chromium.

The session starts the real server binary (`croupier serve`) against the local services that
`scripts/services.sh start` runs (see `.local/env`), on a dedicated PostgreSQL database
`croupier_e2e` (and ClickHouse database `croupier_e2e`), both dropped and recreated per session.
Before the server it starts two local fakes the server is configured to use, and stops them after it:
  Tests/IdentityTests/oidc_provider.py  Telegram's OpenID Connect provider (fixture `oidc`)
  Tests/IdentityTests/smtp_server.py    an SMTP relay with STARTTLS, AUTH and its own CA; every
                                        mail the server sends arrives there (fixture `smtp_inbox`)
Hub88's operator API is played in-process by e2e/fake_hub88_api.py (fixture `fake_hub88`); it is
not in the server's environment: the tests that need it register it as a provider with the CLI.
Stripe's Checkout Sessions API is played in-process by e2e/fake_stripe_api.py (fixture
`fake_stripe`), NOWPayments' invoices and payouts by e2e/fake_nowpayments_api.py (fixture `fake_nowpayments`);
the server's CROUPIER_STRIPE_* and CROUPIER_NOWPAYMENTS_* settings point at them.

Environment:
  CROUPIER_BIN        server binary (default: <repo>/.build/debug/croupier)
  CROUPIER_E2E_PORT   HTTP port for the server (default: a free port)
  CROUPIER_CHROMIUM   browser binary (default: /usr/bin/chromium)
  CROUPIER_E2E_DB     database name (PostgreSQL and ClickHouse; upper-cased, the JetStream stream), so two
                      checkouts can run the suite at once (default: croupier_e2e)

A missing service or binary fails the run; nothing here skips.
Artifacts: e2e/artifacts/server.log (server-b.log, server-c.log: other copies), oidc_provider.log, smtp_server.log and
e2e/artifacts/screenshots/<test name>.png.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from fake_hub88_api import CDN as FAKE_HUB88_CDN, FakeHub88API
from fake_nowpayments_api import FakeNOWPaymentsAPI
from fake_stripe_api import FakeStripeAPI

REPO_ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = REPO_ROOT / "e2e"
ARTIFACTS = E2E_DIR / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "server.log"
SECOND_SERVER_LOG = ARTIFACTS / "server-b.log"
RESTARTED_SERVER_LOG = ARTIFACTS / "server-c.log"
OIDC_LOG = ARTIFACTS / "oidc_provider.log"
SMTP_LOG = ARTIFACTS / "smtp_server.log"
OIDC_PROVIDER = REPO_ROOT / "Tests" / "IdentityTests" / "oidc_provider.py"
SMTP_SERVER = REPO_ROOT / "Tests" / "IdentityTests" / "smtp_server.py"
ENV_FILE = REPO_ROOT / ".local" / "env"

E2E_DB = os.environ.get("CROUPIER_E2E_DB", "croupier_e2e")
# A made-up bot; the tests sign Telegram data with it the way Telegram does (players.py).
TELEGRAM_BOT_TOKEN = "7000002:AAE2E-test-bot-token"
# The same bot as an OpenID Connect client of the local provider (its client id is the bot id).
OIDC_CLIENT_ID = "7000002"
SMTP_USER = "relay"
MAIL_FROM = "no-reply@croupier.test"
# Bounds that only catch a hang: on a busy machine start-up and pages can take many seconds.
HELPER_STARTUP_TIMEOUT_S = 120.0
CHROMIUM = os.environ.get("CROUPIER_CHROMIUM", "/usr/bin/chromium")
STARTUP_TIMEOUT_S = 300.0
PAGE_TIMEOUT_MS = 60_000
# The e2e server's own JetStream stream, so its events never mix with a development server's.
E2E_STREAM = E2E_DB.upper()

# Viewports: a phone (iPhone 12-14 class) and a common laptop/desktop.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

LOCALES = {
    "en": ("en-US", "en-US,en;q=0.9"),
    "ru": ("ru-RU", "ru-RU,ru;q=0.9"),
}

# Collects console errors, uncaught page errors and CSP violations of every page we create.
_ERRORS: dict[int, list[str]] = {}
# Pages opened during the current test, screenshotted at its end.
_TEST_PAGES: list[tuple[Page, str]] = []

# What the fake provider CDN answers for every picture (fake_hub88_api.CDN).
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

CSP_RECORDER = """
(() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(
      `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || ''}:${e.lineNumber || 0}`);
  });
})();
"""


# ---------------------------------------------------------------------------- helpers


def _fail(msg: str) -> "pytest.NoReturn":  # type: ignore[name-defined]
    pytest.fail(msg, pytrace=False)


def _read_env_file(path: Path) -> dict[str, str]:
    """Parses `export KEY=VALUE` lines written by scripts/services.sh."""
    env: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def _log_tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text[-lines:]) or f"({path} is empty)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def _clickhouse(http_base: str, sql: str) -> str:
    req = urllib.request.Request(http_base + "/", data=sql.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        _fail(f"ClickHouse refused {sql!r}: {e.code} {e.read().decode(errors='replace')}")
    except OSError as e:
        _fail(f"ClickHouse at {http_base} is not reachable: {e}. Run `make services`.")


def _psql(port: int, *sql: str) -> None:
    psql = shutil.which("psql") or "/usr/bin/psql"
    cmd = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
           "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for statement in sql:
        cmd += ["-c", statement]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        _fail(f"psql failed ({' '.join(sql)}):\n{res.stdout}{res.stderr}\n"
              "Is PostgreSQL running? Run `make services`.")


def e2e_sql(service_env: dict[str, str], sql: str) -> str:
    """Runs `sql` on the croupier_e2e database the server uses; returns psql's unaligned output."""
    port = urllib.parse.urlsplit(service_env["CROUPIER_DATABASE_URL"]).port or 5432
    psql = shutil.which("psql") or "/usr/bin/psql"
    res = subprocess.run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", E2E_DB,
                          "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, f"psql on {E2E_DB} failed ({sql}):\n{res.stdout}{res.stderr}"
    return res.stdout.strip()


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._\[\]=-]+", "_", name)


def console_errors(page: Page) -> list[str]:
    """Console errors, uncaught exceptions and CSP violations seen by `page` so far."""
    errors = list(_ERRORS.get(id(page), []))
    try:
        violations = page.evaluate("() => window.__cspViolations || []")
    except Exception:  # page closed or navigating
        violations = []
    errors += [f"CSP violation: {v}" for v in violations]
    return errors


# ---------------------------------------------------------------------------- services


@pytest.fixture(scope="session")
def service_env() -> dict[str, str]:
    """The variables from .local/env, after checking every service answers."""
    if not ENV_FILE.exists():
        _fail(f"{ENV_FILE} is missing: start the services first (`make services` or "
              "`scripts/services.sh start`).")
    env = _read_env_file(ENV_FILE)
    for key in ("CROUPIER_DATABASE_URL", "CROUPIER_NATS_URL", "CROUPIER_CLICKHOUSE_URL"):
        if not env.get(key):
            _fail(f"{ENV_FILE} has no {key}; rerun `scripts/services.sh start`.")

    pg = urllib.parse.urlsplit(env["CROUPIER_DATABASE_URL"])
    nats = urllib.parse.urlsplit(env["CROUPIER_NATS_URL"])
    ch = urllib.parse.urlsplit(env["CROUPIER_CLICKHOUSE_URL"])
    down = []
    if not _tcp_open(pg.hostname or "127.0.0.1", pg.port or 5432):
        down.append(f"PostgreSQL {pg.hostname}:{pg.port}")
    if not _tcp_open(nats.hostname or "127.0.0.1", nats.port or 4222):
        down.append(f"NATS {nats.hostname}:{nats.port}")
    try:
        status, body = _http_get(f"http://{ch.hostname}:{ch.port}/ping")
        if status != 200 or body.strip() != "Ok.":
            down.append(f"ClickHouse {ch.hostname}:{ch.port} (/ping: {status} {body.strip()!r})")
    except OSError:
        down.append(f"ClickHouse {ch.hostname}:{ch.port}")
    if down:
        _fail("required services are down: " + ", ".join(down) +
              ". Start them with `make services` (scripts/services.sh start).")
    return env


@pytest.fixture(scope="session")
def e2e_databases(service_env: dict[str, str]) -> dict[str, str]:
    """Drops and recreates croupier_e2e in PostgreSQL and ClickHouse; returns their URLs."""
    pg = urllib.parse.urlsplit(service_env["CROUPIER_DATABASE_URL"])
    _psql(pg.port or 5432,
          f"DROP DATABASE IF EXISTS {E2E_DB} WITH (FORCE)",
          f"CREATE DATABASE {E2E_DB}")
    pg_url = urllib.parse.urlunsplit(pg._replace(path=f"/{E2E_DB}"))

    ch = urllib.parse.urlsplit(service_env["CROUPIER_CLICKHOUSE_URL"])
    ch_http = f"http://{ch.hostname}:{ch.port}"
    _clickhouse(ch_http, f"DROP DATABASE IF EXISTS {E2E_DB}")
    _clickhouse(ch_http, f"CREATE DATABASE {E2E_DB}")
    ch_url = urllib.parse.urlunsplit(ch._replace(path=f"/{E2E_DB}"))
    return {"CROUPIER_DATABASE_URL": pg_url, "CROUPIER_CLICKHOUSE_URL": ch_url}


# ---------------------------------------------------------------------------- local OIDC provider + SMTP relay


def _start_helper(name: str, cmd: list[str], directory: Path, log_path: Path) -> tuple[subprocess.Popen, int]:
    """Starts a helper script that writes `directory/ready` (its port) once it listens."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own descriptor
    ready = directory / "ready"
    deadline = time.monotonic() + HELPER_STARTUP_TIMEOUT_S
    while True:
        code = proc.poll()
        if code is not None:
            _fail(f"{name} exited with code {code} before it was ready.\n--- {log_path} (tail) ---\n{_log_tail(log_path)}")
        text = ready.read_text().strip() if ready.exists() else ""
        if text.isdigit():
            return proc, int(text)
        if time.monotonic() > deadline:
            _stop_helper(proc)
            _fail(f"{name} wrote no {ready} within {HELPER_STARTUP_TIMEOUT_S:.0f}s.\n"
                  f"--- {log_path} (tail) ---\n{_log_tail(log_path)}")
        time.sleep(0.05)


def _stop_helper(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@dataclass
class OIDCProvider:
    """The local OpenID Connect provider (Tests/IdentityTests/oidc_provider.py)."""

    base_url: str  # also its issuer
    client_id: str
    client_secret: str

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def control(self, user: dict[str, Any] | None, defect: str = "none") -> None:
        """Sets who the provider approves ({"id": int, "name": str, "preferred_username": str,
        "picture": str?}; None keeps the current user) and how it spoils the id_token of every code
        issued from now on: none, wrong_aud, expired, bad_signature, wrong_nonce, wrong_issuer,
        unknown_kid."""
        body: dict[str, Any] = {"defect": defect}
        if user is not None:
            body["user"] = user
        status, text = self._call("POST", "/control", body)
        assert status == 204, f"POST {self.base_url}/control -> {status}: {text[:300]!r}"

    def last_token_request(self) -> dict[str, Any]:
        """{"form": {...}, "basic_client_id": str|None} of the latest POST /token (form None if none yet)."""
        status, text = self._call("GET", "/control/last-token-request")
        assert status == 200, f"GET /control/last-token-request -> {status}"
        return json.loads(text)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCProvider]:
    """Runs the OIDC provider for the session (started before the server, stopped after it)."""
    directory = tmp_path_factory.mktemp("oidc")
    # Characters that must be form-urlencoded in HTTP Basic (RFC 6749 2.3.1) and in a form body.
    secret = secrets.token_urlsafe(24) + "+:/%"
    proc, port = _start_helper(
        "oidc_provider.py",
        # `--name=value`: one secret in 64 starts with "-", which argparse would take for an option.
        [sys.executable, str(OIDC_PROVIDER), "--port", "0", "--dir", str(directory),
         "--client-id", OIDC_CLIENT_ID, f"--client-secret={secret}"],
        directory, OIDC_LOG)
    try:
        yield OIDCProvider(base_url=f"http://127.0.0.1:{port}", client_id=OIDC_CLIENT_ID, client_secret=secret)
    finally:
        _stop_helper(proc)


@pytest.fixture
def oidc(oidc_provider: OIDCProvider, server: str) -> Iterator[OIDCProvider]:
    """The OIDC provider of the running server; puts its defect back to "none" after the test."""
    yield oidc_provider
    oidc_provider.control(None, "none")


@dataclass
class ReceivedMail:
    """One message the SMTP relay accepted (DIR/messages/<number>.json)."""

    number: int
    mail_from: str
    rcpt_tos: list[str]
    auth_user: str | None
    tls: bool
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The decoded text/plain part."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, f"mail #{self.number} to {self.rcpt_tos} has no text/plain part"
        return part.get_content()

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return None if part is None else part.get_content()


SIX_DIGITS = re.compile(r"(?<![0-9A-Za-z])(\d{6})(?![0-9A-Za-z])")


class SMTPInbox:
    """Mail received by the local SMTP relay during the session, oldest first.

    inbox()                       every message so far, as ReceivedMail
    inbox.mark()                  the number of the newest message so far (0: none), for `after`
    inbox.wait_for_mail(to, ...)  the newest message to `to` numbered above `after`, waiting for it
    inbox.wait_for_code(to, ...)  the 6-digit code in the text part of that message
    """

    def __init__(self, directory: Path) -> None:
        self.messages_dir = directory / "messages"
        self._parsed: dict[int, ReceivedMail] = {}

    def __call__(self) -> list[ReceivedMail]:
        numbers = sorted(int(p.stem) for p in self.messages_dir.glob("*.json") if p.stem.isdigit())
        for number in numbers:
            if number not in self._parsed:  # files are complete once they have their name
                raw = json.loads((self.messages_dir / f"{number}.json").read_text(encoding="utf-8"))
                message = email.message_from_string(raw["data"], policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                self._parsed[number] = ReceivedMail(
                    number=number, mail_from=raw["mail_from"], rcpt_tos=list(raw["rcpt_tos"]),
                    auth_user=raw["auth_user"], tls=bool(raw["tls"]), message=message)
        return [self._parsed[n] for n in numbers]

    def mark(self) -> int:
        messages = self()
        return messages[-1].number if messages else 0

    def wait_for_mail(self, recipient: str, timeout: float = 120, after: int = 0) -> ReceivedMail:
        wanted = recipient.strip().lower()
        deadline = time.monotonic() + timeout
        while True:
            matching = [m for m in self() if m.number > after and wanted in (r.lower() for r in m.rcpt_tos)]
            if matching:
                return matching[-1]
            if time.monotonic() > deadline:
                seen = [(m.number, m.rcpt_tos) for m in self()]
                raise AssertionError(f"no mail to {recipient} (after #{after}) arrived within {timeout:.0f}s; "
                                     f"received so far: {seen}")
            time.sleep(0.2)

    def wait_for_code(self, recipient: str, timeout: float = 120, after: int = 0) -> str:
        """The code in the newest mail to `recipient` (numbered above `after`). Pass
        `after=inbox.mark()` taken before the action that sends it when an earlier mail to the
        same address may exist."""
        mail = self.wait_for_mail(recipient, timeout, after)
        text = mail.text
        codes = SIX_DIGITS.findall(text)
        assert codes, f"no 6-digit code in mail #{mail.number} to {recipient}:\n{text}"
        linked = re.findall(r"[?&]code=(\d{6})\b", text)
        assert not linked or linked[0] == codes[0], f"the code and the link's code differ in:\n{text}"
        return codes[0]


@pytest.fixture(scope="session")
def smtp_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Runs smtp_server.py (STARTTLS, AUTH) for the session; yields port, user, password, dir, ca."""
    directory = tmp_path_factory.mktemp("smtp")
    password = "pw-" + secrets.token_urlsafe(16) + "@:/%"  # must be percent-encoded in the URL
    proc, port = _start_helper(
        "smtp_server.py",
        [sys.executable, str(SMTP_SERVER), "--port", "0", "--dir", str(directory), "--mode", "starttls",
         "--user", SMTP_USER, "--password", password],
        directory, SMTP_LOG)
    try:
        yield {"port": str(port), "user": SMTP_USER, "password": password, "dir": str(directory),
               "ca": str(directory / "ca.pem")}
    finally:
        _stop_helper(proc)


@pytest.fixture(scope="session")
def smtp_inbox(smtp_relay: dict[str, str], server: str) -> SMTPInbox:
    """Mail the server sent through the relay: smtp_inbox() lists it, smtp_inbox.wait_for_code(...)."""
    return SMTPInbox(Path(smtp_relay["dir"]))


@pytest.fixture(scope="session")
def wait_for_code(smtp_inbox: SMTPInbox) -> Callable[..., str]:
    """wait_for_code(email, timeout=120, after=0) -> the 6-digit code mailed to `email` (see SMTPInbox)."""
    return smtp_inbox.wait_for_code


@pytest.fixture(scope="session")
def fake_hub88() -> Iterator[FakeHub88API]:
    """Hub88's operator API (game list, game launch URLs), in-process on a free port for the whole
    session. It trusts no operator key until a test gives it one (fake_hub88.reset(key)); what it
    received is in fake_hub88.requests(path)."""
    fake = FakeHub88API()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


# ---------------------------------------------------------------------------- server


@pytest.fixture(scope="session")
def fake_stripe() -> Iterator[FakeStripeAPI]:
    """Stripe's Checkout Sessions API, in-process on a free port for the whole session; the server
    calls it with fake_stripe.api_key and its webhooks are signed with fake_stripe.webhook_secret."""
    fake = FakeStripeAPI(api_key="sk_test_" + secrets.token_hex(12))
    fake.webhook_secret = "whsec_" + secrets.token_hex(16)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def fake_nowpayments() -> Iterator[FakeNOWPaymentsAPI]:
    """NOWPayments' invoice, payment-status and mass-payout API, in-process on a free port for the
    whole session; the server calls it with fake_nowpayments.api_key and its payout login (email,
    password, base32 two_factor_secret), IPNs are signed with its ipn_secret."""
    fake = FakeNOWPaymentsAPI(
        api_key=secrets.token_hex(12).upper(), ipn_secret=secrets.token_urlsafe(24), email="payouts@casino.test",
        password="pw-" + secrets.token_urlsafe(12), two_factor_secret=base64.b32encode(secrets.token_bytes(20)).decode())
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def server_env(service_env: dict[str, str], e2e_databases: dict[str, str], oidc_provider: OIDCProvider,
               smtp_relay: dict[str, str], fake_stripe: FakeStripeAPI,
               fake_nowpayments: FakeNOWPaymentsAPI) -> dict[str, str]:
    """The server's whole environment; CLI commands run with it share its database and secret."""
    port = int(os.environ.get("CROUPIER_E2E_PORT") or _free_port())
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(service_env)
    env.update(e2e_databases)
    env.update({
        "CROUPIER_ENV": "test",
        "CROUPIER_HTTP_HOST": "127.0.0.1",
        "CROUPIER_HTTP_PORT": str(port),
        "CROUPIER_PUBLIC_URL": base,
        "CROUPIER_MIGRATE_ON_START": "true",
        "CROUPIER_SECRET_KEY": secrets.token_hex(32),
        "CROUPIER_TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "CROUPIER_TELEGRAM_OIDC_CLIENT_ID": oidc_provider.client_id,
        "CROUPIER_TELEGRAM_OIDC_CLIENT_SECRET": oidc_provider.client_secret,
        "CROUPIER_TELEGRAM_OIDC_ISSUER": oidc_provider.base_url,
        "CROUPIER_SMTP_URL": (f"smtp://{urllib.parse.quote(smtp_relay['user'], safe='')}:"
                              f"{urllib.parse.quote(smtp_relay['password'], safe='')}@localhost:{smtp_relay['port']}"),
        "CROUPIER_SMTP_CA_FILE": smtp_relay["ca"],
        "CROUPIER_MAIL_FROM": MAIL_FROM,
        "CROUPIER_NATS_STREAM": E2E_STREAM,
        # Staff switches (games, providers) count at once, so no test waits out a cache.
        "CROUPIER_PROVIDER_CACHE_SECONDS": "0",
        "CROUPIER_STRIPE_API_URL": fake_stripe.base_url,
        "CROUPIER_STRIPE_API_KEY": fake_stripe.api_key,
        "CROUPIER_STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
        "CROUPIER_NOWPAYMENTS_API_URL": fake_nowpayments.base_url,
        "CROUPIER_NOWPAYMENTS_API_KEY": fake_nowpayments.api_key,
        "CROUPIER_NOWPAYMENTS_IPN_SECRET": fake_nowpayments.ipn_secret,
        "CROUPIER_NOWPAYMENTS_EMAIL": fake_nowpayments.email,
        "CROUPIER_NOWPAYMENTS_PASSWORD": fake_nowpayments.password,
        "CROUPIER_NOWPAYMENTS_2FA_SECRET": fake_nowpayments.two_factor_secret,
    })
    return env


def croupier_binary() -> Path:
    """The `croupier` executable the tests run: CROUPIER_BIN or the debug build."""
    binary = Path(os.environ.get("CROUPIER_BIN", REPO_ROOT / ".build" / "debug" / "croupier"))
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not os.access(binary, os.X_OK):
        _fail(f"croupier binary {binary} not found or not executable: run `swift build` "
              "(or set CROUPIER_BIN).")
    return binary


@contextlib.contextmanager
def running_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Runs `croupier serve` with `env` until the block ends; yields its base URL once it answers."""
    binary = croupier_binary()
    base = env["CROUPIER_PUBLIC_URL"]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(binary), "serve"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last = "no answer yet"
        while True:
            code = proc.poll()
            if code is not None:
                log.flush()
                _fail(f"`{binary} serve` exited with code {code} before {base}/health/live answered.\n"
                      f"--- {log_path} (tail) ---\n{_log_tail(log_path)}")
            try:
                status, body = _http_get(f"{base}/health/live", timeout=2)
                if status == 200:
                    break
                last = f"HTTP {status}: {body[:200]}"
            except OSError as e:
                last = str(e)
            if time.monotonic() > deadline:
                _fail(f"{base}/health/live did not return 200 within {STARTUP_TIMEOUT_S:.0f}s "
                      f"(last: {last}).\n--- {log_path} (tail) ---\n{_log_tail(log_path)}")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="session")
def server(server_env: dict[str, str]) -> Iterator[str]:
    """Runs `croupier serve` for the whole session; yields its base URL."""
    with running_server(server_env, SERVER_LOG) as base:
        yield base


@pytest.fixture(scope="module")
def second_server(server: str, server_env: dict[str, str], service_env: dict[str, str]) -> Iterator[str]:
    """A second `croupier serve` copy on its own port, sharing the first one's database, NATS,
    stream and secret, as copies behind a load balancer do; yields its base URL. Its public URL
    is its own address, so that a browser talking to it directly is on the site's origin."""
    with running_server(another_copy_env(server_env, _free_port()), SECOND_SERVER_LOG) as base:
        yield base
    give_originals_back(service_env, server, base)


def another_copy_env(server_env: dict[str, str], port: int) -> dict[str, str]:
    """The environment of another `croupier serve` copy on `port`, its own address as public URL."""
    env = dict(server_env)
    env.update({"CROUPIER_HTTP_PORT": str(port), "CROUPIER_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    return env


def give_originals_back(service_env: dict[str, str], server: str, copy: str) -> None:
    """Each copy registers Croupier Originals at its own public URL as it starts (copies in
    production share one): once another copy stopped, the session's server gets it back."""
    e2e_sql(service_env, f"UPDATE games_providers SET api_url = '{server}/originals' WHERE code = 'originals'")
    e2e_sql(service_env, f"UPDATE games_catalog SET thumbnail_url = replace(thumbnail_url, '{copy}', '{server}') "
                         "WHERE provider = 'originals'")


@pytest.fixture(scope="session")
def base_url(server: str) -> str:
    return server


# The demo's rates (Sources/croupier/Demo.swift, EUR per unit), valid from the epoch.
FX_RATES_IN_EUR = {"USD": "0.92", "RUB": "0.0098", "USDT": "0.92", "BTC": "85000"}


@pytest.fixture(scope="session", autouse=True)
def fx_rates(server: str, service_env: dict[str, str]) -> None:
    """KYC limits sum every currency in the pivot (EUR) and refuse a movement in a currency
    without a rate (docs/compliance.md, "FX"). The e2e deployment gets the rates `croupier demo`
    gives a development one, once the server has migrated its database."""
    values = ", ".join(f"('{code}', 'epoch', {rate}, 'e2e')" for code, rate in FX_RATES_IN_EUR.items())
    e2e_sql(service_env, "INSERT INTO compliance_fx_rates (currency, valid_from, rate, set_by) "
                         f"VALUES {values} ON CONFLICT DO NOTHING")


def set_kyc_level(service_env: dict[str, str], player_id: int, level: int) -> None:
    """Puts a test player at a KYC level, as staff approving their documents would, for tests
    whose sums are above L0's limits (EUR 100 of deposits and 50 of withdrawals a day) and that
    are not about the limits themselves."""
    e2e_sql(service_env, "INSERT INTO compliance_player_levels (player_id, level, set_by) "
                         f"VALUES ({int(player_id)}, {int(level)}, 'e2e') "
                         "ON CONFLICT (player_id) DO UPDATE SET level = EXCLUDED.level")


@pytest.fixture
def fresh_sign_in_limits(service_env: dict[str, str], server: str) -> None:
    """Empties the per-address sign-in rate limit buckets (60 a minute per address, kept in
    identity_rate_limits): every test connects from 127.0.0.1, so without this a test that signs in
    several times could be refused because of what the tests before it did in the same minute."""
    e2e_sql(service_env, "DELETE FROM identity_rate_limits WHERE bucket LIKE 'ip:%'")


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        _fail(f"{CHROMIUM} not found: run `scripts/services.sh install` (Debian's chromium). "
              "Never `playwright install`.")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield b
    b.close()


@pytest.fixture
def new_page(browser: Browser, base_url: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Factory: new_page(lang="en"|"ru", viewport="desktop"|"phone"|{...}) -> Page.

    Each page gets its own browser context (fresh cookies) with matching locale and
    Accept-Language, records console errors / CSP violations (see console_errors), and is
    screenshotted to e2e/artifacts/screenshots/<test name>.png when the test ends.
    """
    contexts: list[BrowserContext] = []

    def make(lang: str = "en", viewport: str | dict = "desktop", name: str | None = None) -> Page:
        locale, accept = LOCALES[lang]
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        ctx = browser.new_context(
            base_url=base_url,
            locale=locale,
            extra_http_headers={"Accept-Language": accept},
            viewport=size,
            device_scale_factor=1,
            is_mobile=size["width"] < 600,
            has_touch=size["width"] < 600,
        )
        ctx.set_default_timeout(PAGE_TIMEOUT_MS)
        ctx.add_init_script(CSP_RECORDER)
        ctx.route(f"{FAKE_HUB88_CDN}/**", lambda route: route.fulfill(status=200, content_type="image/png", body=ONE_PIXEL_PNG))
        contexts.append(ctx)
        page = ctx.new_page()
        errors = _ERRORS.setdefault(id(page), [])
        page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text} ({m.location})")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        suffix = f"-{name}" if name else ("" if not _TEST_PAGES else f"--{len(_TEST_PAGES) + 1}")
        _TEST_PAGES.append((page, suffix))
        return page

    _TEST_PAGES.clear()
    yield make
    base = _safe_name(request.node.name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page, suffix in _TEST_PAGES:
        try:
            if not page.is_closed():
                page.screenshot(path=str(SCREENSHOTS / f"{base}{suffix}.png"), full_page=True)
        except Exception as e:  # a screenshot must never hide the test's own result
            print(f"screenshot of {base}{suffix} failed: {e}")
        _ERRORS.pop(id(page), None)
    _TEST_PAGES.clear()
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page_en(new_page: Callable[..., Page]) -> Page:
    """Desktop page, locale en-US, Accept-Language en."""
    return new_page("en")


@pytest.fixture
def page_ru(new_page: Callable[..., Page]) -> Page:
    """Desktop page, locale ru-RU, Accept-Language ru."""
    return new_page("ru")


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Callable[[str], Page]:
    """phone_page(lang) -> Page with a 390x844 touch viewport."""
    return lambda lang="en": new_page(lang, "phone")


@pytest.fixture
def desktop_page(new_page: Callable[..., Page]) -> Callable[[str], Page]:
    """desktop_page(lang) -> Page with a 1440x900 viewport."""
    return lambda lang="en": new_page(lang, "desktop")


# ---------------------------------------------------------------------------- reporting


def pytest_sessionstart(session: pytest.Session) -> None:
    # expect(...) assertions wait for their condition up to this bound (Playwright's is 5 s).
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    # Screenshots are per run: drop the previous run's so none are mistaken for this one's.
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    # On a failed test, show what the server logged last.
    if report.failed and report.when == "call" and SERVER_LOG.exists():
        report.sections.append(("server log (tail)", _log_tail(SERVER_LOG, 40)))
    if report.failed and report.when == "call" and "oidc" in getattr(item, "fixturenames", ()) and OIDC_LOG.exists():
        report.sections.append(("OIDC provider log (tail)", _log_tail(OIDC_LOG, 15)))
