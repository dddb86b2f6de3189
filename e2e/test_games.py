"""Games: the lobby (/lobby), the play page (/play/PROVIDER/CODE) and Croupier Originals, the
casino's own provably fair Dice and Slot, which run in the play page's iframe.

Players sign in for real (Telegram's Login Widget redirect, then the code from the mail the SMTP
relay received) and get money with `croupier adjust`, run with the server's own environment.
`croupier serve` registers the `originals` provider with its games `dice` and `slot` at start in
test mode. Every amount is compared as a Decimal: the game shows the server's decimal string, the
header chip shows it formatted per language ("€100.00", "100,00 €"), and after every round both
must have moved by exactly win − bet.
"""
from __future__ import annotations

import re
import secrets
import subprocess
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from conftest import PHONE, REPO_ROOT, VIEWPORTS, SMTPInbox, console_errors, croupier_binary
from layout import assert_inside_viewport, assert_no_sideways_scroll
from players import complete_sign_in, path_of, random_telegram_id, start_with_telegram
from strings import t

LANGS = ["en", "ru"]
CURRENCY = "EUR"
ROUND_TIMEOUT_MS = 60_000  # a bound that only catches a hang, never a slow machine

SEARCH = '[data-testid="lobby-search"]'
TILE = '[data-testid="game-tile"]'
CATEGORY = '[data-testid="lobby-category"]'
EMPTY = '[data-testid="lobby-empty"]'
FRAME = '[data-testid="game-frame"]'
GAME = "[data-originals]"
BET = '[data-testid="bet-input"]'
PLAY = '[data-testid="play-button"]'
RESULT = '[data-testid="round-result"]'
GAME_BALANCE = '[data-testid="game-balance"]'
MESSAGE = '[data-testid="game-message"]'
CHIP = "[data-balance-real]"
PAGE_BALANCE = '[data-testid="play-balance"]'

ADJUST_OK = re.compile(r"^ok transaction \d+ balance real \S+ ")
NOT_AMOUNT = re.compile(r"[^0-9,.\-−]")

pytestmark = pytest.mark.usefixtures("fresh_sign_in_limits")


# ---------------------------------------------------------------------------- helpers


@dataclass
class Round:
    id: str
    won: bool
    bet: Decimal
    win: Decimal


def sign_in(page: Page, base_url: str, inbox: SMTPInbox) -> int:
    """Signs a new player in; returns their player id."""
    user_id = random_telegram_id()
    mark = inbox.mark()
    start_with_telegram(page, base_url, user_id)
    complete_sign_in(page, f"games{user_id}@example.com", inbox, after=mark)
    me = page.request.get("/api/v1/me")
    assert me.status == 200, f"GET /api/v1/me -> {me.status}"
    return int(me.json()["player"]["id"])


def credit(server_env: dict[str, str], player: int, amount: str) -> None:
    cmd = [str(croupier_binary()), "adjust", f"--player={player}", f"--currency={CURRENCY}",
           f"--amount={amount}", "--reason=e2e games", f"--key=e2e-{secrets.token_hex(8)}"]
    res = subprocess.run(cmd, cwd=REPO_ROOT, env=server_env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    lines = [line.strip() for line in res.stdout.splitlines() if line.strip()]
    assert res.returncode == 0 and lines and ADJUST_OK.match(lines[-1]), \
        f"`{' '.join(cmd[1:])}` exited with {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"


def chip_amount(text: str, lang: str) -> Decimal:
    """The header chip's amount: "€1,234.50" (en) or "1 234,50 €" (ru, narrow no-break spaces)."""
    number = NOT_AMOUNT.sub("", text).replace("−", "-")
    number = number.replace(",", ".") if lang == "ru" else number.replace(",", "")
    assert number, f"no amount in {text!r}"
    return Decimal(number)


def wait_for(page: Page, check: Callable[[], object], what: str, timeout_ms: int = 60_000) -> object:
    waited = 0
    while True:
        value = check()
        if value:
            return value
        if waited >= timeout_ms:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {what}")
        page.wait_for_timeout(100)
        waited += 100


def game_balance(frame: FrameLocator) -> Decimal:
    return Decimal(frame.locator(GAME_BALANCE).inner_text().strip())


def wait_for_game_balance(page: Page, frame: FrameLocator, want: Decimal) -> None:
    wait_for(page, lambda: game_balance(frame) == want,
             f"the game's balance to be {want} (it shows {frame.locator(GAME_BALANCE).inner_text()!r})")


def wait_for_chip(page: Page, lang: str, want: Decimal) -> None:
    """The header chip (and the page's own balance) catch up with the game."""
    chip = page.locator(CHIP)
    wait_for(page, lambda: chip_amount(chip.inner_text(), lang) == want,
             f"the header balance to be {want} (it shows {chip.inner_text()!r})")
    own = page.locator(PAGE_BALANCE)
    wait_for(page, lambda: chip_amount(own.inner_text(), lang) == want,
             f"the play page's balance to be {want} (it shows {own.inner_text()!r})")


def open_lobby(page: Page, query: str = "") -> None:
    response = page.goto("/lobby" + query)
    assert response is not None and response.status == 200, \
        f"GET /lobby{query} -> {response.status if response else 'no response'}"
    assert path_of(page) == "/lobby", f"/lobby{query} ended on {page.url}"


def tile(page: Page, game: str) -> Locator:
    return page.locator(f'{TILE}[data-provider="originals"][data-game="{game}"]')


def visible_games(page: Page) -> list[str]:
    return page.locator(TILE).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.provider + '/' + e.dataset.game)")


