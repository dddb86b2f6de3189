"""Bonuses in Chromium with the built-in sandbox gateway (docs/bonuses.md).

A player enters a campaign's code in the cashier's deposit form and deposits through the
sandbox; the completed deposit grants a 100 % match, shown with its wagering progress, expiry
and maximum bet in the cashier and on /wallet. A withdrawal while the bonus runs is refused with
the reason and the way out; the player forfeits the bonus (the form needs the confirmation box),
the bonus money leaves, real money stays, and the withdrawal then goes to its code step. A code
no campaign has is refused on the page and nothing is created. English and Russian, desktop and
phone; a clean console; `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import secrets
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, console_errors, e2e_sql
from layout import assert_no_sideways_scroll
from strings import t
from test_cashier import Depositor, back_at_the_cashier, depositor, open_cashier  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)
from test_withdrawals import own_account


def campaign_with_code(service_env: dict[str, str]) -> str:
    """An enabled campaign: 100 % of the deposit up to 50.00 EUR, wagered ×10, at most 5.00 a bet."""
    code = "E2E" + secrets.token_hex(4).upper()
    e2e_sql(service_env, "INSERT INTO bonuses_campaigns (name, currency, kind, match_percent, amount_units, eligibility, code, "
                         "wagering_multiplier, wagering_base, max_bet_units, expiry_days, max_conversion_units, enabled) "
                         f"VALUES ('Welcome {code}', 'EUR', 'deposit_match', 100, 5000000, 'code', '{code}', 10, 'bonus', 500000, "
                         "30, 5000000, true)")
    return code


def deposit_with_code(page: Page, amount: str, code: str) -> None:
    page.select_option("#deposit-method", "sandbox:EUR")
    page.fill("#deposit-amount", amount)
    page.fill("#deposit-bonus-code", code)
    with page.expect_navigation():
        page.get_by_test_id("deposit-submit").click()


def ask_withdrawal(page: Page, amount: str, destination: str) -> None:
    page.goto("/cashier#withdraw")
    page.select_option("#withdrawal-method", "sandbox:EUR")
    page.fill("#withdrawal-amount", amount)
    page.fill("#withdrawal-destination", destination)
    with page.expect_navigation():
        page.get_by_test_id("withdrawal-submit").click()


def wallet(depositor: Depositor) -> dict[str, str]:
    rows = depositor.client.ok("GET", "/api/v1/wallet")["balances"]
    return next(b for b in rows if b["currency"] == "EUR")


@pytest.mark.parametrize("lang, viewport", [("en", "desktop"), ("ru", "phone")])
def test_a_code_deposit_grants_a_bonus_that_blocks_withdrawals_until_forfeited(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str],
        server_env: dict[str, str], lang: str, viewport: str) -> None:
    code = campaign_with_code(service_env)
    page = new_page(lang, viewport=viewport)
    open_cashier(page, base_url, depositor)
    deposit_with_code(page, "20", code.lower())
    with page.expect_navigation():
        page.get_by_test_id("sandbox-pay").click()
    back_at_the_cashier(page, "completed")
    page.goto("/cashier")

    panel = page.get_by_test_id("bonus-EUR")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(f"Welcome {code}")
    progress = t(lang, "bonuses.panel.progress").split("{wagered}")[0].strip()
    expect(panel.get_by_test_id("bonus-progress")).to_contain_text(progress)
    expect(panel.get_by_test_id("bonus-max-bet")).to_be_visible()
    expect(panel.get_by_test_id("bonus-expires")).to_be_visible()
    balances = wallet(depositor)
    assert (balances["real"], balances["bonus"]) == ("20.00000", "20.00000"), balances
    if viewport == "phone":
        assert_no_sideways_scroll(page, PHONE["width"], "the cashier with a bonus")

    page.goto("/wallet")
    expect(page.get_by_test_id("bonus-EUR")).to_be_visible()
    expect(page.get_by_test_id("bonus-forfeit-form")).to_have_count(0)  # forfeiting is in the cashier

    ask_withdrawal(page, "10", own_account(depositor.id))
    expect(page.get_by_test_id("withdrawal-error")).to_have_text(t(lang, "cashier.withdrawals.errors.bonusActive"))
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}") == "0"

    page.goto("/cashier#bonuses")
    page.get_by_test_id("bonus-forfeit").click()  # the box is required: the browser keeps the form
    assert urllib.parse.urlsplit(page.url).query == ""
    expect(page.get_by_test_id("bonus-EUR")).to_be_visible()
    page.get_by_test_id("bonus-forfeit-confirm").check()
    with page.expect_navigation():
        page.get_by_test_id("bonus-forfeit").click()
    assert "bonus=forfeited" in page.url, page.url
    expect(page.get_by_test_id("bonus-panels")).to_have_count(0)
    balances = wallet(depositor)
    assert (balances["real"], balances["bonus"]) == ("20.00000", "0.00000"), balances

    ask_withdrawal(page, "10", own_account(depositor.id))
    expect(page.get_by_test_id("withdrawal-code-step")).to_be_visible()
    # The refused request's page came with its 400, which the browser logs; nothing else.
    assert [e for e in console_errors(page) if "/cashier/withdraw" not in e] == []
    audit_is_clean(server_env)


def test_an_unknown_code_is_refused_on_the_page_and_creates_nothing(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str]) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    deposit_with_code(page, "20", "NOSUCHCODE")
    assert urllib.parse.urlsplit(page.url).path == "/cashier/deposit", "the form's answer, not the gateway's page"
    expect(page.get_by_test_id("deposit-error")).to_have_text(t("en", "bonuses.errors.unknownCode"))
    expect(page.locator("#deposit-bonus-code")).to_have_value("NOSUCHCODE")
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {depositor.id}") == "0"
    assert [e for e in console_errors(page) if "/cashier/deposit" not in e] == []  # the refusal's 400


def test_staff_create_a_campaign_and_a_second_staff_member_approves_a_manual_grant(
        new_page: Callable[..., Page], staff_factory: StaffFactory, depositor: Depositor, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    asker, approver = staff_factory.create("finance"), staff_factory.create("finance")
    page = new_page("en")
    sign_in(page, asker)
    page.get_by_role("link", name=t("en", "admin.items.bonuses")).click()
    open_admin(page, "/admin/bonuses")
    name = "Goodwill " + secrets.token_hex(3)
    page.fill("#campaign-name", name)
    page.select_option("#campaign-currency", "EUR")
    page.select_option("#campaign-kind", "fixed")
    page.fill("#campaign-amount", "5.00")
    page.fill("#campaign-wagering", "3")
    with page.expect_navigation():
        page.get_by_test_id("bonus-campaign-create").click()
    expect(page.get_by_test_id("bonuses-notice")).to_have_text(t("en", "admin.bonuses.results.created"))
    row = page.get_by_test_id("bonus-campaign").filter(has_text=name)
    with page.expect_navigation():
        row.get_by_test_id("bonus-campaign-toggle").click()
    expect(page.get_by_test_id("bonuses-notice")).to_have_text(t("en", "admin.bonuses.results.enabled"))

    page.fill("#request-player", str(depositor.id))
    page.select_option("#request-campaign", label=f"{name} (EUR)")
    page.fill("#request-note", "a goodwill gesture")
    with page.expect_navigation():
        page.get_by_test_id("bonus-request-submit").click()
    asked = page.get_by_test_id("bonus-request").filter(has_text=name)
    expect(asked).to_contain_text(t("en", "admin.bonuses.requests.waiting"))
    expect(asked.get_by_test_id("bonus-request-approve")).to_have_count(0)  # not the requester's to approve
    assert_clean_console(page, "the bonuses page")

    second = new_page("en")
    sign_in(second, approver)
    open_admin(second, "/admin/bonuses")
    with second.expect_navigation():
        second.get_by_test_id("bonus-request").filter(has_text=name).get_by_test_id("bonus-request-approve").click()
    expect(second.get_by_test_id("bonuses-notice")).to_have_text(t("en", "admin.bonuses.results.approved"))
    assert wallet(depositor)["bonus"] == "5.00000"
    actions = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log WHERE action LIKE 'bonuses.%'")
    for action in ["bonuses.campaign_created", "bonuses.campaign_enabled", "bonuses.grant_requested", "bonuses.grant_approved"]:
        assert action in actions, actions
    # The campaign grants every first deposit: switched off again, or each later test's new
    # player would start with a running bonus that holds their withdrawals.
    with second.expect_navigation():
        second.get_by_test_id("bonus-campaign").filter(has_text=name).get_by_test_id("bonus-campaign-toggle").click()
    expect(second.get_by_test_id("bonuses-notice")).to_have_text(t("en", "admin.bonuses.results.disabled"))
    assert_clean_console(second, "the bonuses page")
    audit_is_clean(server_env)
