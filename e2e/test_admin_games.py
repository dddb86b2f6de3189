"""The console's games area in the browser: providers with fingerprints only, switching a game
off and on (and the lobby following), and the open-rounds page; in Russian and English, on a
laptop and a phone."""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import Page

from layout import assert_no_sideways_scroll
from strings import t
from test_staff import (  # noqa: F401 (fixtures)
    LANGS, StaffFactory, assert_clean_console, cli_env, open_admin, path_of, server_secret_key, sign_in, staff_factory)


def lobby_games(page: Page) -> list[str]:
    page.goto("/lobby")
    return page.locator('[data-testid="game-tile"]').evaluate_all("els => els.map(e => e.dataset.game)")


@pytest.mark.parametrize("lang", LANGS)
def test_owner_switches_a_game_off_and_on(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    owner = staff_factory.create("owner")
    page = new_page(lang)
    sign_in(page, owner)
    open_admin(page, "/admin/games")
    assert page.locator("h1").inner_text().strip() == t(lang, "admin.games.title")
    provider = page.locator('[data-testid="provider-row"][data-provider="originals"]')
    assert provider.count() == 1, "Croupier Originals is not listed"
    assert provider.locator('[data-testid="provider-key"]').inner_text().startswith("SHA256:")
    assert "BEGIN" not in page.content(), "key material on the page"

    dice = page.locator('[data-testid="game-row"][data-provider="originals"][data-game="dice"]')
    assert dice.get_attribute("data-enabled") == "true"
    with page.expect_navigation():
        dice.locator('[data-testid="game-disable"]').click()
    assert path_of(page) == "/admin/games"
    assert page.locator('[data-testid="games-notice"]').is_visible()
    assert page.locator('[data-testid="game-row"][data-game="dice"]').get_attribute("data-enabled") == "false"
    assert_clean_console(page, "/admin/games")

    lobby = new_page(lang)
    assert "dice" not in lobby_games(lobby), "a disabled game is still in the lobby"

    open_admin(page, "/admin/games")
    with page.expect_navigation():
        page.locator('[data-testid="game-row"][data-game="dice"] [data-testid="game-enable"]').click()
    assert page.locator('[data-testid="game-row"][data-game="dice"]').get_attribute("data-enabled") == "true"
    assert "dice" in lobby_games(lobby), "an enabled game is missing from the lobby"

    open_admin(page, "/admin/games/rounds")
    assert page.locator("h1").inner_text().strip() == t(lang, "admin.rounds.title")
    assert page.locator('[data-testid="open-round"]').count() + page.locator('[data-testid="rounds-empty"]').count() >= 1
    assert_clean_console(page, "/admin/games/rounds")


@pytest.mark.parametrize("lang", LANGS)
def test_games_console_on_a_phone(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    owner = staff_factory.create("owner")
    page = new_page(lang, "phone")
    sign_in(page, owner)
    for path in ("/admin/games", "/admin/games/rounds"):
        open_admin(page, path)
        assert_no_sideways_scroll(page, 390, path)
    assert_clean_console(page, "games console on a phone")


def test_support_may_not_open_the_games_console(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    support = staff_factory.create("support")
    page = new_page("en")
    sign_in(page, support)
    page.goto("/admin")
    assert page.locator('a[href="/admin/games"]').count() == 0, "the console offers support a page it may not open"
    response = page.goto("/admin/games")
    assert response is not None and response.status == 403