def open_game(page: Page, game: str) -> FrameLocator:
    """From the lobby's tile to the play page; returns the game's frame once the game is up."""
    open_lobby(page)
    with page.expect_navigation():
        tile(page, game).click()
    assert path_of(page) == f"/play/originals/{game}", f"the {game} tile led to {page.url}"
    iframe = page.locator(FRAME)
    expect(iframe).to_be_visible()
    assert iframe.get_attribute("title"), "the game frame has no title"
    frame = page.frame_locator(FRAME)
    expect(frame.locator(GAME)).to_be_visible()
    expect(frame.locator(PLAY)).to_be_enabled()
    return frame


def limits(frame: FrameLocator) -> tuple[Decimal, Decimal]:
    root = frame.locator(GAME)
    return Decimal(root.get_attribute("data-min-bet") or "0"), Decimal(root.get_attribute("data-max-bet") or "0")


def a_bet(frame: FrameLocator, wanted: str = "1.00") -> str:
    """`wanted`, moved inside the game's limits, written with two decimals."""
    low, high = limits(frame)
    bet = min(max(Decimal(wanted), low), high)
    return f"{bet:.2f}"


def play_round(page: Page, frame: FrameLocator) -> Round:
    result = frame.locator(RESULT)
    before = result.get_attribute("data-round")
    frame.locator(PLAY).click()
    if before is None:
        expect(frame.locator(f"{RESULT}[data-round]")).to_have_count(1, timeout=ROUND_TIMEOUT_MS)
    else:
        expect(result).not_to_have_attribute("data-round", before, timeout=ROUND_TIMEOUT_MS)
    expect(frame.locator(MESSAGE)).to_be_hidden()
    won = result.get_attribute("data-won")
    assert won in ("true", "false"), f"round-result has data-won={won!r}"
    played = Round(id=result.get_attribute("data-round") or "", won=won == "true",
                   bet=Decimal(result.get_attribute("data-bet") or "x"), win=Decimal(result.get_attribute("data-win") or "x"))
    assert played.won == (played.win > 0), f"data-won={won} but the win is {played.win}"
    return played


def assert_clean(page: Page, frame: FrameLocator | None, what: str) -> None:
    errors = console_errors(page)  # console messages of the page and its frames
    if frame is not None:
        violations = frame.locator("html").evaluate("() => window.__cspViolations || []")
        errors += [f"CSP violation in the game: {v}" for v in violations]
    assert not errors, f"{what}: console errors or CSP violations:\n" + "\n".join(errors)


def assert_frame_fits(frame: FrameLocator, what: str) -> None:
    widths = frame.locator("html").evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, f"{what} scrolls sideways inside its frame: {widths}"


