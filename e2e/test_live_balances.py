"""Live balances (docs/live.md) across two `croupier serve` copies on one database and NATS.

A player has the wallet page open on copy A and on copy B, and the lobby on copy B. A finance
staff member asks for a credit through the staff API and a second one approves it (four eyes, the
money moves in the approval's transaction): the wallet pages show the new balance in their cards
and the lobby in its header chip within 1 s of the approval's answer, without reloading and
without polling (their sockets are open). The handshake is refused for another site's Origin (a
copy's own origin is not another copy's), without a session, and with a staff session as the
player cookie; the browser consoles stay clean (the CSP lets the page reach its own origin's
socket). While the socket cannot open, the page polls the wallet API, and it goes back to the
socket once it can, polls no more, and ignores the polls still in flight; a balance not newer than the one shown is dropped; a 1008 close ends the page only when the wallet API says
the player is signed out; when its copy stops and starts again, the page reconnects and shows
what changed while it was away.
"""
from __future__ import annotations

import base64
import http.client
import re
import secrets
import time
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from conftest import (
    RESTARTED_SERVER_LOG, SMTPInbox, _free_port, another_copy_env, console_errors, e2e_sql, give_originals_back,
    running_server)
from players import PLAYER_SESSION_COOKIE, PlayerClient, sign_in_new_player
from staff import Staff, StaffFactory

# The acceptance: a change appears on an open page within this long of its commit.
WITHIN_MS = 1000
LIVE = "html[data-live-balances='open']"


class StaffAPI:
    """One staff member signed in through the staff API (their TOTP code is used once)."""

    def __init__(self, base_url: str, member: Staff) -> None:
        self.client = PlayerClient(base_url)
        signed_in = self.client.ok("POST", "/api/v1/staff/login",
                                   {"email": member.email, "password": member.password, "totp": member.code()})
        self.csrf = signed_in["csrfToken"]

    def post(self, path: str, body: dict | None = None, key: str | None = None) -> dict:
        headers = {"X-CSRF-Token": self.csrf}
        if key:
            headers["Idempotency-Key"] = key
        status, answer, _ = self.client.call("POST", path, body if body is not None else {}, headers)
        assert status == 200, f"POST {path} -> {status}: {answer}"
        return answer


def credit(asker: StaffAPI, approver: StaffAPI, player: int, amount: str) -> None:
    """A credit in EUR asked for by one staff member and approved by another; returns once the
    approval (and so the ledger transaction) has committed."""
    asked = asker.post("/api/v1/staff/adjustment-requests",
                       {"player": player, "currency": "EUR", "amount": amount, "reason": "live balances e2e"},
                       key=f"live-{secrets.token_hex(6)}")
    approved = approver.post(f"/api/v1/staff/adjustment-requests/{asked['id']}/approve")
    assert approved["adjustment"]["code"] == "ok", approved


def handshake(base_url: str, origin: str | None, cookie: str | None) -> int:
    """The status a WebSocket handshake to /live/balances gets: 101 when upgraded, 400 when
    refused (the reason is told only to a request without Upgrade: docs/live.md)."""
    address = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode()}
    if origin:
        headers["Origin"] = origin
    if cookie:
        headers["Cookie"] = f"{PLAYER_SESSION_COOKIE}={cookie}"
    try:
        connection.request("GET", "/live/balances", headers=headers)
        response = connection.getresponse()
        return response.status
    finally:
        connection.close()


def open_page(new_page: Callable[..., Page], url: str, session: str, name: str) -> Page:
    """A new browser with the player's session, on `url` once its live socket is open."""
    page = new_page("en", name=name)
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session, "url": url}])
    page.goto(url)
    expect(page.locator(LIVE)).to_have_count(1)
    return page


def open_wallet(new_page: Callable[..., Page], base_url: str, session: str, name: str) -> Page:
    return open_page(new_page, f"{base_url}/wallet", session, name)


@pytest.fixture
def staff_pair(server_env: dict[str, str], fresh_sign_in_limits: None) -> tuple[StaffAPI, StaffAPI]:
    factory = StaffFactory(server_env)
    return (StaffAPI(server_env["CROUPIER_PUBLIC_URL"], factory.create("finance")),
            StaffAPI(server_env["CROUPIER_PUBLIC_URL"], factory.create("finance")))


