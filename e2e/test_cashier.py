"""The cashier (/cashier) in Chromium with the built-in sandbox gateway (docs/payments.md): a
player deposits through the sandbox's hosted checkout page (paid after the 3-D-Secure-style step,
paid with its webhooks repeated and out of order, declined), comes back to the cashier, and sees
the deposit move to its final state by itself. The balance grows once per paid deposit; a bad
amount is refused on the page with the reason; English and Russian, desktop and phone; a clean
console; `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import re
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox, console_errors, e2e_sql
from layout import assert_no_sideways_scroll
from players import PLAYER_SESSION_COOKIE, PlayerClient, sign_in_new_player
from strings import t
from test_payments_stripe import audit_is_clean

FOCUS = '[data-testid="deposit-focus"]'


class Depositor:
    def __init__(self, player_id: int, client: PlayerClient) -> None:
        self.id = player_id
        self.client = client

    def real(self, currency: str = "EUR") -> str:
        balances = self.client.ok("GET", "/api/v1/wallet")["balances"]
        return next((b["real"] for b in balances if b["currency"] == currency), "0.00000")


@pytest.fixture
def depositor(service_env: dict[str, str], base_url: str, smtp_inbox: SMTPInbox) -> Depositor:
    player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="cashier")
    return Depositor(player_id, client)


def open_cashier(page: Page, base_url: str, depositor: Depositor) -> None:
    session = depositor.client.session()
    assert session is not None
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    response = page.goto("/cashier")
    assert response is not None and response.status == 200, f"GET /cashier -> {response and response.status}"


def start_deposit(page: Page, method: str, amount: str | None = None, preset: str | None = None) -> None:
    page.select_option("#deposit-method", method)
    if preset:
        page.locator(f'[data-preset="{preset}"]').click()
    if amount is not None:
        page.fill("#deposit-amount", amount)
    with page.expect_navigation():
        page.get_by_test_id("deposit-submit").click()


def back_at_the_cashier(page: Page, status: str) -> None:
    """The sandbox sent the player back; the page reloads by itself until the deposit moved."""
    assert urllib.parse.urlsplit(page.url).path == "/cashier", page.url
    assert "deposit=dep_" in page.url, page.url
    expect(page.locator(FOCUS)).to_have_attribute("data-status", status, timeout=60_000)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_sandbox_deposit_through_the_secure_step_arrives_once(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, lang: str, server_env: dict[str, str]) -> None:
    page = new_page(lang)
    open_cashier(page, base_url, depositor)
    expect(page.get_by_test_id("deposit-history-empty")).to_have_text(t(lang, "cashier.history.empty"))
    start_deposit(page, "sandbox:EUR", preset="25")
    assert urllib.parse.urlsplit(page.url).path.startswith("/sandbox/checkout/sbx_"), page.url
    expect(page.get_by_test_id("sandbox-banner")).to_contain_text(t(lang, "sandbox.banner.title"))
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("25.00 EUR")
    page.get_by_test_id("sandbox-secure").click()
    expect(page.get_by_text(t(lang, "sandbox.secureStep.title"))).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("sandbox-approve").click()
    back_at_the_cashier(page, "completed")
    amount = "€25.00" if lang == "en" else "25,00\u00a0€"
    expect(page.locator(FOCUS)).to_contain_text(t(lang, "cashier.focus.completed.title").replace("{amount}", amount))
    row = page.get_by_test_id("deposit-history").locator("li").first
    expect(row).to_have_attribute("data-status", "completed")
    expect(row).to_contain_text(t(lang, "cashier.status.completed"))
    assert depositor.real() == "25.00000"
    # The page again (a reload, the back button): nothing more arrives.
    page.reload()
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "completed")
    assert depositor.real() == "25.00000"
    assert console_errors(page) == []
    audit_is_clean(server_env)


def test_repeated_and_late_webhooks_credit_once_and_a_decline_credits_nothing(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str]) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    start_deposit(page, "sandbox:EUR", amount="40")
    with page.expect_navigation():
        page.get_by_test_id("sandbox-pay-repeated").click()
    back_at_the_cashier(page, "completed")
    deposit_id = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["deposit"][0]
    states = e2e_sql(service_env, "SELECT state || ':' || coalesce(outcome, '') FROM payments_webhook_events "
                                  f"WHERE gateway = 'sandbox' AND convert_from(payload, 'UTF8') LIKE '%' || "
                                  f"(SELECT gateway_reference FROM payments_deposits WHERE public_id = '{deposit_id}') || '%' ORDER BY id")
    assert len(states.splitlines()) == 2, f"the paid event twice is stored once, the late one separately: {states}"
    assert depositor.real() == "40.00000"

    page.goto("/cashier")
    start_deposit(page, "sandbox:EUR", amount="15")
    with page.expect_navigation():
        page.get_by_test_id("sandbox-decline").click()
    back_at_the_cashier(page, "failed")
    expect(page.locator(FOCUS)).to_contain_text(t("en", "cashier.focus.failed.text"))  # the player's language, not the gateway's words
    assert depositor.real() == "40.00000"
    # A second click on the settled checkout changes nothing.
    checkout = e2e_sql(service_env, "SELECT gateway_reference FROM payments_deposits WHERE player_id = "
                                    f"{depositor.id} AND state = 'failed'")
    page.goto(f"/sandbox/checkout/{checkout}")
    expect(page.get_by_test_id("sandbox-settled")).to_contain_text("declined")
    assert console_errors(page) == []


@pytest.mark.parametrize("amount, error", [
    ("10.001", "cashier.errors.amountNotRepresentable"),
    ("0.50", "cashier.errors.amountBelowMinimum"),
    ("ten", "cashier.errors.malformedAmount"),
])
def test_a_bad_amount_is_refused_on_the_page_and_nothing_is_written(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str],
        amount: str, error: str) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    start_deposit(page, "sandbox:EUR", amount=amount)
    assert urllib.parse.urlsplit(page.url).path == "/cashier/deposit", page.url
    expect(page.get_by_test_id("deposit-error")).to_have_text(t("en", error))
    expect(page.locator("#deposit-amount")).to_have_value(amount)
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {depositor.id}") == "0"


def test_the_cashier_fits_a_phone_in_russian(new_page: Callable[..., Page], base_url: str, depositor: Depositor) -> None:
    page = new_page("ru", "phone")
    open_cashier(page, base_url, depositor)
    expect(page.get_by_role("heading", name=t("ru", "cashier.heading"), exact=True)).to_be_visible()
    options = page.locator("#deposit-method option").all_inner_texts()
    assert any(o.startswith(t("ru", "cashier.gateways.sandbox")) for o in options), options
    assert any(re.search(r"1,00\u00a0€ – 100\u202f000,00\u00a0€", o) for o in options), options
    assert_no_sideways_scroll(page, PHONE["width"], "the cashier")
    assert console_errors(page) == []


def test_the_cashier_asks_for_sign_in(new_page: Callable[..., Page]) -> None:
    page = new_page("en")
    page.goto("/cashier")
    assert urllib.parse.urlsplit(page.url).path == "/signin", page.url
