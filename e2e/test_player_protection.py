"""Player protection in Chromium (docs/player-protection.md): limits the player sets on
themselves on /responsible-gambling, and a self-exclusion.

A daily deposit limit of 50.00 EUR lets 40.00 through and refuses 20.00 naming the 10.00 left; a
raise waits 24 hours. A self-excluded player is signed out everywhere; signing in again lands on
the page with the end date, games and deposits are closed, a withdrawal still works, and staff
see the exclusion read-only. A session-time limit ends play on the game page with the reality
check's summary. `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import json

from typing import Callable

from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox, e2e_sql
from layout import assert_no_sideways_scroll
from play import play_through
from players import path_of, start_with_telegram, submit_code
from strings import t
from test_cashier import Depositor, depositor, open_cashier, start_deposit  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import StaffFactory, cli_env, open_admin, server_secret_key, sign_in, staff_factory  # noqa: F401 (fixtures)
from test_withdrawals import ask, confirm, deposit, email_of


def open_protection(page: Page) -> None:
    response = page.goto("/responsible-gambling")
    assert response is not None and response.status == 200, f"GET /responsible-gambling -> {response and response.status}"


def set_limit(page: Page, kind: str, period: str, amount: str) -> None:
    page.select_option("#limit-kind", kind)
    page.select_option("#limit-period", period)
    page.select_option("#limit-currency", "EUR")
    page.fill("#limit-amount", amount)
    with page.expect_navigation():
        page.get_by_test_id("limit-submit").click()


def test_a_daily_deposit_limit_refuses_what_passes_it_and_a_raise_waits(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, server_env: dict[str, str]) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    open_protection(page)
    set_limit(page, "deposit", "day", "50")
    expect(page.get_by_test_id("protection-notice")).to_have_text(t("en", "protection.results.limitApplied"))
    expect(page.get_by_test_id("protection-limit-deposit-day-EUR").get_by_test_id("limit-amount")).to_have_text("50.00 EUR")

    deposit(page, "40")
    start_deposit(page, "sandbox:EUR", amount="20")
    error = page.get_by_test_id("deposit-error")
    expect(error).to_contain_text("10.00 EUR")
    expect(error).to_contain_text("00:00 UTC")

    open_protection(page)
    set_limit(page, "deposit", "day", "100")
    expect(page.get_by_test_id("protection-notice")).to_have_text(t("en", "protection.results.limitPending"))
    row = page.get_by_test_id("protection-limit-deposit-day-EUR")
    expect(row.get_by_test_id("limit-amount")).to_have_text("50.00 EUR")
    expect(row.get_by_test_id("limit-pending")).to_contain_text("100.00 EUR")
    expect(row.get_by_test_id("limit-confirm")).to_have_count(0)
    audit_is_clean(server_env)


def test_a_self_excluded_player_signs_in_to_the_end_date_cannot_play_or_deposit_but_withdraws(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox, service_env: dict[str, str],
        server_env: dict[str, str], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    deposit(page, "30")
    open_protection(page)
    page.select_option("#exclusion-term", "selfExclusion:6")
    # The confirmation step: without the box the browser does not send the form.
    page.get_by_test_id("exclusion-understood").check()
    with page.expect_navigation():
        page.get_by_test_id("exclusion-submit").click()
    expect(page.get_by_test_id("protection-notice")).to_have_text(t("en", "protection.results.excluded"))
    assert depositor.client.call("GET", "/api/v1/me")[0] == 401, "every session ends with the exclusion"

    # Signing in again: the page with the end date and the way to withdraw, on a phone.
    phone = new_page("en", viewport="phone")
    telegram_id = int(e2e_sql(service_env, f"SELECT telegram_id FROM identity_players WHERE id = {depositor.id}"))
    email = email_of(service_env, depositor.id)
    mark = smtp_inbox.mark()
    start_with_telegram(phone, base_url, telegram_id)
    if path_of(phone) == "/signin/code":
        submit_code(phone, smtp_inbox.wait_for_code(email, after=mark))
    assert path_of(phone) == "/responsible-gambling", phone.url
    until = e2e_sql(service_env, "SELECT to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM compliance_exclusions "
                                 f"WHERE player_id = {depositor.id}")
    expect(phone.get_by_test_id("protection-exclusion")).to_contain_text(until)
    assert_no_sideways_scroll(phone, PHONE["width"], "the responsible-gambling page")

    phone.goto("/play/originals/dice")
    assert path_of(phone) == "/responsible-gambling", "no game opens during the exclusion"
    csrf = phone.request.get("/api/v1/me").json()["csrfToken"]
    launch = phone.request.post("/api/v1/games/launch", data=json.dumps({"game": "originals:dice", "currency": "EUR"}),
                                headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert launch.status == 403 and launch.json()["error"]["code"] == "selfExcluded", launch.text()
    phone.goto("/cashier")
    start_deposit(phone, "sandbox:EUR", amount="10")
    expect(phone.get_by_test_id("deposit-error")).to_contain_text(until)

    mark = smtp_inbox.mark()
    withdrawal_id = ask(phone, "20")
    assert withdrawal_id.startswith("wdr_"), withdrawal_id
    confirm(phone, smtp_inbox.wait_for_code(email, after=mark))
    state = e2e_sql(service_env, f"SELECT state FROM payments_withdrawals WHERE public_id = '{withdrawal_id}'")
    assert state not in ("awaiting_confirmation", "failed", "cancelled"), state

    staff = new_page("en")
    sign_in(staff, staff_factory.create("risk"))
    open_admin(staff, f"/admin/kyc/players/{depositor.id}")
    section = staff.get_by_test_id("staff-protection")
    expect(section.get_by_test_id("staff-exclusion")).to_contain_text(until)
    expect(section.locator("form, button")).to_have_count(0)
    audit_is_clean(server_env)


def test_a_session_time_limit_ends_play_with_the_reality_check_summary(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    deposit(page, "20")
    open_protection(page)
    page.select_option("#limit-kind", "session")
    page.fill("#limit-amount", "30")
    with page.expect_navigation():
        page.get_by_test_id("limit-submit").click()
    expect(page.get_by_test_id("protection-limit-session").get_by_test_id("limit-amount")).to_have_text("30 min")
    page.fill("#reality-minutes", "15")
    with page.expect_navigation():
        page.get_by_test_id("reality-submit").click()
    expect(page.get_by_test_id("protection-notice")).to_have_text(t("en", "protection.results.realityCheckSaved"))

    # The reality check's figures: a round staking 20.00 and paying it back (play.py).
    play_through(service_env, depositor.id, "20")
    summary = depositor.client.ok("GET", "/api/v1/wallet/play-summary?since=2026-01-01T00:00:00Z")
    assert summary["results"] == [{"currency": "EUR", "staked": "20.00000", "won": "20.00000", "net": "0.00000"}], summary

    # The play session started 31 minutes ago in this tab: the game page ends play at once.
    page.add_init_script("sessionStorage.setItem('croupier.playSessionStarted', String(Date.now() - 31 * 60 * 1000))")
    page.goto("/play/originals/dice")
    dialog = page.get_by_test_id("reality-check")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(t("en", "play.realityCheck.limitReached"))
    expect(page.get_by_test_id("reality-elapsed")).to_have_text("0:31")
    expect(page.get_by_test_id("reality-continue")).to_be_hidden()
    expect(page.get_by_test_id("game-frame")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_test_id("reality-stop").click()
    assert path_of(page) == "/lobby", page.url
    audit_is_clean(server_env)
