"""The player wallet page (/wallet): sign-in redirect, balance cards per currency formatted per
locale, history newest first with debits marked, filters, paging, phone layout and a clean
browser console.

Every test signs its own new player in through the real flow (Telegram, e-mail, the mailed code,
over the JSON API) and gives the browser that session's cookie. Money is moved with the CLI
(`croupier adjust`) against the same croupier_e2e database the server uses.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from playwright.sync_api import Locator, Page

from conftest import DESKTOP, PHONE, REPO_ROOT, SMTPInbox, console_errors, croupier_binary

from layout import assert_inside_viewport, assert_no_sideways_scroll
from players import PLAYER_SESSION_COOKIE, sign_in_new_player
from strings import t

LANGS = ["en", "ru"]
PAGE_SIZE = 50  # the server's history page size
SPACES = re.compile(r"[\u00a0\u202f\u2009\s]+")
ADJUST_OK = re.compile(r"^ok transaction (\d+) balance real (\S+) bonus (\S+) locked (\S+) ([A-Z]{3,})$")

ROW = '[data-testid="history-row"]'
FILTERS = '[data-testid="history-filters"]'
NEXT = '[data-testid="next-page"]'
FIRST = '[data-testid="first-page"]'


# ---------------------------------------------------------------------------- helpers




def squash(text: str) -> str:
    """Collapses every kind of space (NBSP, narrow NBSP used as a group separator) to one space."""
    return SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class WalletPlayer:
    """A signed-in player: their id and the session token the sign-in flow gave them."""
    id: int
    session: str




class Cashier:
    """Runs `croupier adjust` with the environment the e2e server uses."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.binary = croupier_binary()

    def adjust(self, player: int, currency: str, amount: str, reason: str = "e2e funding") -> int:
        # `--name=value` so a negative amount is never taken for an option.
        cmd = [str(self.binary), "adjust", f"--player={player}", f"--currency={currency}",
               f"--amount={amount}", f"--reason={reason}", f"--key=e2e-{secrets.token_hex(8)}"]
        res = subprocess.run(cmd, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=60)
        lines = [line for line in res.stdout.splitlines() if line.strip()]
        assert res.returncode == 0, (f"`{' '.join(cmd[1:])}` exited with {res.returncode}\n"
                                     f"stdout: {res.stdout}\nstderr: {res.stderr}")
        assert lines and ADJUST_OK.match(lines[-1].strip()), \
            f"`{' '.join(cmd[1:])}` printed {res.stdout!r}, want 'ok transaction N balance real … EUR'"
        return int(ADJUST_OK.match(lines[-1].strip()).group(1))  # type: ignore[union-attr]


def sign_in_as(page: Page, base_url: str, player: WalletPlayer) -> None:
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": player.session, "url": base_url}])


def open_wallet(page: Page, query: str = "") -> None:
    response = page.goto("/wallet" + query)
    assert response is not None, "no response for /wallet"
    assert response.status == 200, f"GET /wallet{query} -> {response.status}"
    assert urllib.parse.urlsplit(page.url).path == "/wallet", f"/wallet{query} ended on {page.url}"


def rows(page: Page) -> Locator:
    return page.locator(ROW)


def entry_ids(page: Page) -> list[int]:
    return [int(v) for v in page.locator(ROW).evaluate_all("els => els.map(e => e.dataset.entryId)")]


def submit_filters(page: Page) -> None:
    with page.expect_navigation():
        page.locator(f'{FILTERS} [type="submit"]').click()
    assert urllib.parse.urlsplit(page.url).path == "/wallet", f"the filter form went to {page.url}"


def query_of(page: Page) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)






# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cli_env(service_env: dict[str, str], e2e_databases: dict[str, str], base_url: str) -> dict[str, str]:
    """The server's environment for the CLI. Depends on base_url so migrations have run."""
    env = dict(os.environ)
    env.update(service_env)
    env.update(e2e_databases)  # croupier_e2e in PostgreSQL and ClickHouse
    env.update({"CROUPIER_ENV": "test", "CROUPIER_SECRET_KEY": secrets.token_hex(32)})
    return env


@pytest.fixture(scope="module")
def cashier(cli_env: dict[str, str]) -> Cashier:
    return Cashier(cli_env)


@pytest.fixture(scope="module")
def new_player(service_env: dict[str, str], base_url: str, smtp_inbox: SMTPInbox) -> Callable[[], WalletPlayer]:
    """Signs in a new player each call."""
    def sign_in() -> WalletPlayer:
        player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="wallet")
        session = client.session()
        assert session is not None and session.value, "the sign-in flow gave no session"
        return WalletPlayer(id=player_id, session=session.value)
    return sign_in


