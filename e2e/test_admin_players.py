"""The console's players pages in Chromium (docs/back-office.md): a support staff member finds a
player by Telegram username, opens the player's page and blocks them with a reason. The player's
sessions end and signing in again is refused `playerBlocked`; their next Hub88 bet is refused
RS_ERROR_USER_DISABLED while the win of a bet placed before the block still settles; the audit
trail on the player's page (shown to a role with audit.view) names the block and its reason. An
analyst sees no actions, and a block posted with a valid CSRF token still answers 403.

Runs in Russian on a phone (390×844) and in English on a desktop. The module registers a Hub88
provider of its own (`hub88players`), so it does not depend on the conformance module's.
"""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox
from fake_hub88_api import GAME_URL_PATH, FakeHub88API
from layout import assert_no_sideways_scroll
from players import PlayerClient, path_of, signed_widget
from strings import t
from test_hub88_conformance import (BET, RS_OK, SLOT, U, USER_DISABLED, WIN, Hub88World, Launched, Player, registered_world,
                                    bet_body, expect as expect_answer, win_body)
from test_staff import StaffFactory, cli_env, open_admin, server_secret_key, sign_in, staff_factory  # noqa: F401 (fixtures)

PROVIDER = "hub88players"


@pytest.fixture(scope="module")
def world(fake_hub88: FakeHub88API, server: str, server_env: dict[str, str], service_env: dict[str, str],
          smtp_inbox: SMTPInbox, tmp_path_factory: pytest.TempPathFactory) -> Hub88World:
    """A Hub88 provider of this module's own, registered with the CLI, its games synced."""
    return registered_world(PROVIDER, "Hub88 (players e2e)", fake_hub88, server, server_env, service_env, smtp_inbox,
                            tmp_path_factory.mktemp("hub88-players-keys"))


def launch(world: Hub88World, player: Player) -> Launched:
    seen = len(world.fake.requests(GAME_URL_PATH))
    status, answer, _ = world.launch_raw(player.client, f"{PROVIDER}:{SLOT}", "EUR", player.csrf)
    assert status == 200, f"launching {PROVIDER}:{SLOT} -> {status}: {answer}"
    request = world.fake.requests(GAME_URL_PATH)[seen:][0]
    return Launched(player=player, game=SLOT, currency="EUR", token=request.json["token"], url=answer["url"], request=request)


def username_of(world: Hub88World, player: Player) -> str:
    return world.sql(f"SELECT telegram_username FROM identity_players WHERE id = {player.id}")


def find_and_open(page: Page, lang: str, username: str, player: Player, phone: bool) -> None:
    open_admin(page, "/admin/players")
    page.fill("#players-q", "@" + username)
    with page.expect_navigation():
        page.get_by_test_id("players-search-submit").click()
    rows = page.get_by_test_id("player-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-player", str(player.id))
    if phone:
        assert_no_sideways_scroll(page, PHONE["width"], "the players search")
    with page.expect_navigation():
        rows.first.get_by_test_id("open-player").click()
    assert path_of(page) == f"/admin/players/{player.id}", page.url
    expect(page.get_by_test_id("player-state")).to_have_text(t(lang, "admin.players.states.active"))


@pytest.mark.parametrize("lang, viewport", [("ru", "phone"), ("en", "desktop")])
def test_support_blocks_a_player_whose_next_bet_is_refused_while_an_earlier_win_settles(
        new_page: Callable[..., Page], world: Hub88World, staff_factory: StaffFactory, lang: str, viewport: str) -> None:
    player = world.sign_in(lang)
    world.fund(player, "50.00")
    session = launch(world, player)
    bet = bet_body(session, U("4.00"))
    expect_answer(world.call(BET, bet), RS_OK, bet, balance=U("46.00"))

    page = new_page(lang, viewport=viewport)
    sign_in(page, staff_factory.create("support"))
    username = username_of(world, player)
    find_and_open(page, lang, username, player, phone=viewport == "phone")
    if viewport == "phone":
        assert_no_sideways_scroll(page, PHONE["width"], "the player's page")
    reason = f"e2e: chargeback fraud ({lang})"
    page.fill("#block-reason", reason)
    with page.expect_navigation():
        page.get_by_test_id("block").click()
    expect(page.get_by_test_id("player-notice")).to_have_text(t(lang, "admin.players.results.blocked"))
    expect(page.get_by_test_id("player-state")).to_have_text(t(lang, "admin.players.states.blocked"))
    expect(page.get_by_test_id("unblock")).to_be_visible()
    expect(page.get_by_test_id("player-audit")).to_have_count(0)  # support has no audit.view: hidden, not an error
    expect(page.get_by_test_id("player-rounds")).to_contain_text(f"{PROVIDER}:{SLOT}")

    assert player.client.call("GET", "/api/v1/me")[0] == 401, "the block ends every session of the player"
    again = PlayerClient(world.base_url, lang)
    telegram_id = int(world.sql(f"SELECT telegram_id FROM identity_players WHERE id = {player.id}"))
    status, answer, _ = again.call("POST", "/api/v1/auth/telegram", {"widget": signed_widget(telegram_id, username)})
    assert status == 403 and answer["error"]["code"] == "playerBlocked", (status, answer)

    refused = bet_body(session, U("1.00"))
    expect_answer(world.call(BET, refused), USER_DISABLED, refused, balance=U("46.00"), what="a blocked player's bet")
    win = win_body(session, bet, U("10.00"))
    expect_answer(world.call(WIN, win), RS_OK, win, balance=U("56.00"), what="the win of a bet placed before the block")
    assert world.balance(player) == U("56.00")

    auditor = new_page(lang, viewport=viewport)
    sign_in(auditor, staff_factory.create("admin"))
    open_admin(auditor, f"/admin/players/{player.id}")
    blocked = auditor.locator('[data-testid="player-audit-row"][data-action="identity.player_blocked"]')
    expect(blocked).to_have_count(1)
    expect(blocked).to_contain_text(reason)
    if viewport == "phone":
        assert_no_sideways_scroll(auditor, PHONE["width"], "the player's page with every section")


