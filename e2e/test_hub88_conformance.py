"""Hub88 seamless wallet, end to end: a provider registered with the CLI, its games synced from a
fake Hub88 operator API, a game launched by a signed-in player through the JSON API, and then the
provider's calls into our wallet (/providers/<code>/user/info, user/balance, transaction/bet, win,
rollback) with every status our server must answer.

Who plays what:
  e2e/fake_hub88_api.py  Hub88's operator API (game/list, game/url), in-process (fixture
                         `fake_hub88`). It verifies our X-Hub88-Signature with our operator public
                         key and records every request; the launch token reaches us through it.
  e2e/hub88.py           Hub88 calling our wallet: bodies serialised once, exactly those bytes
                         signed with the provider's private key (RSA-SHA256, PKCS#1 v1.5, base64).
Both key pairs are generated per module; the provider is registered as `hub88test`, operator id 7.

Balances are checked three ways: the amount in each answer, what the test expects, and the
ledger itself (ledger_accounts, read with psql). Amounts are Hub88's integers (amount x 100000);
every currency the server has holds at least 5 decimals, so they convert exactly.

Sign-ins go through the JSON API as test_full_flow.py does (Telegram widget data signed in
players.py, the code from the mail the SMTP relay received). Money is credited with
`croupier adjust`. Every test makes its own transactions and rounds (random uuids); tests that
change a player (expired sessions, disabled players) sign in a player of their own.
"""
from __future__ import annotations

import json
import re
import secrets
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import hub88
from conftest import REPO_ROOT, SMTPInbox, croupier_binary, e2e_sql
from fake_hub88_api import GAME_LIST_PATH, GAME_URL_PATH, FakeHub88API, RecordedRequest, default_games
from players import DESKTOP_UA, PlayerClient, sign_in_new_player, sql_text

PROVIDER = "hub88test"
OPERATOR_ID = 7
SLOT = "fake_slot"
ROULETTE = "fake_roulette"
OFFERED = "EUR,USD"
NOT_OFFERED = "RUB"  # known to the ledger, not offered by the provider
COARSE = "E2ECENT"  # 2 decimals, made by the one test that needs a currency coarser than Hub88's units
START_FUNDS = "100.00"

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.5 Mobile/15E148 Safari/604.1")

ADJUST_OK = re.compile(r"^ok transaction (\d+) .* ([A-Z][A-Z0-9]{2,9})$")
FINGERPRINT = re.compile(r"^SHA256:(?:[0-9a-f]{2}:){15}[0-9a-f]{2}$")

RS_OK = "RS_OK"
INVALID_SIGNATURE = "RS_ERROR_INVALID_SIGNATURE"
WRONG_SYNTAX = "RS_ERROR_WRONG_SYNTAX"
WRONG_TYPES = "RS_ERROR_WRONG_TYPES"
INVALID_TOKEN = "RS_ERROR_INVALID_TOKEN"
TOKEN_EXPIRED = "RS_ERROR_TOKEN_EXPIRED"
INVALID_GAME = "RS_ERROR_INVALID_GAME"
WRONG_CURRENCY = "RS_ERROR_WRONG_CURRENCY"
NOT_ENOUGH_MONEY = "RS_ERROR_NOT_ENOUGH_MONEY"
USER_DISABLED = "RS_ERROR_USER_DISABLED"
DUPLICATE = "RS_ERROR_DUPLICATE_TRANSACTION"
DOES_NOT_EXIST = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
ROLLED_BACK = "RS_ERROR_TRANSACTION_ROLLED_BACK"
UNKNOWN = "RS_ERROR_UNKNOWN"

INFO, BALANCE, BET, WIN, ROLLBACK = hub88.WALLET_ENDPOINTS
U = hub88.units


# ---------------------------------------------------------------------------- players over the JSON API


def assert_api_error(answer: tuple[int, Any, Any], status: int, code: str, what: str) -> None:
    got_status, body, headers = answer
    assert got_status == status, f"{what}: HTTP {got_status} {body}, want {status} {code}"
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{what}: error body {body}"
    assert error.get("code") == code and error.get("status") == status, f"{what}: {error}, want {status} {code}"
    assert error.get("requestId") == headers.get("X-Request-ID"), \
        f"{what}: requestId {error.get('requestId')!r} vs X-Request-ID {headers.get('X-Request-ID')!r}"


@dataclass
class Player:
    id: int
    email: str
    lang: str
    client: PlayerClient
    csrf: str


@dataclass
class Launched:
    """A game launched by a player: the token our server gave Hub88 and the URL Hub88 answered."""

    player: Player
    game: str
    currency: str
    token: str
    url: str
    request: RecordedRequest  # the game/url request the fake received


# ---------------------------------------------------------------------------- the module's world


@dataclass
class Hub88World:
    base_url: str
    env: dict[str, str]          # the server's environment, for the CLI
    service_env: dict[str, str]  # for psql
    inbox: SMTPInbox
    fake: FakeHub88API
    keys_dir: Path
    provider_keys: hub88.KeyPair  # the provider signs its calls to us with these
    operator_keys: hub88.KeyPair  # we sign our calls to the provider with these
    caller: hub88.Hub88Caller
    add_output: str = ""
    sync_output: str = ""
    player: Player | None = None  # signed in and funded by the module fixture
    first: Launched | None = None  # its launch of fake_slot in EUR
    first_sessions: str = ""  # its games_sessions right after that launch (count|provider|game|currency|live)

    # -------------------------------------------------------------------- database and CLI

    def sql(self, statement: str) -> str:
        return e2e_sql(self.service_env, statement)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(croupier_binary()), *args], cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)

    def cli_ok(self, *args: str) -> str:
        res = self.cli(*args)
        assert res.returncode == 0, (f"`croupier {' '.join(args)}` exited with {res.returncode}\n"
                                     f"stdout: {res.stdout}\nstderr: {res.stderr}")
        return res.stdout

    def balance(self, player: Player | int, currency: str = "EUR") -> int:
        """The player's playable balance (real + bonus) in the ledger, in Hub88 units."""
        player_id = player.id if isinstance(player, Player) else player
        row = self.sql(
            "SELECT c.scale, coalesce(sum(a.balance), 0) FROM ledger_currencies c LEFT JOIN ledger_accounts a "
            f"ON a.currency = c.code AND a.player_id = {int(player_id)} AND a.balance_kind IN ('real', 'bonus') "
            f"WHERE c.code = {sql_text(currency)} GROUP BY c.scale")
        assert row, f"the ledger has no currency {currency}"
        scale, units = (int(v) for v in row.split("|"))
        if scale <= 5:
            return units * 10 ** (5 - scale)
        return units // 10 ** (scale - 5)  # finer than Hub88's units: rounded down, never more than there is

    def sessions(self, player: Player) -> int:
        return int(self.sql(f"SELECT count(*) FROM games_sessions WHERE player_id = {player.id}"))

    def game_url_requests(self) -> int:
        return len(self.fake.requests(GAME_URL_PATH))

    # -------------------------------------------------------------------- players

    def sign_in(self, lang: str = "en") -> Player:
        """A new player, signed in over the JSON API (Telegram, e-mail, the mailed code)."""
        player_id, client = sign_in_new_player(self.service_env, self.base_url, self.inbox, lang, email_prefix="hub88")
        me = client.ok("GET", "/api/v1/me")
        return Player(id=player_id, email=me["player"]["email"], lang=lang, client=client, csrf=me["csrfToken"])

    def fund(self, player: Player, amount: str = START_FUNDS, currency: str = "EUR") -> None:
        before = self.balance(player, currency)
        out = self.cli_ok("adjust", f"--player={player.id}", f"--currency={currency}", f"--amount={amount}",
                          "--reason=e2e hub88 funding", f"--key=e2e-{uuid.uuid4()}")
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        assert lines and ADJUST_OK.match(lines[-1]), f"`croupier adjust` printed {out!r}"
        assert self.balance(player, currency) == before + U(amount)

    # -------------------------------------------------------------------- launching

    def launch_raw(self, client: PlayerClient, game: str, currency: str, csrf: str | None,
                   user_agent: str = DESKTOP_UA) -> tuple[int, Any, Any]:
        headers = {"User-Agent": user_agent}
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        return client.call("POST", "/api/v1/games/launch", {"game": game, "currency": currency}, headers)

    def launch(self, player: Player, game: str = SLOT, currency: str = "EUR",
               user_agent: str = DESKTOP_UA) -> Launched:
        """Launches PROVIDER:game; returns the token the fake received and the URL we answered."""
        seen = self.game_url_requests()
        status, answer, _ = self.launch_raw(player.client, f"{PROVIDER}:{game}", currency, player.csrf, user_agent)
        assert status == 200, f"launching {PROVIDER}:{game} in {currency} -> {status}: {answer}"
        new = self.fake.requests(GAME_URL_PATH)[seen:]
        assert len(new) == 1, f"the launch made {len(new)} game/url requests to Hub88, want 1"
        request = new[0]
        assert request.verified, f"our game/url request's signature does not verify with our operator key: {request}"
        body = request.json
        assert isinstance(body, dict) and isinstance(body.get("token"), str) and body["token"], \
            f"the game/url request carries no token: {request.body!r}"
        assert isinstance(answer, dict) and answer.get("url") == self.fake.launch_url_for(body["token"]), \
            f"the launch answered {answer}, want the URL Hub88 gave: {self.fake.launch_url_for(body['token'])}"
        return Launched(player=player, game=game, currency=currency, token=body["token"], url=answer["url"],
                        request=request)

    # -------------------------------------------------------------------- the wallet, as Hub88

    def call(self, endpoint: str, payload: Any, signature: Any = hub88.SIGN,
             caller: hub88.Hub88Caller | None = None) -> dict[str, Any]:
        status, answer = (caller or self.caller).call(endpoint, payload, signature=signature)
        assert status == 200, f"{endpoint} answered HTTP {status} (the wallet always answers 200): {answer}"
        assert isinstance(answer, dict), f"{endpoint} answered {answer!r}, not a JSON object"
        return answer


