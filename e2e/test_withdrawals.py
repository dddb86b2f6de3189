"""Withdrawals in Chromium with the built-in sandbox gateway (docs/payments.md, "Withdrawals").

A player deposits through the sandbox, asks for a withdrawal in the cashier, types the code the
server mailed through the real SMTP relay, and the funds are held. Above the four-eyes threshold
(EUR 2,000 by default) two different finance staff approve in the console before the payout goes;
under EUR 100 it is approved by itself. A payout whose answer is lost (a `-timeout` account) stays
held as `unknown` until staff ask the gateway, which then says it was paid. The player cancels a
withdrawal waiting for approval and gets the money back. Bad requests to the JSON API are refused
by name and write nothing. `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import time
import urllib.parse
from typing import Any, Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox, console_errors, e2e_sql, set_kyc_level
from layout import assert_no_sideways_scroll
from play import play_through
from strings import t
from test_cashier import Depositor, back_at_the_cashier, depositor, open_cashier, start_deposit  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)

FOCUS = '[data-testid="withdrawal-focus"]'
ACCOUNT = "DE89370400440532013000"


def own_account(player_id: int) -> str:
    """The player's own bank account: one another player also withdrew to would hold the
    withdrawal for AML (`shared_destination`)."""
    return f"DE89{player_id:018d}"


def email_of(service_env: dict[str, str], player_id: int) -> str:
    return e2e_sql(service_env, f"SELECT email FROM identity_players WHERE id = {player_id}")


def balances(depositor: Depositor, currency: str = "EUR") -> dict[str, str]:
    rows = depositor.client.ok("GET", "/api/v1/wallet")["balances"]
    return next((b for b in rows if b["currency"] == currency), {"real": "0.00000", "locked": "0.00000"})


def wait_for(predicate: Callable[[], bool], what: str, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


def deposit(page: Page, amount: str) -> None:
    page.goto("/cashier")
    start_deposit(page, "sandbox:EUR", amount=amount)
    with page.expect_navigation():
        page.get_by_test_id("sandbox-pay").click()
    back_at_the_cashier(page, "completed")


def deposit_and_play(page: Page, amount: str, service_env: dict[str, str], depositor: Depositor) -> None:
    """A deposit the player then plays through once (play.py), as a player does before withdrawing."""
    deposit(page, amount)
    play_through(service_env, depositor.id, amount)


def ask(page: Page, amount: str, destination: str = ACCOUNT) -> str:
    """Fills the withdrawal form and lands on the code step; returns the withdrawal's id."""
    page.goto("/cashier#withdraw")
    page.select_option("#withdrawal-method", "sandbox:EUR")
    page.fill("#withdrawal-amount", amount)
    page.fill("#withdrawal-destination", destination)
    with page.expect_navigation():
        page.get_by_test_id("withdrawal-submit").click()
    step = page.get_by_test_id("withdrawal-code-step")
    expect(step).to_be_visible()
    return step.get_attribute("data-withdrawal") or ""


def confirm(page: Page, code: str) -> None:
    page.fill("#withdrawal-code", code)
    with page.expect_navigation():
        page.get_by_test_id("withdrawal-confirm").click()


def withdrawal(depositor: Depositor, withdrawal_id: str) -> dict[str, Any]:
    return depositor.client.ok("GET", f"/api/v1/withdrawals/{withdrawal_id}")