def test_an_analyst_sees_no_actions_and_a_block_posted_with_a_valid_token_is_forbidden(
        new_page: Callable[..., Page], world: Hub88World, staff_factory: StaffFactory) -> None:
    player = world.sign_in("en")
    page = new_page("en")
    sign_in(page, staff_factory.create("analyst"))
    open_admin(page, f"/admin/players/{player.id}")
    expect(page.get_by_test_id("player-state")).to_have_text(t("en", "admin.players.states.active"))
    expect(page.get_by_test_id("block")).to_have_count(0)
    expect(page.get_by_test_id("player-actions")).to_have_count(0)
    expect(page.get_by_test_id("player-balances")).to_have_count(0)  # no money.view
    expect(page.get_by_test_id("player-kyc")).to_have_count(0)  # no risk.view
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token, "the console's sign-out form carries the CSRF token"
    response = page.request.post(f"/admin/players/{player.id}/block", form={"csrf": token, "reason": "not mine to do"},
                                 max_redirects=0)
    assert response.status == 403, f"an analyst's block answered {response.status}"
    assert world.sql(f"SELECT disabled_at IS NULL FROM identity_players WHERE id = {player.id}") == "t"
    assert player.client.call("GET", "/api/v1/me")[0] == 200, "the player's session is untouched"

    response = page.request.get("/admin/players/999999999")
    assert response.status == 404, f"an unknown player answered {response.status}"


def test_support_keeps_notes_and_ends_sessions_while_only_risk_tags_segments_in_russian(
        new_page: Callable[..., Page], world: Hub88World, staff_factory: StaffFactory) -> None:
    player = world.sign_in("ru")
    page = new_page("ru")
    sign_in(page, staff_factory.create("support"))
    open_admin(page, f"/admin/players/{player.id}")

    page.fill("#note-body", "Звонил по поводу вывода")
    with page.expect_navigation():
        page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("player-notice")).to_have_text(t("ru", "admin.players.results.noteAdded"))
    expect(page.get_by_test_id("player-notes")).to_contain_text("Звонил по поводу вывода")

    # Segments decide bonus eligibility: support sees no segment buttons, and its POST is refused.
    expect(page.get_by_test_id("segments")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(f"/admin/players/{player.id}/segments/tag", form={"csrf": csrf, "segment": "vip"})
    assert refused.status == 403, f"support tagging a segment answered {refused.status}"
    risk_page = new_page("ru")
    sign_in(risk_page, staff_factory.create("risk"))
    open_admin(risk_page, f"/admin/players/{player.id}")
    with risk_page.expect_navigation():
        risk_page.get_by_test_id("segment-vip").click()
    expect(risk_page.get_by_test_id("player-segment")).to_have_text(t("ru", "admin.players.segments.vip"))
    expect(risk_page.get_by_test_id("segment-vip")).to_have_attribute("aria-pressed", "true")
    with risk_page.expect_navigation():
        risk_page.get_by_test_id("segment-vip").click()
    expect(risk_page.get_by_test_id("player-segment")).to_have_count(0)

    page.fill("#end-reason", "Потерял телефон")
    with page.expect_navigation():
        page.get_by_test_id("end-sessions").click()
    expect(page.get_by_test_id("player-notice")).to_have_text(t("ru", "admin.players.results.sessionsEnded"))
    assert player.client.call("GET", "/api/v1/me")[0] == 401, "every session of the player ended"
    expect(page.get_by_test_id("player-state")).to_have_text(t("ru", "admin.players.states.active"))