# ---------------------------------------------------------------------------- lobby


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_lobby_lists_the_originals_and_filters(new_page: Callable[..., Page], base_url: str, smtp_inbox: SMTPInbox,
                                               viewport: str, lang: str) -> None:
    page = new_page(lang, viewport)
    sign_in(page, base_url, smtp_inbox)
    open_lobby(page)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").first.inner_text().strip() == t(lang, "lobby.heading")

    dice, slot = tile(page, "dice"), tile(page, "slot")
    for name, game in (("dice", dice), ("slot", slot)):
        expect(game).to_have_count(1)
        expect(game).to_be_visible()
        assert game.get_attribute("href") == f"/play/originals/{name}", game.get_attribute("href")
        assert_inside_viewport(game, VIEWPORTS[viewport]["width"], f"the {name} tile")
    assert_no_sideways_scroll(page, VIEWPORTS[viewport]["width"], "/lobby")

    # The server's search, by the name the tile shows.
    dice_name = dice.locator(".game-tile__name").inner_text().strip()
    slot_name = slot.locator(".game-tile__name").inner_text().strip()
    assert dice_name and slot_name
    form = page.locator(SEARCH)
    assert form.get_attribute("method") == "get" and form.get_attribute("action") == "/lobby"
    form.locator('input[name="q"]').fill(dice_name)
    with page.expect_navigation():
        form.locator('input[name="q"]').press("Enter")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("q") == [dice_name], page.url
    assert "originals/dice" in visible_games(page), f"searching {dice_name!r} shows {visible_games(page)}"
    if dice_name.lower() not in slot_name.lower():
        assert "originals/slot" not in visible_games(page), f"searching {dice_name!r} shows {visible_games(page)}"
    assert page.locator(f"{SEARCH} input[name='q']").input_value() == dice_name, "the search text was not kept"

    # Nothing found: the empty state, in the page's language.
    open_lobby(page, "?q=" + urllib.parse.quote("no such game " + secrets.token_hex(4)))
    assert visible_games(page) == []
    empty = page.locator(EMPTY)
    expect(empty).to_be_visible()
    assert t(lang, "lobby.emptyTitle") in empty.inner_text()

    # Typing filters the tiles on the page at once; clearing brings them back.
    open_lobby(page)
    everything = visible_games(page)
    search = page.locator(f"{SEARCH} input[name='q']")
    search.fill("zz" + secrets.token_hex(3))
    expect(page.locator(EMPTY)).to_be_visible()
    assert visible_games(page) == []
    search.fill(slot_name)
    wait_for(page, lambda: "originals/slot" in visible_games(page), "the slot tile while typing its name", 5_000)
    search.fill("")
    wait_for(page, lambda: visible_games(page) == everything, "every tile after clearing the search", 5_000)
    expect(page.locator(EMPTY)).to_be_hidden()

    # The category of the Originals: a plain link, kept in the URL, showing both games.
    category_label = dice.locator(".game-tile__category").inner_text().strip()
    chips = page.locator(CATEGORY)
    labels = [c.strip() for c in chips.locator("span:first-child").all_inner_texts()]
    assert category_label in labels, f"no category chip {category_label!r} among {labels}"
    chip = chips.nth(labels.index(category_label))
    code = chip.get_attribute("data-category")
    with page.expect_navigation():
        chip.click()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("category") == [code], page.url
    expect(page.locator(f'{CATEGORY}[data-category="{code}"]')).to_have_attribute("aria-current", "true")
    shown = visible_games(page)
    assert "originals/dice" in shown and "originals/slot" in shown, f"category {code!r} shows {shown}"
    categories = page.locator(TILE).locator(".game-tile__category").all_inner_texts()
    assert all(c.strip() == category_label for c in categories), f"category {code!r} shows tiles of {set(categories)}"
    assert_no_sideways_scroll(page, VIEWPORTS[viewport]["width"], f"/lobby?category={code}")
    assert_clean(page, None, "/lobby")