def queued(page: Page, withdrawal_id: str):
    return page.locator(f'[data-testid="queued-withdrawal"][data-withdrawal="{withdrawal_id}"]')


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_large_withdrawal_needs_the_mailed_code_and_two_approvers_then_is_paid(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        service_env: dict[str, str], server_env: dict[str, str], staff_factory: StaffFactory, lang: str) -> None:
    # EUR 2,500 in and 2,100 out are above L0's and L1's limits (docs/compliance.md): a verified (L2) player.
    set_kyc_level(service_env, depositor.id, 2)
    page = new_page(lang)
    open_cashier(page, base_url, depositor)
    deposit_and_play(page, "2500", service_env, depositor)
    email = email_of(service_env, depositor.id)
    mark = smtp_inbox.mark()
    withdrawal_id = ask(page, "2100", own_account(depositor.id))
    assert withdrawal_id.startswith("wdr_"), withdrawal_id
    expect(page.get_by_test_id("withdrawal-code-step")).to_contain_text(t(lang, "cashier.withdraw.code.title"))
    assert balances(depositor)["locked"] == "0.00000", "nothing is held before the code"
    code = smtp_inbox.wait_for_code(email, after=mark)
    mail = smtp_inbox.wait_for_mail(email, after=mark)
    # The mail speaks the player's own language (the one they signed up in), whatever this page's.
    language = e2e_sql(service_env, f"SELECT language FROM identity_players WHERE id = {depositor.id}")
    assert mail.subject == t(language, "mail.stepUp.subject"), mail.subject

    confirm(page, "000000" if code != "000000" else "111111")
    expect(page.get_by_test_id("withdrawal-error")).to_have_text(t(lang, "cashier.withdrawals.errors.codeInvalid"))
    confirm(page, code)
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "pending_approval")
    expect(page.locator(FOCUS)).to_contain_text(t(lang, "cashier.withdrawals.status.pending_approval"))
    assert balances(depositor)["real"] == "400.00000" and balances(depositor)["locked"] == "2100.00000"

    first, second = staff_factory.create("finance"), staff_factory.create("finance")
    staff = new_page(lang)
    sign_in(staff, first)
    open_admin(staff, "/admin/withdrawals")
    row = queued(staff, withdrawal_id)
    expect(row).to_have_attribute("data-status", "pending_approval")
    with staff.expect_navigation():
        row.get_by_test_id("approve").click()
    expect(staff.get_by_test_id("withdrawals-notice")).to_have_text(t(lang, "admin.withdrawals.results.firstApproval"))
    expect(queued(staff, withdrawal_id).get_by_test_id("awaiting-second")).to_be_visible()
    expect(queued(staff, withdrawal_id).get_by_test_id("approve")).to_have_count(0)
    assert withdrawal(depositor, withdrawal_id)["status"] == "pendingApproval", "one approval is not enough"

    other = new_page(lang)
    sign_in(other, second)
    open_admin(other, "/admin/withdrawals")
    with other.expect_navigation():
        queued(other, withdrawal_id).get_by_test_id("approve").click()
    expect(other.get_by_test_id("withdrawals-notice")).to_have_text(t(lang, "admin.withdrawals.results.approved"))
    wait_for(lambda: withdrawal(depositor, withdrawal_id)["status"] == "paid", "the approved payout was not paid")
    assert balances(depositor)["real"] == "400.00000" and balances(depositor)["locked"] == "0.00000"

    page.goto(f"/cashier?withdrawal={withdrawal_id}")
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "paid")
    history = page.get_by_test_id("withdrawal-history").locator(f'[data-withdrawal="{withdrawal_id}"]')
    expect(history).to_contain_text(t(lang, "cashier.withdrawals.status.paid"))
    actions = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log "
                                   f"WHERE target = 'withdrawal:{withdrawal_id}'")
    assert actions.split(",") == ["payments.withdrawal_requested", "payments.withdrawal_confirmed",
                                  "payments.withdrawal_first_approval", "payments.withdrawal_approved"], actions
    # The wrong code was answered 400 on purpose; nothing else may have failed.
    assert [e for e in console_errors(page) if f"/cashier/withdrawals/{withdrawal_id}/confirm" not in e] == []
    assert_clean_console(other, "/admin/withdrawals")
    audit_is_clean(server_env)


def test_a_payout_whose_answer_is_lost_stays_held_until_staff_reconcile_it(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        service_env: dict[str, str], server_env: dict[str, str], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    deposit_and_play(page, "100", service_env, depositor)
    mark = smtp_inbox.mark()
    withdrawal_id = ask(page, "40", destination=f"ACC-{depositor.id}-timeout")
    confirm(page, smtp_inbox.wait_for_code(email_of(service_env, depositor.id), after=mark))
    wait_for(lambda: withdrawal(depositor, withdrawal_id)["status"] == "unknown", "the timed-out payout did not become unknown")
    answer = withdrawal(depositor, withdrawal_id)
    assert answer["cancellable"] is False and "stays held" in answer["reason"], answer
    time.sleep(3)  # the payout service keeps running: nothing settles it without the gateway's word
    assert withdrawal(depositor, withdrawal_id)["status"] == "unknown"
    assert balances(depositor)["real"] == "60.00000" and balances(depositor)["locked"] == "40.00000"
    page.goto(f"/cashier?withdrawal={withdrawal_id}")
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "unknown")
    expect(page.locator(FOCUS)).to_contain_text(t("en", "cashier.withdrawals.reasons.unknownOutcome"))

    finance = staff_factory.create("finance")
    staff = new_page("en")
    sign_in(staff, finance)
    open_admin(staff, "/admin/withdrawals")
    with staff.expect_navigation():
        queued(staff, withdrawal_id).get_by_test_id("reconcile").click()
    expect(staff.get_by_test_id("withdrawals-notice")).to_have_text(t("en", "admin.withdrawals.results.reconciled"))
    assert withdrawal(depositor, withdrawal_id)["status"] == "paid"
    assert balances(depositor)["real"] == "60.00000" and balances(depositor)["locked"] == "0.00000"
    fees = e2e_sql(service_env, "SELECT count(*) FROM ledger_transactions WHERE kind = 'withdrawal_post' "
                                f"AND metadata->>'withdrawal' = '{withdrawal_id}'")
    assert fees == "1"
    audit_is_clean(server_env)