def test_a_credit_through_the_api_appears_within_a_second_on_wallet_pages_of_both_copies(
        new_page: Callable[..., Page], base_url: str, second_server: str, service_env: dict[str, str],
        smtp_inbox: SMTPInbox, staff_pair: tuple[StaffAPI, StaffAPI]) -> None:
    asker, approver = staff_pair
    player, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live")
    session = client.session()
    assert session is not None and session.value
    credit(asker, approver, player, "10.00")  # an EUR card to watch

    pages = [open_wallet(new_page, base, session.value, name) for base, name in ((base_url, "a"), (second_server, "b"))]
    for page in pages:
        expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€10.00")
    lobby = open_page(new_page, f"{second_server}/lobby", session.value, "lobby-b")
    lobby_chip = lobby.locator("[data-balance-chip] [data-balance-real]")
    expect(lobby_chip).to_have_text("€10.00")

    credit(asker, approver, player, "12.34")
    committed = time.monotonic()
    shown = [page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]') for page in pages] + [lobby_chip]
    for amount in shown:
        left = max(1, WITHIN_MS - int((time.monotonic() - committed) * 1000))
        expect(amount).to_have_text("€22.34", timeout=left)
    elapsed = time.monotonic() - committed
    assert elapsed < WITHIN_MS / 1000, f"the pages showed the credit {elapsed:.3f}s after it committed"
    print(f"live balances: both copies' wallet pages and a lobby showed the credit {elapsed * 1000:.0f} ms after its commit")
    for page in pages:
        card = page.get_by_test_id("wallet-balance-EUR")
        expect(card.locator('[data-balance="total"]')).to_have_text("€22.34")
        expect(card.locator('[data-balance="withdrawable"]')).to_have_text("€22.34")
        expect(page.locator("[data-balance-chip] [data-balance-real]")).to_have_text("€22.34")
    for page in pages + [lobby]:
        expect(page.locator(LIVE)).to_have_count(1)  # pushed, not polled
        assert not console_errors(page), console_errors(page)


def test_the_handshake_is_refused_for_another_origin_and_without_a_player_session(
        base_url: str, second_server: str, service_env: dict[str, str], smtp_inbox: SMTPInbox,
        server_env: dict[str, str], fresh_sign_in_limits: None) -> None:
    _, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live-refused")
    session = client.session()
    assert session is not None and session.value
    assert handshake(base_url, base_url, session.value) == 101
    assert handshake(second_server, second_server, session.value) == 101
    assert handshake(base_url, "https://evil.example", session.value) == 400
    assert handshake(base_url, second_server, session.value) == 400, "copy B's origin is not copy A's site"
    assert handshake(base_url, None, session.value) == 400
    assert handshake(base_url, base_url, None) == 400
    assert handshake(base_url, base_url, "0" * 64) == 400

    member = StaffFactory(server_env).create("support")
    staff = PlayerClient(base_url)
    staff.ok("POST", "/api/v1/staff/login", {"email": member.email, "password": member.password, "totp": member.code()})
    token = next(c.value for c in staff.cookies if c.name == "croupier_staff")
    assert handshake(base_url, base_url, token) == 400, "a staff session is no player session"


def test_while_its_socket_is_refused_a_page_polls_and_it_stops_polling_once_the_socket_is_back(
        new_page: Callable[..., Page], base_url: str, service_env: dict[str, str], smtp_inbox: SMTPInbox,
        staff_pair: tuple[StaffAPI, StaffAPI]) -> None:
    asker, approver = staff_pair
    player, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live-poll")
    session = client.session()
    assert session is not None and session.value
    credit(asker, approver, player, "5.00")

    socket_down = True

    def socket(route: WebSocketRoute) -> None:
        if socket_down:
            route.close()
        else:
            route.connect_to_server()

    page = new_page("en", name="polling")
    page.route_web_socket(re.compile(r".*/live/balances$"), socket)
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    page.goto(f"{base_url}/wallet")
    expect(page.locator("html[data-live-balances='polling']")).to_have_count(1)

    credit(asker, approver, player, "2.50")
    expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€7.50")

    socket_down = False
    expect(page.locator(LIVE)).to_have_count(1)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/api/v1/wallet" in request.url else None)
    credit(asker, approver, player, "1.25")
    expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€8.75", timeout=WITHIN_MS)
    # Longer than a poll's interval (5 s): a page that kept polling would have asked by now.
    page.wait_for_timeout(6000)
    assert polls == [], f"polled with its socket open: {polls}"
    assert not console_errors(page), console_errors(page)


def test_a_poll_answered_after_the_socket_came_back_is_not_shown(
        new_page: Callable[..., Page], base_url: str, service_env: dict[str, str], smtp_inbox: SMTPInbox,
        staff_pair: tuple[StaffAPI, StaffAPI]) -> None:
    asker, approver = staff_pair
    player, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live-inflight")
    session = client.session()
    assert session is not None and session.value
    credit(asker, approver, player, "2.00")
    socket_down = True
    held: list = []

    def socket(route: WebSocketRoute) -> None:
        if socket_down:
            route.close()
        else:
            route.connect_to_server()

    page = new_page("en", name="inflight")
    page.add_init_script("""
        window.shownReals = [];
        document.addEventListener("croupier:balances", (event) => window.shownReals.push(event.detail.real));
    """)
    page.route_web_socket(re.compile(r".*/live/balances$"), socket)
    # Polls are held unanswered: they are in flight when the socket comes back.
    page.route(re.compile(r".*/api/v1/wallet$"), lambda route: held.append(route))
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    page.goto(f"{base_url}/wallet")
    expect(page.locator("html[data-live-balances='polling']")).to_have_count(1, timeout=15_000)
    assert held, "no poll was made while the socket was down"

    socket_down = False
    expect(page.locator(LIVE)).to_have_count(1, timeout=15_000)
    stale = '{"balances":[{"currency":"EUR","real":"999.00000","bonus":"0.00000","locked":"0.00000"}]}'
    for route in held:
        route.fulfill(status=200, content_type="application/json", body=stale)
    credit(asker, approver, player, "1.00")
    expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€3.00")
    assert "999.00000" not in page.evaluate("window.shownReals"), "a poll's older answer was shown over the push"


