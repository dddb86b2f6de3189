"""The console's payments area (/admin/payments, `payments.manage`) in Chromium: a Stripe webhook
whose paid amount differs from the deposit's waits in the inbox, failed, with the reason; once the
cause is dealt with, staff process it again and the deposit completes, credited once. Support,
without the permission, neither sees the area nor opens it.
"""
from __future__ import annotations

import time
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import SMTPInbox, e2e_sql
from fake_stripe_api import FakeStripeAPI
from players import sign_in_new_player, sql_text
from test_payments_stripe import Payer, audit_is_clean, deliver, event
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)


def wait_for(predicate: Callable[[], bool], what: str, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_finance_processes_a_held_webhook_again_once_its_cause_is_fixed(
        new_page: Callable[..., Page], staff_factory: StaffFactory, fake_stripe: FakeStripeAPI, base_url: str,
        service_env: dict[str, str], smtp_inbox: SMTPInbox, server_env: dict[str, str], lang: str) -> None:
    player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="held")
    payer = Payer(player_id, client)
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "30", "currency": "EUR"})
    assert status == 201, deposit
    session = fake_stripe.session_for(deposit["id"])
    with fake_stripe.lock:
        session["amount_total"] = 2999  # Stripe reports a cent less than the deposit asked
    paid = fake_stripe.pay(session["id"])
    assert deliver(base_url, event("checkout.session.completed", paid), fake_stripe.webhook_secret)[0] == 200
    state = f"SELECT e.state FROM payments_webhook_events e WHERE convert_from(e.payload, 'UTF8') LIKE {sql_text('%' + session['id'] + '%')}"
    wait_for(lambda: e2e_sql(service_env, state) == "failed", "the mismatched webhook was not held for staff")
    assert payer.real_balance() == "0.00000"

    finance = staff_factory.create("finance")
    page = new_page(lang)
    sign_in(page, finance)
    page.get_by_role("link", name="Deposits and webhooks" if lang == "en" else "Пополнения и уведомления").click()
    open_admin(page, "/admin/payments")
    held = page.locator('[data-testid="inbox-event"][data-state="failed"]').filter(has_text=deposit["id"])
    expect(held).to_contain_text(f"{deposit['id']} asked 3000 EUR but the gateway says 2999 EUR was paid")
    expect(page.locator(f'[data-testid="admin-deposit"][data-deposit="{deposit["id"]}"]')).to_have_attribute("data-status", "pending")

    with fake_stripe.lock:
        session["amount_total"] = 3000  # the gateway's record is corrected
    with page.expect_navigation():
        held.get_by_test_id("reprocess").click()
    expect(page.get_by_test_id("payments-notice")).to_be_visible()
    wait_for(lambda: payer.real_balance() == "30.00000", "the re-processed webhook did not credit the deposit")
    page.reload()
    expect(page.locator(f'[data-testid="admin-deposit"][data-deposit="{deposit["id"]}"]')).to_have_attribute("data-status", "completed")
    audited = e2e_sql(service_env, "SELECT count(*) FROM identity_audit_log WHERE action = 'payments.webhook_reprocessed'")
    assert int(audited) >= 1
    assert_clean_console(page, "/admin/payments")
    audit_is_clean(server_env)


def test_support_may_not_open_the_payments_console(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    support = staff_factory.create("support")
    page = new_page("en")
    sign_in(page, support)
    assert page.locator('a[href="/admin/payments"]').count() == 0
    response = page.goto("/admin/payments")
    assert response is not None and response.status == 403


def test_support_sees_deposits_and_withdrawals_read_only(
        new_page: Callable[..., Page], staff_factory: StaffFactory, fake_stripe: FakeStripeAPI, base_url: str,
        service_env: dict[str, str], smtp_inbox: SMTPInbox) -> None:
    player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="seen")
    status, deposit = Payer(player_id, client).deposit({"gateway": "stripe", "amount": "12", "currency": "EUR"})
    assert status == 201, deposit
    page = new_page("en")
    sign_in(page, staff_factory.create("support"))
    page.get_by_role("link", name="Deposits and withdrawals").click()
    open_admin(page, "/admin/deposits")
    expect(page.locator(f'[data-testid="admin-deposit"][data-deposit="{deposit["id"]}"]')).to_have_attribute("data-status", "pending")
    assert page.get_by_test_id("reprocess").count() == 0 and page.get_by_test_id("approve").count() == 0, "read only"
    assert_clean_console(page, "/admin/deposits")