@pytest.fixture(scope="module")
def funded_player(cashier: Cashier, new_player: Callable[[], WalletPlayer]) -> WalletPlayer:
    """A player with EUR and USD movements, for the tests that only look."""
    player = new_player()
    cashier.adjust(player.id, "EUR", "125.50")
    cashier.adjust(player.id, "EUR", "-20")
    cashier.adjust(player.id, "USD", "15.25")
    return player


@pytest.fixture(scope="module")
def paged_player(cashier: Cashier, new_player: Callable[[], WalletPlayer]) -> WalletPlayer:
    """A player with more movements than one history page holds."""
    player = new_player()
    started = time.monotonic()
    for i in range(PAGE_SIZE + 5):
        cashier.adjust(player.id, "EUR", "1.00", reason=f"e2e paging {i + 1}")
    print(f"{PAGE_SIZE + 5} adjustments took {time.monotonic() - started:.1f}s")
    return player


# ---------------------------------------------------------------------------- tests


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_without_player_redirects_to_signin(new_page: Callable[..., Page], base_url: str, lang: str) -> None:
    page = new_page(lang)
    response = page.request.get("/wallet", max_redirects=0)
    assert response.status in (302, 303, 307), f"GET /wallet without a player -> {response.status}, want a redirect"
    location = urllib.parse.urljoin(base_url + "/", response.headers.get("location", ""))
    assert urllib.parse.urlsplit(location).path == "/signin", f"/wallet redirects to {location!r}, want /signin"

    page.goto("/wallet")
    assert urllib.parse.urlsplit(page.url).path == "/signin", f"/wallet ended on {page.url}, want /signin"
    assert page.locator(ROW).count() == 0


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_balance_and_history(new_page: Callable[..., Page], base_url: str, cashier: Cashier,
                                    new_player: Callable[[], WalletPlayer], lang: str) -> None:
    player = new_player()
    credit_id = cashier.adjust(player.id, "EUR", "125.50")
    debit_id = cashier.adjust(player.id, "EUR", "-20")

    page = new_page(lang)
    sign_in_as(page, base_url, player)
    open_wallet(page)
    assert page.locator("html").get_attribute("lang") == lang
    assert squash(page.locator("h1").first.inner_text()) == t(lang, "wallet.heading")

    # One EUR card, the total formatted per locale.
    assert page.locator('[data-testid^="wallet-balance-"]').count() == 1
    card = page.locator('[data-testid="wallet-balance-EUR"]')
    assert card.is_visible(), "the EUR balance card is not visible"
    total = squash(card.locator('[data-balance="total"]').inner_text())
    if lang == "ru":
        assert "105,50" in total and "€" in total, f"ru total is {total!r}, want '105,50 €'"
        assert "105.50" not in total
    else:
        assert "€105.50" in total, f"en total is {total!r}, want '€105.50'"
    for pocket in ("real", "withdrawable"):
        text = squash(card.locator(f'[data-balance="{pocket}"]').inner_text())
        assert ("105,50" if lang == "ru" else "105.50") in text, f"{pocket} is {text!r}"
    card_text = squash(card.inner_text())
    for label in ("total", "real", "bonus", "locked", "withdrawable"):
        assert squash(t(lang, f"wallet.balance.{label}")) in card_text, f"card lacks the {label} label: {card_text!r}"

    # History: two rows, newest (the debit) first.
    history = rows(page)
    assert history.count() == 2, f"{history.count()} history rows, want 2"
    assert entry_ids(page) == [debit_id, credit_id], f"rows {entry_ids(page)}, want newest first {[debit_id, credit_id]}"
    times = history.locator("time[datetime]").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert len(times) == 2 and all(times) and times[0] >= times[1], f"row times not newest first: {times}"

    debit, credit = history.nth(0), history.nth(1)
    for row in (debit, credit):
        assert row.get_attribute("data-kind") == "adjustment"
        assert row.get_attribute("data-currency") == "EUR"
        assert squash(t(lang, "wallet.kinds.adjustment")) in squash(row.inner_text())

    debit_amount = debit.locator('[data-direction="debit"] .amount')
    assert debit_amount.count() == 1, "the debit row has no [data-direction=debit] amount"
    assert debit.locator('[data-direction="credit"]').count() == 0
    assert "amount--debit" in (debit_amount.get_attribute("class") or "")
    debit_text = squash(debit_amount.inner_text())
    assert debit_text[0] in "−-" and ("20,00" if lang == "ru" else "€20.00") in debit_text, f"debit shows {debit_text!r}"

    credit_amount = credit.locator('[data-direction="credit"] .amount')
    assert credit_amount.count() == 1, "the credit row has no [data-direction=credit] amount"
    assert "amount--credit" in (credit_amount.get_attribute("class") or "")
    credit_text = squash(credit_amount.inner_text())
    assert credit_text.startswith("+") and ("125,50" if lang == "ru" else "€125.50") in credit_text, \
        f"credit shows {credit_text!r}"

    colours = [a.evaluate("el => getComputedStyle(el).color") for a in (debit_amount, credit_amount)]
    assert colours[0] != colours[1], f"debits and credits share the colour {colours[0]}"

    # Balance after each movement (real), newest first.
    after = [squash(v) for v in history.locator(".ledger__after").all_inner_texts()]
    want = ["105,50", "125,50"] if lang == "ru" else ["€105.50", "€125.50"]
    assert all(w in a for w, a in zip(want, after)), f"balances after: {after}, want {want}"

    # The reference (idempotency key) is shown in monospace.
    ref = debit.locator("code.ledger__ref")
    assert ref.count() == 1 and ref.inner_text().strip(), "the row shows no reference"

    # No second page.
    assert page.locator(NEXT).count() == 0


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_filters(new_page: Callable[..., Page], base_url: str, cashier: Cashier,
                        new_player: Callable[[], WalletPlayer], lang: str) -> None:
    player = new_player()
    cashier.adjust(player.id, "EUR", "40")
    cashier.adjust(player.id, "USD", "15.25")

    page = new_page(lang)
    sign_in_as(page, base_url, player)
    open_wallet(page)
    assert page.locator('[data-testid="wallet-balance-EUR"]').is_visible()
    assert page.locator('[data-testid="wallet-balance-USD"]').is_visible()
    assert rows(page).count() == 2

    form = page.locator(FILTERS)
    assert form.get_attribute("method") == "get" and form.get_attribute("action") == "/wallet"
    for name in ("currency", "kind", "from", "until"):
        control = form.locator(f'[name="{name}"]')
        assert control.count() == 1, f"the filter form has no {name!r} field"
        control_id = control.get_attribute("id")
        assert control_id and form.locator(f'label[for="{control_id}"]').count() == 1, f"{name!r} has no label"
    assert form.locator('input[name="from"]').get_attribute("type") == "date"
    assert form.locator('input[name="until"]').get_attribute("type") == "date"
    all_label = squash(t(lang, "wallet.filters.all"))
    for name in ("currency", "kind"):
        first = form.locator(f'select[name="{name}"] option').first
        assert first.get_attribute("value") == "" and squash(first.inner_text()) == all_label

    # Currency: only USD rows.
    form.locator('select[name="currency"]').select_option("USD")
    submit_filters(page)
    assert query_of(page).get("currency") == ["USD"], page.url
    assert rows(page).count() == 1, f"{rows(page).count()} rows for USD, want 1"
    assert set(rows(page).evaluate_all("els => els.map(e => e.dataset.currency)")) == {"USD"}
    assert "$" in rows(page).first.inner_text()
    assert page.locator(f'{FILTERS} select[name="currency"]').input_value() == "USD", "the currency choice was not kept"

    # Kind "adjustment" keeps them.
    page.locator(f'{FILTERS} select[name="kind"]').select_option("adjustment")
    submit_filters(page)
    assert query_of(page).get("kind") == ["adjustment"] and query_of(page).get("currency") == ["USD"], page.url
    assert rows(page).count() == 1
    assert rows(page).first.get_attribute("data-kind") == "adjustment"
    assert page.locator(f'{FILTERS} select[name="kind"]').input_value() == "adjustment"

    # Another kind: the empty state, in the page's language.
    page.locator(f'{FILTERS} select[name="kind"]').select_option("bet")
    submit_filters(page)
    assert rows(page).count() == 0
    empty = page.locator('[data-testid="history-empty"]')
    assert empty.is_visible(), "no empty state for a filter without matches"
    assert squash(t(lang, "wallet.history.emptyTitle")) in squash(empty.inner_text())

    # Dates: a period in the future matches nothing; one around today matches everything.
    today = datetime.now(timezone.utc).date()
    page.locator(f'{FILTERS} select[name="kind"]').select_option("")
    page.locator(f'{FILTERS} select[name="currency"]').select_option("")
    page.locator(f'{FILTERS} input[name="from"]').fill((today + timedelta(days=2)).isoformat())
    submit_filters(page)
    assert query_of(page).get("from") == [(today + timedelta(days=2)).isoformat()], page.url
    assert rows(page).count() == 0
    assert page.locator(f'{FILTERS} input[name="from"]').input_value() == (today + timedelta(days=2)).isoformat()

    page.locator(f'{FILTERS} input[name="from"]').fill((today - timedelta(days=1)).isoformat())
    page.locator(f'{FILTERS} input[name="until"]').fill((today + timedelta(days=1)).isoformat())
    submit_filters(page)
    assert rows(page).count() == 2

    # Reset goes back to the plain page.
    with page.expect_navigation():
        page.locator('[data-testid="reset-filters"]').click()
    assert urllib.parse.urlsplit(page.url).path == "/wallet" and not urllib.parse.urlsplit(page.url).query
    assert rows(page).count() == 2
    assert console_errors(page) == [], "\n".join(console_errors(page))


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_paging(new_page: Callable[..., Page], base_url: str, paged_player: WalletPlayer, lang: str) -> None:
    page = new_page(lang)
    sign_in_as(page, base_url, paged_player)
    open_wallet(page)

    first_page = entry_ids(page)
    assert len(first_page) == PAGE_SIZE, f"page 1 has {len(first_page)} rows, want {PAGE_SIZE}"
    assert first_page == sorted(first_page, reverse=True), "page 1 is not newest first"
    assert page.locator(FIRST).count() == 0, "page 1 links to the newest page"
    older = page.locator(NEXT)
    assert older.count() == 1, "page 1 has no link to older movements"
    assert squash(t(lang, "wallet.paging.older")) in squash(older.inner_text())

    with page.expect_navigation():
        older.click()
    second_page = entry_ids(page)
    assert len(second_page) == 5, f"page 2 has {len(second_page)} rows, want 5"
    assert max(second_page) < min(first_page), f"page 2 {second_page} overlaps page 1"
    assert second_page == sorted(second_page, reverse=True)
    assert page.locator(NEXT).count() == 0, "the last page still links to older movements"
    newest = page.locator(FIRST)
    assert newest.count() == 1, "page 2 has no link back to the newest movements"
    assert squash(t(lang, "wallet.paging.newest")) in squash(newest.inner_text())

    with page.expect_navigation():
        newest.click()
    assert entry_ids(page) == first_page
    assert console_errors(page) == [], "\n".join(console_errors(page))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_wallet_viewport(new_page: Callable[..., Page], base_url: str, funded_player: WalletPlayer,
                         viewport: str, theme: str, lang: str) -> None:
    """Phone (390x844) and desktop (1440x900), both themes; the screenshots land in artifacts/."""
    size = PHONE if viewport == "phone" else DESKTOP
    page = new_page(lang, viewport)
    sign_in_as(page, base_url, funded_player)
    page.context.add_cookies([{"name": "theme", "value": theme, "url": base_url}])
    open_wallet(page)
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("data-theme") == theme

    assert_no_sideways_scroll(page, size["width"])
    card = page.locator('[data-testid="wallet-balance-EUR"]')
    assert card.is_visible(), "the EUR balance card is not visible"
    assert_inside_viewport(card, size["width"], "the EUR balance card")
    if viewport == "phone":
        box = card.bounding_box()
        assert box is not None and box["y"] < size["height"], f"the balance card starts below the first screen: {box}"

    history = rows(page)
    assert history.count() == 3
    for i in range(history.count()):
        assert_inside_viewport(history.nth(i), size["width"], f"history row {i + 1}")
    ref = history.first.locator("code.ledger__ref")
    assert_inside_viewport(ref, size["width"], "the reference")
    assert_inside_viewport(page.locator(FILTERS), size["width"], "the filter form")

    # Sideways scroll must not come back after the local times are rewritten by theme.js.
    assert_no_sideways_scroll(page, size["width"])


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_has_no_console_errors(new_page: Callable[..., Page], base_url: str, funded_player: WalletPlayer, lang: str) -> None:
    page = new_page(lang)
    sign_in_as(page, base_url, funded_player)
    open_wallet(page)
    page.wait_for_load_state("networkidle")
    errors = console_errors(page)
    assert errors == [], "console errors / CSP violations on /wallet:\n" + "\n".join(errors)

    open_wallet(page, "?currency=EUR&kind=adjustment")
    page.wait_for_load_state("networkidle")
    errors = console_errors(page)
    assert errors == [], "console errors / CSP violations on a filtered /wallet:\n" + "\n".join(errors)