# ---------------------------------------------------------------------------- request bodies


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_round() -> str:
    return "round-" + secrets.token_hex(8)


def info_body(s: Launched, **changes: Any) -> dict[str, Any]:
    return {"user": str(s.player.id), "request_uuid": new_uuid(), **changes}


def balance_body(s: Launched, **changes: Any) -> dict[str, Any]:
    return {"user": str(s.player.id), "token": s.token, "request_uuid": new_uuid(), "game_code": s.game, **changes}


def bet_body(s: Launched, amount: Any, round_id: str | None = None, round_closed: Any = False,
             **changes: Any) -> dict[str, Any]:
    """A bet as Hub88 sends it, including fields our wallet does not need."""
    return {
        "user": str(s.player.id), "transaction_uuid": new_uuid(), "supplier_transaction_id": "sup-" + secrets.token_hex(6),
        "token": s.token, "supplier_user": f"fake-{s.player.id}", "round_closed": round_closed,
        "round": round_id or new_round(), "reward_uuid": None, "request_uuid": new_uuid(), "is_free": False,
        "is_aggregated": False, "game_code": s.game, "currency": s.currency, "bet": "lines:20", "amount": amount,
        "meta": {"selection": "caf\u00e9", "odds": "1.95"}, **changes,
    }


def win_body(s: Launched, bet: dict[str, Any], amount: Any, round_closed: Any = True, **changes: Any) -> dict[str, Any]:
    return {
        "user": str(s.player.id), "transaction_uuid": new_uuid(), "supplier_transaction_id": "sup-" + secrets.token_hex(6),
        "token": s.token, "supplier_user": f"fake-{s.player.id}", "round_closed": round_closed, "round": bet["round"],
        "reward_uuid": None, "request_uuid": new_uuid(), "reference_transaction_uuid": bet["transaction_uuid"],
        "is_free": False, "is_aggregated": False, "game_code": s.game, "currency": s.currency, "bet": "lines:20",
        "amount": amount, "meta": {}, **changes,
    }


def rollback_body(s: Launched, reference: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "user": str(s.player.id), "transaction_uuid": new_uuid(), "supplier_transaction_id": "sup-" + secrets.token_hex(6),
        "token": s.token, "round_closed": True, "round": reference["round"], "request_uuid": new_uuid(),
        "reference_transaction_uuid": reference["transaction_uuid"], "game_code": s.game, "meta": {}, **changes,
    }


