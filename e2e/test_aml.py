"""AML in Chromium (docs/compliance.md, "AML rules, alerts and cases").

A player deposits through the sandbox and asks to withdraw without playing: the `low_wagering`
rule holds the withdrawal in review and opens a blocking case. A risk staff member finds the
alert in the console with its evidence, comments on the case and closes it as cleared; the
withdrawal is released, and the sandbox payout pays it. The rules page saves a change, audited;
a refused value writes nothing. Support may not open the AML pages. `croupier audit` finds nothing.
"""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox, e2e_sql
from layout import assert_no_sideways_scroll
from strings import t
from test_cashier import Depositor, depositor, open_cashier  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)
from test_withdrawals import FOCUS, ask, balances, confirm, deposit, email_of, own_account, wait_for, withdrawal


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_withdrawal_without_play_waits_until_risk_staff_clear_the_case_then_pays(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        service_env: dict[str, str], server_env: dict[str, str], staff_factory: StaffFactory, lang: str) -> None:
    page = new_page(lang)
    open_cashier(page, base_url, depositor)
    deposit(page, "100")
    mark = smtp_inbox.mark()
    withdrawal_id = ask(page, "40", own_account(depositor.id))
    confirm(page, smtp_inbox.wait_for_code(email_of(service_env, depositor.id), after=mark))
    expect(page.locator(FOCUS)).to_have_attribute("data-status", "review")
    expect(page.locator(FOCUS)).to_contain_text(t(lang, "aml.reasons.amlReview"))
    assert balances(depositor)["real"] == "60.00000" and balances(depositor)["locked"] == "40.00000"

    risk = staff_factory.create("risk")
    staff = new_page(lang)
    sign_in(staff, risk)
    open_admin(staff, "/admin/aml/alerts")
    staff.select_option("#filter-rule", "low_wagering")
    staff.select_option("#filter-state", "open")
    with staff.expect_navigation():
        staff.get_by_test_id("filter").click()
    expect(staff.locator('[data-testid="aml-alert"]:not([data-rule="low_wagering"])')).to_have_count(0)
    alert = staff.locator(f'[data-testid="aml-alert"][data-rule="low_wagering"]').filter(has_text=withdrawal_id)
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(t(lang, "aml.rules.names.low_wagering"))
    expect(alert.get_by_test_id("evidence-movement")).to_have_count(2)  # the deposit and the withdrawal
    with staff.expect_navigation():
        alert.get_by_test_id("alert-case").click()
    expect(staff.get_by_test_id("case-state")).to_have_attribute("data-state", "open")

    # The withdrawal waits in review while the case is open (that the payout service does not send
    # it even once approved is PaymentsTests' AMLWithdrawalTests).
    assert withdrawal(depositor, withdrawal_id)["status"] == "review"

    staff.fill("#comment", "The player says they changed their mind.")
    with staff.expect_navigation():
        staff.get_by_test_id("comment").click()
    expect(staff.get_by_test_id("aml-notice")).to_have_text(t(lang, "aml.results.commented"))
    expect(staff.get_by_test_id("case-comment")).to_contain_text("changed their mind")

    staff.get_by_test_id("outcome-cleared").check()
    staff.fill("#close-note", "No sign of laundering: a small deposit taken back.")
    with staff.expect_navigation():
        staff.get_by_test_id("close-case").click()
    expect(staff.get_by_test_id("aml-notice")).to_have_text(t(lang, "aml.results.closed"))
    expect(staff.get_by_test_id("case-outcome")).to_have_text(t(lang, "aml.case.outcomes.cleared"))

    wait_for(lambda: withdrawal(depositor, withdrawal_id)["status"] == "paid", "the released payout was not paid")
    assert balances(depositor)["real"] == "60.00000" and balances(depositor)["locked"] == "0.00000"
    actions = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log "
                                   f"WHERE actor = 'staff:{risk.id}' AND action LIKE 'compliance.%'")
    assert actions.split(",") == ["compliance.case_commented", "compliance.case_closed"], actions
    assert_clean_console(staff, "the AML case page")

    # The closed case on a phone, as a second risk staff member sees it.
    phone = new_page(lang, viewport="phone")
    sign_in(phone, staff_factory.create("risk"))
    open_admin(phone, "/admin/aml/cases")
    with phone.expect_navigation():
        phone.get_by_role("link", name=t(lang, "aml.cases.tabs.closed")).click()
    case_row = phone.locator(f'[data-testid="aml-case"][data-player="{depositor.id}"]')
    with phone.expect_navigation():
        case_row.get_by_test_id("open-case").click()
    expect(phone.get_by_test_id("case-outcome")).to_be_visible()
    assert_no_sideways_scroll(phone, PHONE["width"], "a closed AML case")
    audit_is_clean(server_env)


def test_risk_staff_edit_a_rule_and_a_bad_value_saves_nothing_on_a_phone(
        new_page: Callable[..., Page], service_env: dict[str, str], staff_factory: StaffFactory) -> None:
    risk = staff_factory.create("risk")
    page = new_page("ru", viewport="phone")
    sign_in(page, risk)
    open_admin(page, "/admin/aml/rules")
    assert_no_sideways_scroll(page, PHONE["width"], "the AML rules")
    try:
        rule = page.locator('[data-testid="aml-rule"][data-rule="structuring"]')
        rule.get_by_test_id("count").fill("4")
        with page.expect_navigation():
            rule.get_by_test_id("save-rule").click()
        expect(page.get_by_test_id("aml-notice")).to_have_text(t("ru", "aml.results.saved"))
        assert e2e_sql(service_env, "SELECT min_count FROM compliance_aml_rules WHERE code = 'structuring'") == "4"
        rule = page.locator('[data-testid="aml-rule"][data-rule="structuring"]')
        rule.get_by_test_id("margin").fill("150")
        with page.expect_navigation():
            rule.get_by_test_id("save-rule").click()
        expect(page.get_by_test_id("aml-error")).to_have_text(t("ru", "aml.results.invalid"))
        assert e2e_sql(service_env, "SELECT margin_percent FROM compliance_aml_rules WHERE code = 'structuring'") == "20"
        rule = page.locator('[data-testid="aml-rule"][data-rule="structuring"]')
        rule.get_by_test_id("count").fill("3")
        with page.expect_navigation():
            rule.get_by_test_id("save-rule").click()
    finally:
        # The rules are the whole server's: put the default back even when the test failed.
        e2e_sql(service_env, "UPDATE compliance_aml_rules SET min_count = 3 WHERE code = 'structuring'")
    audited = e2e_sql(service_env, "SELECT count(*) FROM identity_audit_log "
                                   f"WHERE actor = 'staff:{risk.id}' AND action = 'compliance.aml_rule_updated'")
    assert audited == "2", audited
    assert_clean_console(page, "the AML rules page")


def test_support_may_not_open_the_aml_pages(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    sign_in(page, staff_factory.create("support"))
    assert page.locator('a[href="/admin/aml/cases"]').count() == 0
    for path in ("/admin/aml/alerts", "/admin/aml/cases", "/admin/aml/rules"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