def test_a_balance_not_newer_than_what_the_page_showed_is_dropped(
        new_page: Callable[..., Page], base_url: str, service_env: dict[str, str], smtp_inbox: SMTPInbox,
        staff_pair: tuple[StaffAPI, StaffAPI]) -> None:
    asker, approver = staff_pair
    player, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live-stale")
    session = client.session()
    assert session is not None and session.value
    credit(asker, approver, player, "3.00")
    connected: list[WebSocketRoute] = []

    def socket(route: WebSocketRoute) -> None:
        route.connect_to_server()
        connected.append(route)

    page = new_page("en", name="stale")
    page.route_web_socket(re.compile(r".*/live/balances$"), socket)
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    page.goto(f"{base_url}/wallet")
    expect(page.locator(LIVE)).to_have_count(1)
    page.evaluate("""() => {
        window.shownReals = [];
        document.addEventListener("croupier:balances", (event) => window.shownReals.push(event.detail.real));
    }""")

    def balance(transaction: str, real: str) -> str:
        return ('{"type":"balance","transaction":"%s","currency":"EUR","real":"%s","bonus":"0.00000",'
                '"locked":"0.00000"}') % (transaction, real)

    # Older than the snapshot's transaction (the credit above): a late event the snapshot includes.
    connected[-1].send(balance("1", "999.00000"))
    connected[-1].send(balance("9000000000000000001", "12.34000"))
    connected[-1].send(balance("9000000000000000000", "998.00000"))
    connected[-1].send(balance("9000000000000000002", "12.35000"))
    expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€12.35")
    assert page.evaluate("window.shownReals") == ["12.34000", "12.35000"]


def test_a_1008_close_ends_the_page_only_once_the_wallet_answers_401(
        new_page: Callable[..., Page], base_url: str, service_env: dict[str, str], smtp_inbox: SMTPInbox) -> None:
    player, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="live-1008")
    session = client.session()
    assert session is not None and session.value
    refused = {"left": 1}
    connected: list[WebSocketRoute] = []

    def socket(route: WebSocketRoute) -> None:
        # The server's answer to a session that ended (docs/live.md), without waiting for its check.
        if refused["left"] > 0:
            refused["left"] -= 1
            route.close(code=1008, reason="session ended")
        else:
            route.connect_to_server()
            connected.append(route)

    page = new_page("en", name="session-ended")
    page.route_web_socket(re.compile(r".*/live/balances$"), socket)
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    page.goto(f"{base_url}/wallet")
    # Still signed in (another tab signed in again): the poll answers 200 and the socket comes back.
    expect(page.locator(LIVE)).to_have_count(1, timeout=15_000)
    assert refused["left"] == 0

    e2e_sql(service_env, f"UPDATE identity_sessions SET revoked_at = now() WHERE player_id = {player}")
    connected[-1].close(code=1008, reason="session ended")
    expect(page.locator("html[data-live-balances='ended']")).to_have_count(1, timeout=15_000)


def test_a_page_whose_copy_restarts_reconnects_and_shows_what_changed_while_it_was_away(
        new_page: Callable[..., Page], server: str, server_env: dict[str, str], service_env: dict[str, str],
        smtp_inbox: SMTPInbox, staff_pair: tuple[StaffAPI, StaffAPI]) -> None:
    asker, approver = staff_pair
    player, client = sign_in_new_player(service_env, server, smtp_inbox, email_prefix="live-restart")
    session = client.session()
    assert session is not None and session.value
    credit(asker, approver, player, "4.00")

    env = another_copy_env(server_env, _free_port())
    try:
        with running_server(env, RESTARTED_SERVER_LOG) as copy:
            page = open_wallet(new_page, copy, session.value, "restart")
        # The copy stopped (closing the socket with 1000): after a first retry 0-5 s later fails,
        # the page polls a server that is not there.
        expect(page.locator("html[data-live-balances='polling']")).to_have_count(1, timeout=15_000)
        credit(asker, approver, player, "3.00")
        with running_server(env, RESTARTED_SERVER_LOG):
            expect(page.locator(LIVE)).to_have_count(1)
            expect(page.get_by_test_id("wallet-balance-EUR").locator('[data-balance="real"]')).to_have_text("€7.00")
            expect(page.locator("[data-balance-chip] [data-balance-real]")).to_have_text("€7.00")
    finally:
        give_originals_back(service_env, server, env["CROUPIER_PUBLIC_URL"])