# ---------------------------------------------------------------------------- playing


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_dice_and_slot_move_the_balance_exactly(new_page: Callable[..., Page], base_url: str, smtp_inbox: SMTPInbox,
                                                server_env: dict[str, str], viewport: str, lang: str) -> None:
    page = new_page(lang, viewport)
    player = sign_in(page, base_url, smtp_inbox)
    credit(server_env, player, "100.00")
    width = VIEWPORTS[viewport]["width"]

    # Dice.
    frame = open_game(page, "dice")
    assert frame.locator("html").get_attribute("lang") == lang
    assert game_balance(frame) == Decimal("100"), f"the game starts with {frame.locator(GAME_BALANCE).inner_text()!r}"
    wait_for_chip(page, lang, Decimal("100"))
    assert_no_sideways_scroll(page, width, "the dice play page")
    assert_frame_fits(frame, "Dice")
    if viewport == "phone":
        box = page.locator(FRAME).bounding_box()
        assert box is not None and box["height"] >= 0.6 * PHONE["height"], f"the game is too small on a phone: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"the game overflows the phone: {box}"

    frame.locator('[data-testid="dice-direction-under"]').click()
    expect(frame.locator('[data-testid="dice-direction-under"]')).to_have_attribute("aria-pressed", "true")
    frame.locator('[data-testid="dice-target"]').fill("5000")
    bet = a_bet(frame, "1.00")
    frame.locator(BET).fill(bet)
    balance, chip = Decimal("100"), Decimal("100")
    for _ in range(2):
        played = play_round(page, frame)
        assert played.bet == Decimal(bet), f"the round took {played.bet}, the bet was {bet}"
        balance, chip = balance - played.bet + played.win, chip - played.bet + played.win
        wait_for_game_balance(page, frame, balance)
        wait_for_chip(page, lang, chip)
        number = frame.locator("[data-dice-number]").inner_text().strip()
        assert re.fullmatch(r"\d\d\.\d\d", number), f"the roll shows {number!r}"
    assert frame.locator(".og-history__chip").count() == 2, "the history strip does not show both rolls"
    assert_clean(page, frame, "Dice")

    # Slot.
    frame = open_game(page, "slot")
    assert game_balance(frame) == balance, f"the slot starts with {frame.locator(GAME_BALANCE).inner_text()!r}, want {balance}"
    expect(frame.locator('[data-testid="slot-reels"]')).to_be_visible()
    expect(frame.locator('[data-testid="slot-reel"]')).to_have_count(5)
    assert_frame_fits(frame, "the Slot")
    bet = a_bet(frame, "1.00")
    frame.locator(BET).fill(bet)
    played = play_round(page, frame)
    assert played.bet == Decimal(bet), f"the spin took {played.bet}, the bet was {bet}"
    balance, chip = balance - played.bet + played.win, chip - played.bet + played.win
    wait_for_game_balance(page, frame, balance)
    wait_for_chip(page, lang, chip)
    for reel in frame.locator('[data-testid="slot-reel"]').all():
        assert_inside_viewport(reel, width, "a reel")
    if played.won:
        assert frame.locator(".slot-cell.is-win").count() >= 3, "a winning spin highlights no symbols"
    assert_no_sideways_scroll(page, width, "the slot play page")
    assert_clean(page, frame, "the Slot")


@pytest.mark.parametrize("lang", LANGS)
def test_a_bet_over_the_balance_is_refused_and_the_game_goes_on(new_page: Callable[..., Page], base_url: str,
                                                               smtp_inbox: SMTPInbox, server_env: dict[str, str],
                                                               lang: str) -> None:
    page = new_page(lang, "phone" if lang == "ru" else "desktop")
    player = sign_in(page, base_url, smtp_inbox)
    credit(server_env, player, "0.01")
    balance = Decimal("0.01")

    for game in ("dice", "slot"):
        frame = open_game(page, game)
        assert game_balance(frame) == balance
        wait_for_chip(page, lang, balance)
        low, high = limits(frame)
        bet = max(low, balance + Decimal("0.01"))
        assert bet <= high, f"the {game}'s limits {low}–{high} leave no bet above {balance}"
        frame.locator(BET).fill(f"{bet:.2f}")
        frame.locator(PLAY).click()

        message = frame.locator(MESSAGE)
        expect(message).to_be_visible(timeout=ROUND_TIMEOUT_MS)
        expect(message).to_have_attribute("data-message", "notEnoughMoney")
        assert t(lang, "originals.messages.notEnoughMoney") in message.inner_text()
        expect(frame.locator(PLAY)).to_be_enabled(timeout=ROUND_TIMEOUT_MS)
        assert frame.locator(f"{RESULT}[data-round]").count() == 0, "a refused bet shows a round"
        assert game_balance(frame) == balance, f"the balance moved: {frame.locator(GAME_BALANCE).inner_text()!r}"
        # The header follows the ledger live (docs/live.md): a refusal moved nothing, so it stays,
        # and a credit made after it shows without reloading (a header that never moves fails).
        expect(page.locator("html[data-live-balances='open']")).to_have_count(1)
        assert chip_amount(page.locator(CHIP).inner_text(), lang) == balance
        credit(server_env, player, "0.01")
        balance += Decimal("0.01")
        wait_for_chip(page, lang, balance)
        assert_clean(page, frame, f"the refused {game} bet")

    # After a deposit the same game plays on.
    credit(server_env, player, "5.00")
    balance += Decimal("5.00")
    frame = open_game(page, "dice")
    assert game_balance(frame) == balance
    bet = a_bet(frame, "0.10")
    frame.locator(BET).fill(bet)
    played = play_round(page, frame)
    wait_for_game_balance(page, frame, balance - played.bet + played.win)
    assert_clean(page, frame, "Dice after a deposit")