def without(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


def expect(answer: dict[str, Any], status: str, sent: Any = None, *, balance: int | None = None,
           currency: str | None = None, echo: bool = True, what: str = "") -> dict[str, Any]:
    """Checks the status, the echoed request_uuid (when the sent body had one and `echo`), the
    user of an RS_OK answer, and the balance and currency when given."""
    label = f"{what}: " if what else ""
    assert answer.get("status") == status, f"{label}status {answer.get('status')!r}, want {status}; answer {answer}"
    if echo and isinstance(sent, dict) and "request_uuid" in sent:
        assert answer.get("request_uuid") == sent["request_uuid"], \
            f"{label}request_uuid {answer.get('request_uuid')!r} is not the one sent ({sent['request_uuid']}): {answer}"
    if status == RS_OK and isinstance(sent, dict) and "user" in sent:
        assert answer.get("user") == sent["user"], f"{label}user {answer.get('user')!r}, want {sent['user']!r}"
    if balance is not None:
        got = answer.get("balance")
        assert isinstance(got, int) and not isinstance(got, bool), f"{label}balance {got!r} is not an integer: {answer}"
        assert got == balance, f"{label}balance {got}, want {balance} ({balance / 100000:.5f}); answer {answer}"
    if currency is not None:
        assert answer.get("currency") == currency, f"{label}currency {answer.get('currency')!r}, want {currency}"
    return answer


def has_balance(answer: dict[str, Any], what: str) -> int:
    got = answer.get("balance")
    assert isinstance(got, int) and not isinstance(got, bool), f"{what}: the answer carries no integer balance: {answer}"
    return got


# ---------------------------------------------------------------------------- fixtures


def registered_world(code: str, name: str, fake_hub88: FakeHub88API, server: str, server_env: dict[str, str],
                     service_env: dict[str, str], smtp_inbox: SMTPInbox, keys_dir: Path) -> Hub88World:
    """Fresh keys, the fake trusting our operator key, and provider `code` registered with the CLI
    and its games synced (the CLI's answers kept as `add_output` and `sync_output`)."""
    provider_keys = hub88.generate_key_pair(keys_dir, "provider")
    operator_keys = hub88.generate_key_pair(keys_dir, "operator")
    fake_hub88.reset(operator_public_key=operator_keys.public_key)
    world = Hub88World(base_url=server, env=server_env, service_env=service_env, inbox=smtp_inbox, fake=fake_hub88,
                       keys_dir=keys_dir, provider_keys=provider_keys, operator_keys=operator_keys,
                       caller=hub88.Hub88Caller(server, code, provider_keys.private_key))
    world.add_output = world.cli_ok(
        "providers", "add", "--code", code, "--name", name, "--dialect", "hub88",
        "--api-url", fake_hub88.base_url, "--operator-id", str(OPERATOR_ID),
        "--provider-key", str(provider_keys.public_pem), "--operator-key", str(operator_keys.private_pem),
        "--currencies", OFFERED)
    world.sync_output = world.cli_ok("providers", "sync", code)
    return world


@pytest.fixture(scope="module")
def hub88_world(fake_hub88: FakeHub88API, server: str, server_env: dict[str, str], service_env: dict[str, str],
                smtp_inbox: SMTPInbox, tmp_path_factory: pytest.TempPathFactory) -> Hub88World:
    """Provider `hub88test` registered (`registered_world`), a signed-in player credited with
    100.00 EUR who launched fake_slot in EUR."""
    world = registered_world(PROVIDER, "Hub88 (e2e fake)", fake_hub88, server, server_env, service_env, smtp_inbox,
                             tmp_path_factory.mktemp("hub88-keys"))

    world.player = world.sign_in("en")
    world.fund(world.player)
    world.first = world.launch(world.player, SLOT, "EUR")
    world.first_sessions = world.sql(
        "SELECT count(*), min(provider), min(game_code), min(currency), bool_and(expires_at > now()) "
        f"FROM games_sessions WHERE player_id = {world.player.id}")
    return world


@pytest.fixture
def world(hub88_world: Hub88World) -> Hub88World:
    return hub88_world


@pytest.fixture
def slot(hub88_world: Hub88World) -> Launched:
    """The module player's fake_slot session in EUR."""
    assert hub88_world.first is not None
    return hub88_world.first


# ---------------------------------------------------------------------------- the helpers themselves (no server)


def test_signing_helpers(tmp_path: Path) -> None:
    keys = hub88.generate_key_pair(tmp_path, "a")
    other = hub88.generate_key_pair(tmp_path, "b")
    body = hub88.encode({"user": "100001", "amount": 10, "meta": {"x": "caf\u00e9"}})
    signature = hub88.sign(body, keys.private_key)
    assert hub88.verify(body, signature, keys.public_key)
    assert hub88.sign(body, keys.private_key) == signature, "PKCS#1 v1.5 signatures are deterministic"
    assert not hub88.verify(body + b" ", signature, keys.public_key), "a changed body verified"
    assert not hub88.verify(body, hub88.sign(body, other.private_key), keys.public_key), "another key's signature verified"
    assert not hub88.verify(body, None, keys.public_key) and not hub88.verify(body, "%%%", keys.public_key)

    # The PEM files: PKCS#8 and PKCS#1 hold the same key; the public file is SubjectPublicKeyInfo.
    assert keys.private_pem.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert keys.private_pkcs1_pem.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert keys.public_pem.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    loaded = hub88.load_public_key(keys.public_pem.read_bytes())
    assert hub88.public_key_der(loaded) == hub88.public_key_der(keys.public_key)
    assert FINGERPRINT.match(keys.fingerprint), keys.fingerprint
    assert keys.fingerprint != other.fingerprint

    assert hub88.units("100.00") == 10_000_000 and hub88.units("0.00001") == 1 and hub88.units("12.34567") == 1_234_567


def test_fake_hub88_api_checks_signatures(tmp_path: Path) -> None:
    ours = hub88.generate_key_pair(tmp_path, "operator")
    theirs = hub88.generate_key_pair(tmp_path, "stranger")

    def post(fake: FakeHub88API, path: str, body: bytes, signature: str | None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[hub88.SIGNATURE_HEADER] = signature
        request = urllib.request.Request(fake.base_url + path, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    with FakeHub88API(ours.public_key) as fake:
        listing = hub88.encode({"operator_id": OPERATOR_ID})
        assert post(fake, GAME_LIST_PATH, listing, hub88.sign(listing, ours.private_key)) == (200, default_games())
        assert post(fake, GAME_LIST_PATH, listing, None) == (401, {"error": "invalid signature"})
        assert post(fake, GAME_LIST_PATH, listing, hub88.sign(listing, theirs.private_key)) == \
            (401, {"error": "invalid signature"})
        launch = hub88.encode({"user": "100001", "token": "t/1+", "currency": "EUR", "game_code": SLOT})
        assert post(fake, GAME_URL_PATH, launch, hub88.sign(launch, ours.private_key)) == \
            (200, {"url": "https://games.fake-hub88.test/launch?token=t%2F1%2B"})
        fake.url_failure = (500, b'{"error": "down"}')
        assert post(fake, GAME_URL_PATH, launch, hub88.sign(launch, ours.private_key)) == (500, {"error": "down"})
        seen = [(r.path, r.verified, r.answer_status) for r in fake.requests()]
        assert seen == [(GAME_LIST_PATH, True, 200), (GAME_LIST_PATH, False, 401), (GAME_LIST_PATH, False, 401),
                        (GAME_URL_PATH, True, 200), (GAME_URL_PATH, True, 500)], seen
        assert fake.requests(GAME_URL_PATH)[0].json["token"] == "t/1+"


# ---------------------------------------------------------------------------- the CLI


def test_provider_registered_with_its_fingerprints(world: Hub88World) -> None:
    out = world.add_output
    assert PROVIDER in out, f"`providers add` did not print the code:\n{out}"
    for keys, what in ((world.provider_keys, "provider"), (world.operator_keys, "operator")):
        assert keys.fingerprint in out, f"`providers add` did not print the {what} key's fingerprint {keys.fingerprint}:\n{out}"
    row = world.sql("SELECT name, dialect, enabled, api_url, operator_id, array_to_string(currencies, ','), "
                    f"provider_key_fingerprint, operator_key_fingerprint FROM games_providers WHERE code = '{PROVIDER}'")
    assert row.split("|") == ["Hub88 (e2e fake)", "hub88", "t", world.fake.base_url, str(OPERATOR_ID), OFFERED,
                              world.provider_keys.fingerprint, world.operator_keys.fingerprint], row


def test_operator_private_key_is_stored_sealed(world: Hub88World) -> None:
    """A dump of games_providers must not carry our private key, in PEM or in DER."""
    key = world.operator_keys.private_key
    numbers = key.private_numbers()
    secret_pieces = {
        "the private exponent": numbers.d.to_bytes(256, "big")[64:96],
        "the first prime": numbers.p.to_bytes(128, "big")[32:64],
    }
    for name, piece in secret_pieces.items():
        found = world.sql(f"SELECT position('\\x{piece.hex()}'::bytea IN credentials) FROM games_providers "
                          f"WHERE code = '{PROVIDER}'")
        assert found == "0", f"games_providers.credentials holds {name} of our operator key in clear"
    for pem in (world.operator_keys.private_pem, world.operator_keys.private_pkcs1_pem):
        lines = pem.read_text().splitlines()
        middle = lines[len(lines) * 2 // 3]  # past the public modulus: private material
        found = world.sql(f"SELECT position(convert_to({sql_text(middle)}, 'UTF8') IN credentials) FROM games_providers "
                          f"WHERE code = '{PROVIDER}'")
        assert found == "0", f"games_providers.credentials holds our private key's PEM ({pem.name}) in clear"


def test_provider_add_refuses_a_taken_code(world: Hub88World) -> None:
    other_provider = hub88.generate_key_pair(world.keys_dir, "taken-provider")
    other_operator = hub88.generate_key_pair(world.keys_dir, "taken-operator")
    res = world.cli("providers", "add", "--code", PROVIDER, "--name", "Impostor", "--dialect", "hub88",
                    "--api-url", "http://127.0.0.1:9/", "--operator-id", "99",
                    "--provider-key", str(other_provider.public_pem), "--operator-key", str(other_operator.private_pem))
    output = res.stdout + res.stderr
    assert res.returncode != 0, f"`providers add` accepted a code that exists:\n{output}"
    assert PROVIDER in output or "exist" in output.lower(), f"the refusal does not say the code is taken:\n{output}"
    row = world.sql(f"SELECT name, operator_id, provider_key_fingerprint FROM games_providers WHERE code = '{PROVIDER}'")
    assert row == f"Hub88 (e2e fake)|{OPERATOR_ID}|{world.provider_keys.fingerprint}", f"the refused add changed the row: {row}"


@pytest.mark.parametrize("broken", ["provider-key", "operator-key"])
def test_provider_add_refuses_a_key_that_does_not_parse(world: Hub88World, broken: str) -> None:
    code = f"hub88-broken-{broken.split('-')[0]}"
    garbage = world.keys_dir / f"garbage-{broken}.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PUBLIC KEY-----\n")
    keys = {"provider-key": str(world.provider_keys.public_pem), "operator-key": str(world.operator_keys.private_pem)}
    keys[broken] = str(garbage)
    res = world.cli("providers", "add", "--code", code, "--name", "Broken", "--dialect", "hub88",
                    "--api-url", world.fake.base_url, "--operator-id", "70",
                    "--provider-key", keys["provider-key"], "--operator-key", keys["operator-key"])
    output = res.stdout + res.stderr
    assert res.returncode != 0, f"`providers add` accepted a {broken} that is no key:\n{output}"
    assert "key" in output.lower(), f"the refusal does not say which key is wrong:\n{output}"
    assert world.sql(f"SELECT count(*) FROM games_providers WHERE code = '{code}'") == "0", "a refused provider was stored"


def test_providers_list_names_the_provider(world: Hub88World) -> None:
    out = world.cli_ok("providers", "list")
    assert PROVIDER in out, f"`providers list` does not show {PROVIDER}:\n{out}"


def test_sync_asked_for_the_game_list_signed(world: Hub88World) -> None:
    listings = world.fake.requests(GAME_LIST_PATH)
    assert listings, "`providers sync` made no request to Hub88's game/list"
    first = listings[0]
    assert first.verified, f"the game/list request's signature does not verify with our operator key: {first}"
    assert first.json == {"operator_id": OPERATOR_ID}, f"game/list body: {first.body!r}"
    assert re.search(r"\b2\b", world.sync_output), f"`providers sync` did not say it synced 2 games:\n{world.sync_output}"

    rows = world.sql("SELECT code, name, thumbnail_url, enabled FROM games_catalog "
                     f"WHERE provider = '{PROVIDER}' ORDER BY code").splitlines()
    want = sorted((g["game_code"], g["name"], g["url_thumb"], "t") for g in default_games())
    assert [tuple(r.split("|")) for r in rows] == want, f"catalogue of {PROVIDER}: {rows}"


def test_sync_again_updates_instead_of_duplicating(world: Hub88World) -> None:
    games = default_games()
    games[0]["name"] = "Fake Slot Deluxe"
    games[0]["some_new_field"] = {"nested": [1, 2, 3]}
    world.fake.games = games
    try:
        out = world.cli_ok("providers", "sync", PROVIDER)
        assert re.search(r"\b2\b", out), f"`providers sync` did not say it synced 2 games:\n{out}"
        assert world.fake.requests(GAME_LIST_PATH)[-1].verified
        assert world.sql(f"SELECT count(*) FROM games_catalog WHERE provider = '{PROVIDER}'") == "2"
        assert world.sql(f"SELECT name FROM games_catalog WHERE provider = '{PROVIDER}' AND code = '{SLOT}'") == \
            "Fake Slot Deluxe"
    finally:
        world.fake.games = default_games()
        world.cli_ok("providers", "sync", PROVIDER)
    assert world.sql(f"SELECT name FROM games_catalog WHERE provider = '{PROVIDER}' AND code = '{SLOT}'") == "Fake Slot"


def test_operator_key_in_pkcs1_signs_too(world: Hub88World) -> None:
    """A second provider whose operator key file is PKCS#1 ("BEGIN RSA PRIVATE KEY"), synced
    against a fake of its own that lists no games."""
    provider_keys = hub88.generate_key_pair(world.keys_dir, "pkcs1-provider")
    operator_keys = hub88.generate_key_pair(world.keys_dir, "pkcs1-operator")
    with FakeHub88API(operator_keys.public_key) as fake:
        fake.games = []
        out = world.cli_ok("providers", "add", "--code", "hub88pkcs1", "--name", "Hub88 PKCS#1", "--dialect", "hub88",
                           "--api-url", fake.base_url, "--operator-id", "8",
                           "--provider-key", str(provider_keys.public_pem),
                           "--operator-key", str(operator_keys.private_pkcs1_pem))
        assert operator_keys.fingerprint in out and provider_keys.fingerprint in out, out
        out = world.cli_ok("providers", "sync", "hub88pkcs1")
        listings = fake.requests(GAME_LIST_PATH)
        assert len(listings) == 1, f"{len(listings)} game/list requests"
        assert listings[0].verified, "a game/list request signed with a PKCS#1 operator key does not verify"
        assert listings[0].json == {"operator_id": 8}, listings[0].body
        assert re.search(r"\b0\b", out), f"`providers sync` did not say it synced 0 games:\n{out}"
    assert world.sql("SELECT count(*) FROM games_catalog WHERE provider = 'hub88pkcs1'") == "0"
    listed = world.cli_ok("providers", "list")
    assert "hub88pkcs1" in listed and PROVIDER in listed, listed


# ---------------------------------------------------------------------------- launching


def test_launch_asked_hub88_for_a_signed_url(world: Hub88World, slot: Launched) -> None:
    assert slot.request.verified
    assert hub88.verify(slot.request.body, slot.request.signature, world.operator_keys.public_key)
    body = slot.request.json
    assert body["user"] == str(slot.player.id), f"user {body['user']!r}, want the player id {slot.player.id}"
    assert len(slot.token) >= 16, f"a short game session token: {slot.token!r}"
    want = {"currency": "EUR", "game_code": SLOT, "operator_id": OPERATOR_ID, "platform": "GPL_DESKTOP", "lang": "en",
            "lobby_url": f"{world.base_url}/lobby", "deposit_url": f"{world.base_url}/cashier", "ip": "127.0.0.1",
            "sub_partner_id": "croupier"}
    got = {k: body.get(k) for k in want}
    assert got == want, f"game/url request: {body}"
    assert isinstance(body.get("country"), str) and re.fullmatch(r"[A-Z]{2}", body["country"]), \
        f"country {body.get('country')!r} is not a two-letter code"
    assert slot.url == f"https://games.fake-hub88.test/launch?token={urllib.parse.quote(slot.token, safe='')}"

    # One game session for this launch: the player's, for this game and currency, not yet expired.
    assert world.first_sessions == f"1|{PROVIDER}|{SLOT}|EUR|t", \
        f"games_sessions of the player after the launch (count|provider|game|currency|live): {world.first_sessions}"


def test_launch_on_a_phone_in_russian(world: Hub88World) -> None:
    player = world.sign_in("ru")
    world.fake.launch_url = "https://play.fake-hub88.test/g/{token}?mode=real"
    try:
        launched = world.launch(player, ROULETTE, "USD", user_agent=IPHONE_UA)
    finally:
        world.fake.launch_url = "https://games.fake-hub88.test/launch?token={token}"
    body = launched.request.json
    assert body["platform"] == "GPL_MOBILE", f"an iPhone launched as {body['platform']!r}"
    assert body["lang"] == "ru", f"a Russian player launched in {body['lang']!r}"
    assert body["currency"] == "USD" and body["game_code"] == ROULETTE and body["user"] == str(player.id), body
    assert launched.url.startswith("https://play.fake-hub88.test/g/"), f"the launch answered {launched.url}"
    other = world.launch(player, ROULETTE, "USD", user_agent=IPHONE_UA)
    assert other.token != launched.token, "two launches got the same game session token"


def test_launch_refusals(world: Hub88World, slot: Launched) -> None:
    player = slot.player
    sessions, asked = world.sessions(player), world.game_url_requests()
    game = f"{PROVIDER}:{SLOT}"

    stranger = PlayerClient(world.base_url)
    assert_api_error(world.launch_raw(stranger, game, "EUR", None), 401, "notSignedIn", "a launch signed out")
    assert_api_error(world.launch_raw(player.client, game, "EUR", None), 403, "csrfTokenInvalid",
                     "a launch without X-CSRF-Token")
    assert_api_error(world.launch_raw(player.client, game, "EUR", "00" * 32), 403, "csrfTokenInvalid",
                     "a launch with a wrong X-CSRF-Token")
    assert_api_error(world.launch_raw(player.client, f"{PROVIDER}:no_such_game", "EUR", player.csrf), 404,
                     "gameNotFound", "a launch of an unknown game")
    assert_api_error(world.launch_raw(player.client, f"nosuchprovider:{SLOT}", "EUR", player.csrf), 404,
                     "gameNotFound", "a launch at an unknown provider")
    assert_api_error(world.launch_raw(player.client, game, NOT_OFFERED, player.csrf), 400, "currencyNotOffered",
                     f"a launch in {NOT_OFFERED}, which {PROVIDER} does not offer")

    assert world.game_url_requests() == asked, "a refused launch still asked Hub88 for a URL"
    assert world.sessions(player) == sessions, "a refused launch created a game session"


@pytest.mark.parametrize("failure", [
    pytest.param((500, b'{"error": "internal"}'), id="http-500"),
    pytest.param((401, b'{"error": "invalid signature"}'), id="http-401"),
    pytest.param((200, b'{"no_url": true}'), id="no-url"),
    pytest.param((200, b"<html>maintenance</html>"), id="not-json"),
])
def test_launch_when_hub88_fails(world: Hub88World, slot: Launched, failure: tuple[int, bytes]) -> None:
    asked = world.game_url_requests()
    world.fake.url_failure = failure
    try:
        answer = world.launch_raw(slot.player.client, f"{PROVIDER}:{SLOT}", "EUR", slot.player.csrf)
    finally:
        world.fake.url_failure = None
    assert world.game_url_requests() == asked + 1, "the launch did not ask Hub88"
    assert_api_error(answer, 502, "providerUnavailable", f"a launch while Hub88 answers {failure}")


# ---------------------------------------------------------------------------- the wallet: the normal round


def test_user_info(world: Hub88World, slot: Launched) -> None:
    sent = info_body(slot)
    answer = expect(world.call(INFO, sent), RS_OK, sent)
    assert isinstance(answer.get("country"), str) and re.fullmatch(r"[A-Z]{2}", answer["country"]), answer
    registered = world.sql("SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM identity_players "
                           f"WHERE id = {slot.player.id}")
    assert isinstance(answer.get("registration_date"), str) and answer["registration_date"].startswith(registered), \
        f"registration_date {answer.get('registration_date')!r}, the player registered on {registered}"


def test_hub88_plays_a_round_back(world: Hub88World, slot: Launched) -> None:
    """The fake plays a round with the token it was given: balance, bet, win (closing the round),
    balance."""
    start = U(START_FUNDS)
    assert world.balance(slot.player) == start, "the module player must not have played before this test"

    sent = balance_body(slot)
    expect(world.call(BALANCE, sent), RS_OK, sent, balance=start, currency="EUR", what="balance before the round")

    bet = bet_body(slot, U("15.00"))
    expect(world.call(BET, bet), RS_OK, bet, balance=start - U("15.00"), currency="EUR", what="bet 15.00")
    assert world.balance(slot.player) == start - U("15.00")
    row = world.sql(f"SELECT player_id, game_code, currency, bet_units, win_units, closed_at IS NULL "
                    f"FROM games_rounds WHERE provider = '{PROVIDER}' AND round = {sql_text(bet['round'])}")
    assert row == f"{slot.player.id}|{SLOT}|EUR|{U('15.00')}|0|t", f"the round after the bet: {row}"

    win = win_body(slot, bet, U("30.00"), round_closed=True)
    expect(world.call(WIN, win), RS_OK, win, balance=start + U("15.00"), currency="EUR", what="win 30.00")

    sent = balance_body(slot)
    expect(world.call(BALANCE, sent), RS_OK, sent, balance=start + U("15.00"), currency="EUR", what="balance after")
    assert world.balance(slot.player) == start + U("15.00")
    row = world.sql(f"SELECT bet_units, win_units, closed_at IS NOT NULL FROM games_rounds "
                    f"WHERE provider = '{PROVIDER}' AND round = {sql_text(bet['round'])}")
    assert row == f"{U('15.00')}|{U('30.00')}|t", f"the round after the closing win: {row}"


def test_unknown_fields_are_tolerated(world: Hub88World, slot: Launched) -> None:
    extra = {"x_future_field": {"nested": [1, "two", None]}, "another": 3.25}
    before = world.balance(slot.player)
    bet = bet_body(slot, U("1.00"), **extra)
    expect(world.call(BET, bet), RS_OK, bet, balance=before - U("1.00"), what="a bet with unknown fields")
    win = win_body(slot, bet, U("0.50"), round_closed=False, **extra)
    expect(world.call(WIN, win), RS_OK, win, balance=before - U("0.50"), what="a win with unknown fields")
    other = bet_body(slot, U("2.00"))
    expect(world.call(BET, other), RS_OK, other, balance=before - U("2.50"))
    rollback = rollback_body(slot, other, **extra)
    expect(world.call(ROLLBACK, rollback), RS_OK, rollback, balance=before - U("0.50"), what="a rollback with unknown fields")
    sent = balance_body(slot, **extra)
    expect(world.call(BALANCE, sent), RS_OK, sent, balance=before - U("0.50"), what="a balance with unknown fields")
    assert world.balance(slot.player) == before - U("0.50")


# ---------------------------------------------------------------------------- RS_ERROR_INVALID_SIGNATURE


@pytest.mark.parametrize("case", ["missing", "other-key", "body-changed", "not-base64", "empty"])
def test_invalid_signature_on_a_bet(world: Hub88World, slot: Launched, case: str) -> None:
    before = world.balance(slot.player)
    bet = bet_body(slot, U("1.25"))
    body = hub88.encode(bet)
    if case == "missing":
        signature = None
    elif case == "other-key":
        signature = hub88.sign(body, hub88.generate_key_pair(world.keys_dir, f"stranger-{secrets.token_hex(3)}").private_key)
    elif case == "body-changed":
        signature = hub88.sign(body, world.provider_keys.private_key)
        body = body.replace(f'"amount": {U("1.25")}'.encode(), f'"amount": {U("0.01")}'.encode())
        assert body != hub88.encode(bet)
    elif case == "not-base64":
        signature = "this is not base64!"
    else:
        signature = ""
    expect(world.call(BET, body, signature=signature), INVALID_SIGNATURE, bet, echo=False, what=f"signature {case}")
    assert world.balance(slot.player) == before, f"a bet with signature {case} moved money"

    # Nothing was recorded: the same bet, signed properly, is a new bet.
    expect(world.call(BET, bet), RS_OK, bet, balance=before - U("1.25"), what="the same bet, signed")


def test_invalid_signature_on_every_endpoint(world: Hub88World, slot: Launched) -> None:
    stranger = hub88.generate_key_pair(world.keys_dir, f"stranger-{secrets.token_hex(3)}")
    impostor = hub88.Hub88Caller(world.base_url, PROVIDER, stranger.private_key)
    bet = bet_body(slot, U("3.00"))
    expect(world.call(BET, bet), RS_OK, bet)
    other = bet_body(slot, U("4.00"))
    expect(world.call(BET, other), RS_OK, other)
    before = world.balance(slot.player)

    calls = {INFO: info_body(slot), BALANCE: balance_body(slot), BET: bet_body(slot, U("1.00")),
             WIN: win_body(slot, bet, U("6.00")), ROLLBACK: rollback_body(slot, other)}
    for endpoint, sent in calls.items():
        expect(world.call(endpoint, sent, caller=impostor), INVALID_SIGNATURE, sent, echo=False,
               what=f"{endpoint} signed by another key")
    assert world.balance(slot.player) == before, "calls signed by another key moved money"

    # The same win and rollback, signed by the provider, were never seen before.
    expect(world.call(WIN, calls[WIN]), RS_OK, calls[WIN], balance=before + U("6.00"))
    expect(world.call(ROLLBACK, calls[ROLLBACK]), RS_OK, calls[ROLLBACK], balance=before + U("10.00"))


# ---------------------------------------------------------------------------- RS_ERROR_WRONG_SYNTAX


@pytest.mark.parametrize("case", ["not-json", "empty-body", "bet-without-transaction_uuid", "bet-without-amount",
                                  "bet-without-user", "balance-without-token"])
def test_wrong_syntax(world: Hub88World, slot: Launched, case: str) -> None:
    before = world.balance(slot.player)
    bet = bet_body(slot, U("2.00"))
    endpoint, sent = BET, None
    if case == "not-json":
        payload: Any = b'{"user": "' + str(slot.player.id).encode() + b'", "amount": 100,'
    elif case == "empty-body":
        payload = b""
    elif case == "balance-without-token":
        endpoint = BALANCE
        payload = sent = without(balance_body(slot), "token")
    else:
        payload = sent = without(bet, case.removeprefix("bet-without-"))
    expect(world.call(endpoint, payload), WRONG_SYNTAX, sent, what=case)
    assert world.balance(slot.player) == before, f"{case} moved money"
    if case in ("bet-without-amount", "bet-without-user"):
        # Nothing was recorded under that transaction_uuid: the whole bet goes through.
        expect(world.call(BET, bet), RS_OK, bet, balance=before - U("2.00"), what="the whole bet afterwards")


# ---------------------------------------------------------------------------- RS_ERROR_WRONG_TYPES


@pytest.mark.parametrize("case", ["amount-as-string", "round_closed-as-string", "negative-amount",
                                  "negative-win", "win-amount-as-string"])
def test_wrong_types(world: Hub88World, slot: Launched, case: str) -> None:
    opening = bet_body(slot, U("1.00"))
    expect(world.call(BET, opening), RS_OK, opening)
    before = world.balance(slot.player)
    bet = bet_body(slot, U("1.00"))
    if case == "amount-as-string":
        endpoint, sent = BET, {**bet, "amount": str(U("1.00"))}
    elif case == "round_closed-as-string":
        endpoint, sent = BET, {**bet, "round_closed": "yes"}
    elif case == "negative-amount":
        endpoint, sent = BET, {**bet, "amount": -U("1.00")}
    elif case == "negative-win":
        endpoint, sent = WIN, win_body(slot, opening, -U("5.00"))
    else:
        endpoint, sent = WIN, win_body(slot, opening, str(U("5.00")))
    expect(world.call(endpoint, sent), WRONG_TYPES, sent, what=case)
    assert world.balance(slot.player) == before, f"{case} moved money"
    # Nothing was recorded under that transaction_uuid: the well-typed call goes through.
    if endpoint == BET:
        expect(world.call(BET, bet), RS_OK, bet, balance=before - U("1.00"), what="the well-typed bet")
    else:
        fixed = {**sent, "amount": U("5.00")}
        expect(world.call(WIN, fixed), RS_OK, fixed, balance=before + U("5.00"), what="the well-typed win")


def test_wrong_types_for_an_amount_that_is_not_exact(world: Hub88World, slot: Launched) -> None:
    """1 Hub88 unit is 0.00001: not exact in a currency with fewer than 5 decimals, so refused,
    never rounded. No seeded currency has fewer, so the test makes one with 2 (the ledger fixes a
    currency's scale when it is created, and only SQL creates one) and offers it for its run."""
    world.sql(f"INSERT INTO ledger_currencies (code, scale, kind) VALUES ('{COARSE}', 2, 'fiat') ON CONFLICT (code) DO NOTHING")
    assert world.sql(f"SELECT scale FROM ledger_currencies WHERE code = '{COARSE}'") == "2"
    world.sql(f"UPDATE games_providers SET currencies = array_append(currencies, '{COARSE}') "
              f"WHERE code = '{PROVIDER}' AND NOT '{COARSE}' = ANY (currencies)")
    try:
        world.fund(slot.player, "100", COARSE)
        launched = world.launch(slot.player, SLOT, COARSE)
        before = world.balance(slot.player, COARSE)
        cent = bet_body(launched, U("0.01"))
        expect(world.call(BET, cent), RS_OK, cent, balance=before - U("0.01"), currency=COARSE,
               what=f"a bet of 0.01 {COARSE}, exact in 2 decimals")
        before -= U("0.01")
        for amount in (1, U("0.01") + 1):
            bet = bet_body(launched, amount)
            expect(world.call(BET, bet), WRONG_TYPES, bet, what=f"a bet of {amount} Hub88 units in {COARSE}")
        win = win_body(launched, cent, U("0.02") + 1)
        expect(world.call(WIN, win), WRONG_TYPES, win, what=f"a win of {U('0.02') + 1} Hub88 units in {COARSE}")
        assert world.balance(slot.player, COARSE) == before, "an inexact amount moved money"
    finally:
        world.sql(f"UPDATE games_providers SET currencies = array_remove(currencies, '{COARSE}') WHERE code = '{PROVIDER}'")


# ---------------------------------------------------------------------------- RS_ERROR_INVALID_TOKEN


def test_invalid_token_unknown(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    unknown = secrets.token_urlsafe(24)
    sent = balance_body(slot, token=unknown)
    expect(world.call(BALANCE, sent), INVALID_TOKEN, sent, what="balance with an unknown token")
    bet = bet_body(slot, U("1.00"), token=unknown)
    expect(world.call(BET, bet), INVALID_TOKEN, bet, balance=before, what="bet with an unknown token")
    assert world.balance(slot.player) == before


def test_invalid_token_of_another_user(world: Hub88World, slot: Launched) -> None:
    other = world.sign_in("en")
    before, other_before = world.balance(slot.player), world.balance(other)
    sent = balance_body(slot, user=str(other.id))
    expect(world.call(BALANCE, sent), INVALID_TOKEN, sent, what="balance with another user's token")
    bet = bet_body(slot, U("1.00"), user=str(other.id))
    answer = expect(world.call(BET, bet), INVALID_TOKEN, bet, what="bet with another user's token")
    # `other` never played with this provider: a provider learns only its own players' balances.
    assert "balance" not in answer, f"a stranger's balance was disclosed: {answer}"
    assert world.balance(slot.player) == before and world.balance(other) == other_before


# ---------------------------------------------------------------------------- RS_ERROR_TOKEN_EXPIRED


def test_token_expired(world: Hub88World) -> None:
    player = world.sign_in("en")
    world.fund(player)
    session = world.launch(player)
    start = U(START_FUNDS)
    first = bet_body(session, U("2.00"))
    expect(world.call(BET, first), RS_OK, first, balance=start - U("2.00"))
    second = bet_body(session, U("3.00"))
    expect(world.call(BET, second), RS_OK, second, balance=start - U("5.00"))

    world.sql(f"UPDATE games_sessions SET expires_at = now() - interval '1 minute' WHERE player_id = {player.id}")

    late = bet_body(session, U("1.00"))
    expect(world.call(BET, late), TOKEN_EXPIRED, late, balance=start - U("5.00"), what="a bet on an expired session")
    assert world.balance(player) == start - U("5.00")

    # What the player already staked is still settled: a win and a rollback with the expired token.
    win = win_body(session, first, U("5.00"))
    expect(world.call(WIN, win), RS_OK, win, balance=start, what="a win on an expired session")
    rollback = rollback_body(session, second)
    expect(world.call(ROLLBACK, rollback), RS_OK, rollback, balance=start + U("3.00"),
           what="a rollback on an expired session")
    assert world.balance(player) == start + U("3.00")


# ---------------------------------------------------------------------------- RS_ERROR_INVALID_GAME


def test_invalid_game(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    for game in (ROULETTE, "no_such_game"):
        bet = bet_body(slot, U("1.00"), game_code=game)
        expect(world.call(BET, bet), INVALID_GAME, bet, balance=before, what=f"a bet in {game} on a {SLOT} session")
    assert world.balance(slot.player) == before


# ---------------------------------------------------------------------------- RS_ERROR_WRONG_CURRENCY


def test_wrong_currency(world: Hub88World, slot: Launched) -> None:
    before, usd = world.balance(slot.player), world.balance(slot.player, "USD")
    bet = bet_body(slot, U("1.00"), currency="USD")
    answer = expect(world.call(BET, bet), WRONG_CURRENCY, bet, what="a USD bet on a EUR session")
    has_balance(answer, "a USD bet on a EUR session")
    assert world.balance(slot.player) == before and world.balance(slot.player, "USD") == usd


# ---------------------------------------------------------------------------- RS_ERROR_NOT_ENOUGH_MONEY


def test_not_enough_money(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    assert before > 0
    bet = bet_body(slot, before + 1)
    expect(world.call(BET, bet), NOT_ENOUGH_MONEY, bet, balance=before, currency="EUR", what="a bet of balance + 1")
    assert world.balance(slot.player) == before


# ---------------------------------------------------------------------------- RS_ERROR_USER_DISABLED


def test_user_disabled(world: Hub88World) -> None:
    player = world.sign_in("en")
    world.fund(player, "50.00")
    session = world.launch(player)
    start = U("50.00")
    bet = bet_body(session, U("4.00"))
    expect(world.call(BET, bet), RS_OK, bet, balance=start - U("4.00"))

    world.sql(f"UPDATE identity_players SET disabled_at = now() WHERE id = {player.id}")

    refused = bet_body(session, U("1.00"))
    expect(world.call(BET, refused), USER_DISABLED, refused, balance=start - U("4.00"), what="a disabled player's bet")
    assert world.balance(player) == start - U("4.00")
    win = win_body(session, bet, U("6.00"))
    expect(world.call(WIN, win), RS_OK, win, balance=start + U("2.00"), what="a disabled player's win")
    assert world.balance(player) == start + U("2.00")


# ---------------------------------------------------------------------------- RS_ERROR_DUPLICATE_TRANSACTION


def test_duplicate_transaction(world: Hub88World, slot: Launched) -> None:
    roulette = world.launch(slot.player, ROULETTE, "EUR")
    bet = bet_body(slot, U("1.00"))
    first = expect(world.call(BET, bet), RS_OK, bet)
    after_bet = world.balance(slot.player)

    variants = {
        "another amount": {**bet, "amount": U("2.00"), "request_uuid": new_uuid()},
        "another round": {**bet, "round": new_round(), "request_uuid": new_uuid()},
        "another game": {**bet, "token": roulette.token, "game_code": ROULETTE, "request_uuid": new_uuid()},
    }
    for what, sent in variants.items():
        expect(world.call(BET, sent), DUPLICATE, sent, balance=after_bet, what=f"the bet's uuid with {what}")
    assert world.balance(slot.player) == after_bet
    assert world.call(BET, bet) == first, "the original bet's exact replay changed after the duplicates"

    win = win_body(slot, bet, U("1.50"), round_closed=False)
    expect(world.call(WIN, win), RS_OK, win, balance=after_bet + U("1.50"))
    changed = {**win, "amount": U("9.99"), "request_uuid": new_uuid()}
    expect(world.call(WIN, changed), DUPLICATE, changed, balance=after_bet + U("1.50"), what="the win's uuid, another amount")
    assert world.balance(slot.player) == after_bet + U("1.50")


# ---------------------------------------------------------------------------- RS_ERROR_TRANSACTION_DOES_NOT_EXIST


def test_transaction_does_not_exist(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    ghost = {"transaction_uuid": new_uuid(), "round": new_round()}
    win = win_body(slot, ghost, U("7.00"))
    expect(world.call(WIN, win), DOES_NOT_EXIST, win, balance=before, what="a win for a bet never seen")
    rollback = rollback_body(slot, {"transaction_uuid": new_uuid(), "round": new_round()})
    expect(world.call(ROLLBACK, rollback), DOES_NOT_EXIST, rollback, balance=before, what="a rollback of a bet never seen")
    assert world.balance(slot.player) == before


# ---------------------------------------------------------------------------- RS_ERROR_TRANSACTION_ROLLED_BACK


def test_bet_arriving_after_its_rollback_is_refused(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    bet = bet_body(slot, U("3.00"))
    rollback = rollback_body(slot, bet)
    expect(world.call(ROLLBACK, rollback), DOES_NOT_EXIST, rollback, balance=before, what="the rollback, first")
    expect(world.call(BET, bet), ROLLED_BACK, bet, balance=before, what="the bet after its rollback")
    expect(world.call(BET, bet), ROLLED_BACK, bet, balance=before, what="the bet once more")
    assert world.balance(slot.player) == before


def test_win_for_a_rolled_back_bet(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    bet = bet_body(slot, U("2.50"))
    expect(world.call(BET, bet), RS_OK, bet, balance=before - U("2.50"))
    rollback = rollback_body(slot, bet)
    expect(world.call(ROLLBACK, rollback), RS_OK, rollback, balance=before)
    win = win_body(slot, bet, U("5.00"))
    expect(world.call(WIN, win), ROLLED_BACK, win, balance=before, what="a win for a rolled-back bet")
    assert world.balance(slot.player) == before


def test_a_bet_whose_win_was_paid_is_not_rolled_back(world: Hub88World, slot: Launched) -> None:
    """The stake is not returned on top of a paid win, however often the rollback is retried."""
    before = world.balance(slot.player)
    bet = bet_body(slot, U("2.00"))
    expect(world.call(BET, bet), RS_OK, bet, balance=before - U("2.00"))
    win = win_body(slot, bet, U("6.00"))
    expect(world.call(WIN, win), RS_OK, win, balance=before + U("4.00"))
    rollback = rollback_body(slot, bet)
    for attempt in range(3):
        retry = {**rollback, "request_uuid": new_uuid()}
        expect(world.call(ROLLBACK, retry), UNKNOWN, retry, balance=before + U("4.00"),
               what=f"rollback {attempt + 1} of a bet whose win was paid")
    assert world.balance(slot.player) == before + U("4.00")


# ---------------------------------------------------------------------------- rollbacks, replays, rounds


def test_rollback_restores_exactly_the_bet(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    odd = U("12.34567")
    bet = bet_body(slot, odd)
    expect(world.call(BET, bet), RS_OK, bet, balance=before - odd)
    assert world.balance(slot.player) == before - odd
    rollback = rollback_body(slot, bet)
    expect(world.call(ROLLBACK, rollback), RS_OK, rollback, balance=before, currency="EUR")
    assert world.balance(slot.player) == before


def test_exact_replays_answer_the_same_and_move_nothing(world: Hub88World, slot: Launched) -> None:
    bet = bet_body(slot, U("1.10"))
    bet_answer = expect(world.call(BET, bet), RS_OK, bet)
    other = bet_body(slot, U("2.20"))
    expect(world.call(BET, other), RS_OK, other)
    now = world.balance(slot.player)
    assert world.call(BET, bet) == bet_answer, "an exact replay of a bet answered differently"
    assert world.balance(slot.player) == now, "an exact replay of a bet moved money"

    win = win_body(slot, bet, U("3.30"))
    win_answer = expect(world.call(WIN, win), RS_OK, win, balance=now + U("3.30"))
    more = bet_body(slot, U("0.40"))
    expect(world.call(BET, more), RS_OK, more)
    now = world.balance(slot.player)
    assert world.call(WIN, win) == win_answer, "an exact replay of a win answered differently"
    assert world.balance(slot.player) == now, "an exact replay of a win moved money"

    rollback = rollback_body(slot, other)
    rollback_answer = expect(world.call(ROLLBACK, rollback), RS_OK, rollback, balance=now + U("2.20"))
    last = bet_body(slot, U("0.50"))
    expect(world.call(BET, last), RS_OK, last)
    now = world.balance(slot.player)
    assert world.call(ROLLBACK, rollback) == rollback_answer, "an exact replay of a rollback answered differently"
    assert world.balance(slot.player) == now, "an exact replay of a rollback moved money"


def test_zero_win_closes_the_round(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    bet = bet_body(slot, U("1.00"), round_closed=False)
    expect(world.call(BET, bet), RS_OK, bet, balance=before - U("1.00"))
    round_row = f"SELECT closed_at IS NULL FROM games_rounds WHERE provider = '{PROVIDER}' AND round = {sql_text(bet['round'])}"
    assert world.sql(round_row) == "t", "the round is closed before its closing win"

    win = win_body(slot, bet, 0, round_closed=True)
    answer = expect(world.call(WIN, win), RS_OK, win, balance=before - U("1.00"), currency="EUR", what="a win of 0")
    assert world.sql(round_row) == "f", "a win of 0 with round_closed true did not close the round"
    assert world.balance(slot.player) == before - U("1.00")

    # Its exact replay is answered the same, even after the balance moved.
    more = bet_body(slot, U("0.25"))
    expect(world.call(BET, more), RS_OK, more)
    assert world.call(WIN, win) == answer, "an exact replay of a win of 0 answered differently"
    assert world.balance(slot.player) == before - U("1.25")


def test_a_free_rounds_win_is_paid(world: Hub88World, slot: Launched) -> None:
    """A free bet (is_free, paid for by the provider) costs the player nothing; its win is credited."""
    before = world.balance(slot.player)
    free = bet_body(slot, U("1.00"), is_free=True)
    expect(world.call(BET, free), RS_OK, free, balance=before, what="a free bet")
    win = win_body(slot, free, U("2.50"))
    expect(world.call(WIN, win), RS_OK, win, balance=before + U("2.50"), what="the free round's win")
    retry = {**win, "request_uuid": new_uuid()}
    expect(world.call(WIN, retry), RS_OK, retry, balance=before + U("2.50"), what="the free round's retried win")
    assert world.balance(slot.player) == before + U("2.50")


def test_a_zero_win_closes_a_free_round(world: Hub88World, slot: Launched) -> None:
    before = world.balance(slot.player)
    free = bet_body(slot, U("1.00"), is_free=True)
    expect(world.call(BET, free), RS_OK, free, balance=before, what="a free bet")
    round_open = f"SELECT closed_at IS NULL FROM games_rounds WHERE provider = '{PROVIDER}' AND round = {sql_text(free['round'])}"
    assert world.sql(round_open) == "t", "the free round is closed before its closing win"
    win = win_body(slot, free, 0, round_closed=True)
    expect(world.call(WIN, win), RS_OK, win, balance=before, what="the free round's win of 0")
    assert world.sql(round_open) == "f", "a win of 0 ending a free round did not close it"
    assert world.balance(slot.player) == before


def test_a_retried_bet_is_answered_after_its_token_expired(world: Hub88World) -> None:
    """The first attempt was applied and its answer lost; the retry comes after the session
    ended and still gets the first answer, not a refusal that would strand the stake."""
    player = world.sign_in("en")
    world.fund(player)
    session = world.launch(player)
    start = U(START_FUNDS)
    bet = bet_body(session, U("4.00"))
    first = expect(world.call(BET, bet), RS_OK, bet, balance=start - U("4.00"))
    world.sql(f"UPDATE games_sessions SET expires_at = now() - interval '1 minute' WHERE player_id = {player.id}")
    assert world.call(BET, bet) == first
    assert world.balance(player) == start - U("4.00")


# ---------------------------------------------------------------------------- disabled games and providers


def test_disabled_game_and_provider(world: Hub88World, slot: Launched) -> None:
    """Disabled in the catalogue (the e2e server caches providers for 0 seconds, so a switch
    counts at once): a bet in the game is refused and the game does not launch; a disabled
    provider launches nothing."""
    roulette = world.launch(slot.player, ROULETTE, "EUR")
    before = world.balance(slot.player)
    try:
        world.sql(f"UPDATE games_catalog SET enabled = false WHERE provider = '{PROVIDER}' AND code = '{ROULETTE}'")
        bet = bet_body(roulette, U("1.00"))
        expect(world.call(BET, bet), INVALID_GAME, bet, balance=before, what="a bet in a disabled game")
        assert world.balance(slot.player) == before
        asked = world.game_url_requests()
        assert_api_error(world.launch_raw(slot.player.client, f"{PROVIDER}:{ROULETTE}", "EUR", slot.player.csrf),
                         404, "gameNotFound", "a launch of a disabled game")

        world.sql(f"UPDATE games_providers SET enabled = false WHERE code = '{PROVIDER}'")
        assert_api_error(world.launch_raw(slot.player.client, f"{PROVIDER}:{SLOT}", "EUR", slot.player.csrf),
                         404, "gameNotFound", "a launch at a disabled provider")
        assert world.game_url_requests() == asked, "a launch of something disabled still asked Hub88"
    finally:
        world.sql(f"UPDATE games_catalog SET enabled = true WHERE provider = '{PROVIDER}' AND code = '{ROULETTE}'")
        world.sql(f"UPDATE games_providers SET enabled = true WHERE code = '{PROVIDER}'")
    # Enabled again, both launch: the refusals came from the switches.
    world.launch(slot.player, SLOT, "EUR")
    world.launch(slot.player, ROULETTE, "EUR")


# ---------------------------------------------------------------------------- the ledger after all of it


def test_ledger_audit_passes(world: Hub88World) -> None:
    res = world.cli("audit")
    assert res.returncode == 0, f"`croupier audit` exited with {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
    assert "ledger audit: 0 violations" in res.stdout, res.stdout
    assert re.search(r"^audit chain: \d+ rows verified$", res.stdout, re.MULTILINE), res.stdout


# ---------------------------------------------------------------------------- metrics


def scrape(world: Hub88World) -> dict[str, float]:
    """/metrics as {'name{labels as sent}': value}."""
    with urllib.request.urlopen(world.base_url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def sample(samples: dict[str, float], name: str, **labels: str) -> float:
    """The one series of `name` whose labels include `labels` (0 when there is none yet)."""
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    found = [v for series, v in samples.items()
             if series.split("{", 1)[0] == name and all(w in series for w in wanted)]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} series"
    return found[0] if found else 0.0


def test_metrics_count_the_wallet_and_the_ledger_and_name_what_the_alerts_use(world: Hub88World, slot: Launched) -> None:
    before = scrape(world)
    bet = bet_body(slot, hub88.units("1.25"))
    expect(world.call("transaction/bet", bet), RS_OK, bet)
    expect(world.call("transaction/bet", bet_body(slot, 100, token="not-a-token")), "RS_ERROR_INVALID_TOKEN", echo=False)
    after = scrape(world)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("croupier_wallet_answers_total", provider=PROVIDER, call="transaction/bet", status=RS_OK) == 1
    assert grew("croupier_wallet_answers_total", provider=PROVIDER, call="transaction/bet", status="RS_ERROR_INVALID_TOKEN") == 1
    assert grew("croupier_ledger_operations_total", kind="bet", currency="EUR", code="ok") == 1
    # EUR's ledger scale is 5 (docs/ledger.md): 1.25 EUR is 125,000 units.
    assert grew("croupier_ledger_units_total", kind="bet", currency="EUR") == 125_000

    # Every metric the alert rules and the dashboard name is one this server exports.
    exported = {series.split("{", 1)[0] for series in after}
    used = set()
    for path in (REPO_ROOT / "deploy/prometheus/alerts.yml", REPO_ROOT / "deploy/grafana/croupier.json"):
        used |= set(re.findall(r"\b(?:croupier|hb|http_server)_[a-z_]+\b", path.read_text()))
    assert used, "no metric names found in the alert rules and the dashboard"
    assert used <= exported, f"named but not exported: {sorted(used - exported)}"