def test_the_player_cancels_a_withdrawal_waiting_for_approval_on_a_phone(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        service_env: dict[str, str], server_env: dict[str, str]) -> None:
    # EUR 300 in and USDT 150 out are above L0's limits (docs/compliance.md): an L1 player.
    set_kyc_level(service_env, depositor.id, 1)
    page = new_page("ru", viewport="phone")
    open_cashier(page, base_url, depositor)
    deposit_and_play(page, "300", service_env, depositor)
    page.goto("/cashier#withdraw")
    page.select_option("#withdrawal-method", "sandbox:USDT")
    expect(page.locator("[data-payout-limits] span")).to_contain_text("USDT")  # the hint follows the method
    mark = smtp_inbox.mark()
    withdrawal_id = ask(page, "150", own_account(depositor.id))
    assert_no_sideways_scroll(page, PHONE["width"], "the code step")
    confirm(page, smtp_inbox.wait_for_code(email_of(service_env, depositor.id), after=mark))
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "pending_approval")
    assert balances(depositor)["locked"] == "150.00000"
    row = page.get_by_test_id("withdrawal-history").locator(f'[data-withdrawal="{withdrawal_id}"]')
    with page.expect_navigation():
        row.get_by_test_id("withdrawal-cancel").click()
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "cancelled")
    expect(page.locator(FOCUS)).to_contain_text(t("ru", "cashier.withdrawals.reasons.cancelledByPlayer"))
    assert balances(depositor)["real"] == "300.00000" and balances(depositor)["locked"] == "0.00000"
    assert_no_sideways_scroll(page, PHONE["width"], "the cashier")
    assert console_errors(page) == []
    audit_is_clean(server_env)


@pytest.mark.parametrize("body, status, code", [
    ({"gateway": "nope", "amount": "10", "currency": "EUR", "destination": ACCOUNT}, 400, "unknownGateway"),
    ({"gateway": "sandbox", "amount": "10.001", "currency": "EUR", "destination": ACCOUNT}, 400, "amountNotRepresentable"),
    ({"gateway": "sandbox", "amount": "-10", "currency": "EUR", "destination": ACCOUNT}, 400, "amountNotPositive"),
    ({"gateway": "sandbox", "amount": "100001", "currency": "EUR", "destination": ACCOUNT}, 400, "amountAboveMaximum"),
    ({"gateway": "sandbox", "amount": "10", "currency": "XAU", "destination": ACCOUNT}, 400, "unsupportedCurrency"),
    ({"gateway": "sandbox", "amount": "10", "currency": "EUR", "destination": "a b"}, 400, "destinationInvalid"),
    ({"gateway": "sandbox", "amount": "10", "currency": "EUR", "destination": ACCOUNT}, 400, "insufficientFunds"),
])
def test_bad_withdrawal_requests_are_refused_by_name_and_write_nothing(
        depositor: Depositor, service_env: dict[str, str], body: dict[str, str], status: int, code: str) -> None:
    csrf = depositor.client.ok("GET", "/api/v1/me")["csrfToken"]
    answer_status, answer, _ = depositor.client.call("POST", "/api/v1/withdrawals", body, headers={"X-CSRF-Token": csrf})
    assert (answer_status, answer["error"]["code"]) == (status, code), answer
    written = e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}")
    assert written == "0"


def test_a_withdrawal_without_the_csrf_token_is_refused(depositor: Depositor, service_env: dict[str, str]) -> None:
    body = {"gateway": "sandbox", "amount": "10", "currency": "EUR", "destination": ACCOUNT}
    status, answer, _ = depositor.client.call("POST", "/api/v1/withdrawals", body)
    assert (status, answer["error"]["code"]) == (403, "csrfTokenInvalid"), answer
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}") == "0"


def test_support_may_not_open_the_withdrawals_queue(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    support = staff_factory.create("support")
    page = new_page("en")
    sign_in(page, support)
    assert page.locator('a[href="/admin/withdrawals"]').count() == 0
    response = page.goto("/admin/withdrawals")
    assert response is not None and response.status == 403
