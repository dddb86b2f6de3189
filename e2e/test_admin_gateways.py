"""The console's gateways (/admin/gateways, docs/payments.md "Gateway credentials"): finance
stores Stripe's credentials, sealed in PostgreSQL and shown only as fingerprints (computed here
independently with hashlib), which the audit log records too; switching the gateway off takes it
out of new deposits, switching it on brings it back. Support may not open the page.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from playwright.sync_api import Page, expect

from conftest import e2e_sql
from fake_stripe_api import FakeStripeAPI
from strings import t
from test_payments_stripe import Payer, payer  # noqa: F401 (fixture)
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)


def fingerprint(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def row(page: Page, gateway: str):
    return page.locator(f'[data-testid="gateway"][data-gateway="{gateway}"]')


def test_finance_stores_stripe_credentials_and_switches_the_gateway_off_and_on(
        new_page: Callable[..., Page], staff_factory: StaffFactory, fake_stripe: FakeStripeAPI, payer: Payer,
        service_env: dict[str, str]) -> None:
    finance = staff_factory.create("finance")
    page = new_page("en")
    sign_in(page, finance)
    open_admin(page, "/admin/gateways")
    expect(row(page, "sandbox")).to_contain_text(t("en", "admin.gateways.sources.builtIn"))

    page.select_option("#gateway-code", "stripe")
    page.fill("#gateway-url", fake_stripe.base_url)
    page.fill("#gateway-key", fake_stripe.api_key)
    page.fill("#gateway-secret", fake_stripe.webhook_secret)
    with page.expect_navigation():
        page.get_by_test_id("save-credentials").click()
    expect(page.get_by_test_id("gateways-notice")).to_have_text(t("en", "admin.gateways.results.saved"))
    stripe = row(page, "stripe")
    expect(stripe).to_contain_text(t("en", "admin.gateways.sources.stored"))
    expect(stripe.get_by_test_id("fingerprints")).to_contain_text(fingerprint(fake_stripe.api_key))
    expect(stripe.get_by_test_id("fingerprints")).to_contain_text(fingerprint(fake_stripe.webhook_secret))
    html = page.content()
    assert fake_stripe.api_key not in html and fake_stripe.webhook_secret not in html, "a secret reached the page"
    audited = e2e_sql(service_env, "SELECT summary::text FROM identity_audit_log "
                                   "WHERE action = 'payments.gateway_credentials_set' ORDER BY id DESC LIMIT 1")
    assert fingerprint(fake_stripe.api_key) in audited and fake_stripe.api_key not in audited, audited
    stored = e2e_sql(service_env, "SELECT encode(credentials, 'escape') FROM payments_gateway_credentials WHERE gateway = 'stripe'")
    assert fake_stripe.api_key not in stored, "the key is sealed in the database"

    # A deposit goes through the stored credentials.
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "20", "currency": "EUR"})
    assert status == 201, deposit

    with page.expect_navigation():
        row(page, "stripe").get_by_test_id("disable").click()
    expect(page.get_by_test_id("gateways-notice")).to_have_text(t("en", "admin.gateways.results.disabled"))
    expect(row(page, "stripe")).to_have_attribute("data-enabled", "false")
    status, refused = payer.deposit({"gateway": "stripe", "amount": "20", "currency": "EUR"})
    assert (status, refused["error"]["code"]) == (400, "unknownGateway"), refused

    with page.expect_navigation():
        row(page, "stripe").get_by_test_id("enable").click()
    expect(row(page, "stripe")).to_have_attribute("data-enabled", "true")
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "20", "currency": "EUR"})
    assert status == 201, deposit
    actions = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log WHERE target = 'gateway:stripe'")
    assert actions.endswith("payments.gateway_credentials_set,payments.gateway_disabled,payments.gateway_enabled"), actions
    assert_clean_console(page, "/admin/gateways")


def test_a_bad_credential_form_is_refused_on_the_page(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    page = new_page("ru")
    sign_in(page, staff_factory.create("finance"))
    open_admin(page, "/admin/gateways")
    page.select_option("#gateway-code", "nowpayments")
    page.fill("#gateway-key", "key")
    page.fill("#gateway-secret", " ")
    with page.expect_navigation():
        page.get_by_test_id("save-credentials").click()
    expect(page.get_by_test_id("gateways-error")).to_have_text(t("ru", "admin.gateways.errors.emptySecret"))


def test_support_may_not_open_the_gateways(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    sign_in(page, staff_factory.create("support"))
    assert page.locator('a[href="/admin/gateways"]').count() == 0
    response = page.goto("/admin/gateways")
    assert response is not None and response.status == 403