# ---------------------------------------------------------------------------- provably fair


@pytest.mark.parametrize("lang", LANGS)
def test_change_seeds_then_verify_the_rounds(new_page: Callable[..., Page], base_url: str, smtp_inbox: SMTPInbox,
                                             server_env: dict[str, str], lang: str) -> None:
    viewport = "phone" if lang == "ru" else "desktop"
    page = new_page(lang, viewport)
    player = sign_in(page, base_url, smtp_inbox)
    credit(server_env, player, "100.00")

    frame = open_game(page, "slot")
    frame.locator(BET).fill(a_bet(frame, "1.00"))
    slot_round = play_round(page, frame)

    frame = open_game(page, "dice")
    frame.locator(BET).fill(a_bet(frame, "1.00"))
    dice_rounds = [play_round(page, frame) for _ in range(2)]

    # The fairness panel: the hash in force, a new client seed, and the old server seed revealed.
    frame.locator('[data-testid="fairness-open"]').click()
    hash_el = frame.locator('[data-testid="seed-hash"]')
    expect(hash_el).to_be_visible()
    old_hash = hash_el.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", old_hash), f"the server seed hash is {old_hash!r}"
    client_seed = f"e2e {lang} " + secrets.token_hex(4)
    frame.locator('[data-testid="seed-client"]').fill(client_seed)
    frame.locator('[data-testid="seed-rotate"]').click()
    expect(hash_el).not_to_have_text(old_hash)
    expect(frame.locator('[data-revealed="serverSeedHash"]')).to_have_text(old_hash)
    revealed_seed = frame.locator('[data-revealed="serverSeed"]').inner_text().strip()
    assert revealed_seed, "no server seed was revealed"
    expect(frame.locator('[data-testid="seed-client"]')).to_have_value(client_seed)
    expect(frame.locator("[data-seed-nonce]")).to_have_text("0")
    frame.locator('#og-fairness [data-dialog-close]').click()

    # A round on the new seeds stays sealed until the next change.
    sealed = play_round(page, frame)

    with page.expect_popup() as popup:
        frame.locator('[data-testid="fairness-open"]').click()
        frame.locator('[data-testid="fairness-link"]').click()
    fair = popup.value
    fair_errors: list[str] = []
    fair.on("console", lambda m: fair_errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    fair.on("pageerror", lambda e: fair_errors.append(f"uncaught: {e}"))
    fair.wait_for_load_state()
    assert fair.locator("html").get_attribute("lang") == lang
    if viewport == "phone":
        assert_no_sideways_scroll(fair, PHONE["width"], "the fairness page")

    for played in [slot_round, *dice_rounds]:
        row = fair.locator(f'[data-testid="fair-round"][data-round="{played.id}"]')
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-revealed", "true")
        assert row.get_attribute("data-server-seed") == revealed_seed
        row.locator('[data-testid="verify-round"]').click()
        verdict = row.locator('[data-testid="verify-result"]')
        expect(verdict).to_have_attribute("data-match", re.compile("true|false"))
        assert verdict.get_attribute("data-match") == "true", \
            f"round {played.id} ({row.get_attribute('data-game')}) did not verify: {verdict.inner_text()}"
        assert t(lang, "originals.fairnessPage.match") in verdict.inner_text()

    row = fair.locator(f'[data-testid="fair-round"][data-round="{sealed.id}"]')
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-revealed", "false")
    assert row.locator('[data-testid="verify-round"]').count() == 0
    assert t(lang, "originals.fairnessPage.notRevealed") in row.inner_text()
    assert_clean(page, frame, "the games")
    errors = fair_errors + console_errors(fair)
    assert not errors, "the fairness page: console errors or CSP violations:\n" + "\n".join(errors)
