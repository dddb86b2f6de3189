"""Manual adjustments with four eyes in Chromium (docs/back-office.md "Adjustments").

A finance staff member opens a player's page, follows "Ask for an adjustment" and asks for a
500.00 EUR credit: nothing moves, the request waits, and its own approval (posted with a valid
CSRF token) is refused `ownRequest` and audited. A second finance member approves it and the
money moves once. A 1,500.00 credit (the owner threshold is EUR 1,000 by default) shows "Owner
approves": finance sees no approve button, an admin's approval is refused `ownerRequired`, an
owner's moves it. The audit trail holds request, refusals and approvals in its hash chain, and
`croupier audit` proves the ledger (invariant 9: every adjustment has its approved request).
English on a desktop and Russian on a phone, with a clean console.
"""
from __future__ import annotations

import html
import secrets
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, e2e_sql
from layout import assert_no_sideways_scroll
from staff import Staff
from strings import t
from test_cashier import Depositor, depositor  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)


def real_eur(depositor: Depositor) -> str:
    rows = depositor.client.ok("GET", "/api/v1/wallet")["balances"]
    return next((b["real"] for b in rows if b["currency"] == "EUR"), "0.00000")


def ask(page: Page, lang: str, amount: str, reason: str) -> str:
    """Fills the request form (its player already filled in) and answers the new request's id."""
    page.select_option("#adjustment-currency", "EUR")
    page.fill("#adjustment-amount", amount)
    page.fill("#adjustment-reason", reason)
    with page.expect_navigation():
        page.get_by_test_id("adjustment-submit").click()
    expect(page.get_by_test_id("adjustments-notice")).to_have_text(t(lang, "admin.adjustments.results.requested"))
    row = page.get_by_test_id("adjustment-request").filter(has_text=reason)
    expect(row).to_have_count(1)
    request = row.get_attribute("data-request")
    assert request and request.isdigit(), request
    return request


def signed_in(new_page: Callable[..., Page], staff: Staff, lang: str, viewport: str) -> Page:
    page = new_page(lang, viewport=viewport)
    sign_in(page, staff)
    open_admin(page, "/admin/adjustments")
    return page


def approve_refused(page: Page, lang: str, request: str, refusal: str) -> None:
    """Posts an approval the page does not offer, as a hand-made form would, with a valid token."""
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    response = page.request.post(f"/admin/adjustments/{request}/approve", form={"csrf": token}, max_redirects=0)
    assert response.status == 422, f"approval expected refused ({refusal}) -> {response.status}"
    assert t(lang, f"admin.adjustments.errors.{refusal}") in html.unescape(response.text()), response.text()[:2000]


def row_of(page: Page, request: str):
    return page.locator(f'[data-testid="adjustment-request"][data-request="{request}"]')


@pytest.mark.parametrize("lang, viewport", [("en", "desktop"), ("ru", "phone")])
def test_a_credit_moves_only_when_a_second_staff_member_approves_and_an_owner_above_the_threshold(
        new_page: Callable[..., Page], staff_factory: StaffFactory, depositor: Depositor, service_env: dict[str, str],
        server_env: dict[str, str], lang: str, viewport: str) -> None:
    finance, colleague = staff_factory.create("finance"), staff_factory.create("finance")
    admin, owner = staff_factory.create("admin"), staff_factory.create("owner")
    assert real_eur(depositor) == "0.00000"

    page = new_page(lang, viewport=viewport)
    sign_in(page, finance)
    open_admin(page, f"/admin/players/{depositor.id}")
    with page.expect_navigation():
        page.get_by_test_id("player-adjust").click()
    expect(page.locator("#adjustment-player")).to_have_value(str(depositor.id))
    goodwill = f"e2e goodwill {secrets.token_hex(3)} ({lang})"
    small = ask(page, lang, "500.00", goodwill)
    mine = row_of(page, small)
    expect(mine.get_by_test_id("adjustment-waiting")).to_have_text(t(lang, "admin.adjustments.waiting.own"))
    expect(mine.get_by_test_id("adjustment-approve")).to_have_count(0)
    expect(mine.get_by_test_id("adjustment-owner-required")).to_have_count(0)
    if viewport == "phone":
        assert_no_sideways_scroll(page, PHONE["width"], "the adjustments page")
    assert real_eur(depositor) == "0.00000", "a request moves nothing"
    approve_refused(page, lang, small, "ownRequest")
    assert real_eur(depositor) == "0.00000", "the requester's own approval moves nothing"

    second = signed_in(new_page, colleague, lang, viewport)
    with second.expect_navigation():
        row_of(second, small).get_by_test_id("adjustment-approve").click()
    expect(second.get_by_test_id("adjustments-notice")).to_have_text(t(lang, "admin.adjustments.results.approved"))
    expect(row_of(second, small)).to_have_count(0)
    assert real_eur(depositor) == "500.00000"

    page.goto(f"/admin/adjustments?player={depositor.id}")
    expect(page.locator("#adjustment-player")).to_have_value(str(depositor.id))
    settlement = f"e2e VIP settlement {secrets.token_hex(3)} ({lang})"
    large = ask(page, lang, "1500.00", settlement)
    expect(row_of(page, large).get_by_test_id("adjustment-owner-required")).to_have_text(
        t(lang, "admin.adjustments.ownerRequired"))
    second.reload()
    expect(row_of(second, large).get_by_test_id("adjustment-approve")).to_have_count(0)
    expect(row_of(second, large).get_by_test_id("adjustment-waiting")).to_have_text(t(lang, "admin.adjustments.waiting.owner"))
    by_admin = signed_in(new_page, admin, lang, viewport)
    approve_refused(by_admin, lang, large, "ownerRequired")
    assert real_eur(depositor) == "500.00000", "an admin's approval above the threshold moves nothing"
    by_owner = signed_in(new_page, owner, lang, viewport)
    with by_owner.expect_navigation():
        row_of(by_owner, large).get_by_test_id("adjustment-approve").click()
    expect(by_owner.get_by_test_id("adjustments-notice")).to_have_text(t(lang, "admin.adjustments.results.approved"))
    assert real_eur(depositor) == "2000.00000"
    for viewer in (page, second, by_owner):
        assert_clean_console(viewer, "the adjustments page")

    trail = e2e_sql(service_env, "SELECT string_agg(action || ':' || coalesce(summary->>'refusal', summary->>'request', ''), ',' "
                                 f"ORDER BY id) FROM identity_audit_log WHERE action LIKE 'money.%' AND (target = 'player:{depositor.id}' "
                                 f"OR target IN ('adjustment:{small}', 'adjustment:{large}'))")
    assert trail.split(",") == [
        f"money.adjustment_requested:{small}", "money.adjustment_refused:ownRequest", f"money.adjusted:{small}",
        f"money.adjustment_requested:{large}", "money.adjustment_refused:ownerRequired", f"money.adjusted:{large}",
    ], trail
    audit_is_clean(server_env)
