"""The admin console's staff side: sign-in with e-mail, password and TOTP; the dashboard, the staff
page and the audit log; role changes and disabling; the permission check of the staff JSON API;
the redirect to sign-in; the phone layout and a clean browser console; invitations, enrolment
links (TOTP secret, password, first code) and TOTP resets.

Staff accounts are created with the CLI (`croupier admin create`), against the same croupier_e2e
database the server uses. The CLI seals each TOTP secret with a key derived from
CROUPIER_SECRET_KEY, so it must run with the server's key (see `server_secret_key`). TOTP codes are
computed here, independently of the server (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits). The server
accepts a code once per account, so every test signs each account in at most once, and every test
works on fresh accounts with random e-mails.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import time
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Locator, Page, Response

from conftest import PHONE, console_errors

from layout import assert_inside_viewport, assert_no_sideways_scroll
from staff import TOTP_STEP, Staff, StaffFactory, hotp, totp
from strings import t

LANGS = ["en", "ru"]

STAFF_COOKIE = "croupier_staff"
CSRF_COOKIE = "csrf_seed"

ROW = '[data-testid="staff-row"]'
AUDIT_ROW = '[data-testid="audit-row"]'
AUDIT_CHAIN = '[data-testid="audit-chain"]'
NOTICE = '[data-testid="staff-notice"]'
LOGIN_FORM = 'form[action="/admin/login"]'


# ---------------------------------------------------------------------------- helpers


def path_of(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path


def fill_login(page: Page, staff: Staff, code: str | None = None) -> Response | None:
    """Opens /admin/login, fills e-mail, password and code, submits; returns the final response."""
    response = page.goto("/admin/login")
    assert response is not None and response.status == 200, \
        f"GET /admin/login -> {response.status if response else 'no response'}"
    form = page.locator(LOGIN_FORM)
    form.locator('[name="email"]').fill(staff.email)
    form.locator('[name="password"]').fill(staff.password)
    form.locator('[name="totp"]').fill(code if code is not None else staff.code())
    with page.expect_navigation() as navigation:
        form.locator('[type="submit"]').click()
    return navigation.value


def sign_in(page: Page, staff: Staff) -> None:
    """Signs in through the form and expects to land on the dashboard."""
    fill_login(page, staff)
    assert path_of(page) == "/admin", (f"signing in as {staff.role} {staff.email} ended on {page.url}: "
                                       f"{page.locator('[role=alert]').all_inner_texts()}")


def staff_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == STAFF_COOKIE), None)


def open_admin(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == 200, f"GET {path} -> {response.status}"
    assert path_of(page) == path, f"{path} ended on {page.url}"


def staff_row(page: Page, email: str) -> Locator:
    return page.locator(f'{ROW}[data-email="{email}"]')


def audit_rows(page: Page, action: str) -> Locator:
    return page.locator(f'{AUDIT_ROW}[data-action="{action}"]')






def assert_clean_console(page: Page, what: str) -> None:
    errors = console_errors(page)
    assert not errors, f"{what}: console errors or CSP violations:\n" + "\n".join(errors)


# ---------------------------------------------------------------------------- fixtures



@pytest.fixture(scope="module")
def server_secret_key(server_env: dict[str, str]) -> str:
    """The CROUPIER_SECRET_KEY the e2e server runs with: TOTP secrets sealed by the CLI under
    another key could not be opened by the server."""
    return server_env["CROUPIER_SECRET_KEY"]


@pytest.fixture(scope="module")
def cli_env(service_env: dict[str, str], e2e_databases: dict[str, str], base_url: str,
            server_secret_key: str) -> dict[str, str]:
    """The server's environment for the CLI. Depends on base_url so migrations have run."""
    env = dict(os.environ)
    env.update(service_env)
    env.update(e2e_databases)  # croupier_e2e in PostgreSQL and ClickHouse
    env.update({"CROUPIER_ENV": "test", "CROUPIER_SECRET_KEY": server_secret_key})
    return env


@pytest.fixture(scope="module")
def staff_factory(cli_env: dict[str, str]) -> StaffFactory:
    return StaffFactory(cli_env)


# ---------------------------------------------------------------------------- tests


def test_totp_helper_matches_rfc6238() -> None:
    # RFC 6238 appendix B, SHA-1 key "12345678901234567890": the last 6 of the 8-digit codes.
    secret = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    assert totp(secret, at=59) == "287082"
    assert totp(secret, at=1111111109) == "081804"
    assert totp(secret, at=1234567890) == "005924"
    assert totp(secret, at=2000000000) == "279037"


@pytest.mark.parametrize("lang", LANGS)
def test_staff_signs_in_with_totp(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    owner = staff_factory.create("owner")
    page = new_page(lang)

    sign_in(page, owner)
    cookie = staff_cookie(page)
    assert cookie is not None, f"no {STAFF_COOKIE} cookie after signing in"
    assert cookie["httpOnly"], f"the {STAFF_COOKIE} cookie must be HttpOnly: {cookie}"

    # The dashboard greets and shows the role and what it may do.
    assert page.locator("h1").first.inner_text().strip() == t(lang, "admin.dashboard.greeting")
    role = page.locator('[data-testid="dashboard-role"] [data-testid="staff-role"]')
    assert role.get_attribute("data-role") == "owner"
    assert role.inner_text().strip() == t(lang, "admin.roles.owner")
    assert owner.email in page.locator('[data-testid="dashboard-role"]').inner_text()
    permissions = page.locator('[data-testid="permissions"] [data-permission]')
    names = set(permissions.evaluate_all("els => els.map(e => e.dataset.permission)"))
    assert {"staff.manage", "audit.view", "money.adjust"} <= names, f"an owner's permissions: {sorted(names)}"
    labels = [s.strip() for s in permissions.all_inner_texts()]
    assert t(lang, "admin.permissions.staff_manage") in labels, f"permission labels: {labels}"
    links = page.locator('[data-testid="quick-link"]')
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "/admin/staff" in hrefs and "/admin/audit" in hrefs, f"an owner's quick links: {hrefs}"
    assert_clean_console(page, "/admin")

    # The staff page lists the account as the viewer's own: active, no actions on itself.
    open_admin(page, "/admin/staff")
    row = staff_row(page, owner.email)
    assert row.count() == 1, f"/admin/staff has no row for {owner.email}"
    assert row.get_attribute("data-role") == "owner" and row.get_attribute("data-status") == "active"
    assert row.locator('[data-testid="staff-role"]').inner_text().strip() == t(lang, "admin.roles.owner")
    assert row.locator('[data-testid="staff-status"]').inner_text().strip() == t(lang, "admin.staff.status.active")
    assert row.locator("time[datetime][data-local-time]").count() == 1, "the last sign-in time is missing"
    assert row.locator("form").count() == 0, "the viewer's own row must offer no actions"
    assert_clean_console(page, "/admin/staff")

    # The audit log shows the sign-in and a verified chain.
    open_admin(page, "/admin/audit")
    assert audit_rows(page, "staff.login").count() >= 1, "no staff.login row in /admin/audit"
    chain = page.locator(AUDIT_CHAIN)
    assert chain.get_attribute("data-state") == "verified", f"audit chain: {chain.inner_text()}"
    assert t(lang, "admin.audit.chain.okTitle") in chain.inner_text()
    rows_checked = int(re.sub(r"\D", "", page.locator('[data-testid="audit-chain-rows"]').inner_text()))
    assert rows_checked >= page.locator(AUDIT_ROW).count() > 0
    assert_clean_console(page, "/admin/audit")

    # The action filter matches by prefix.
    filters = page.locator('[data-testid="audit-filters"]')
    filters.locator('[name="action"]').fill("staff.log")
    with page.expect_navigation():
        filters.locator('[type="submit"]').click()
    assert path_of(page) == "/admin/audit"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("action") == ["staff.log"]
    actions = page.locator(AUDIT_ROW).evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions and all(a.startswith("staff.log") for a in actions), f"filtered actions: {actions}"
    assert "staff.login" in actions


@pytest.mark.parametrize("lang", LANGS)
def test_wrong_totp_code_is_refused(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    member = staff_factory.create("support")
    owner = staff_factory.create("owner")

    page = new_page(lang)
    fill_login(page, member, member.wrong_code())
    assert path_of(page) == "/admin/login", f"a wrong code ended on {page.url}"
    alert = page.locator(f'{LOGIN_FORM} [role="alert"]')
    assert alert.is_visible(), "no error shown for a wrong code"
    assert t(lang, "admin.login.invalid") in alert.inner_text(), f"error shown: {alert.inner_text()!r}"
    assert staff_cookie(page) is None, f"a refused sign-in set {STAFF_COOKIE}"
    assert page.locator(f'{LOGIN_FORM} [name="totp"]').input_value() == "", "the code field must be cleared"

    # Nothing behind the login opens without the cookie.
    page.goto("/admin/staff")
    assert path_of(page) == "/admin/login"

    viewer = new_page(lang)
    sign_in(viewer, owner)
    open_admin(viewer, "/admin/audit")
    failed = audit_rows(viewer, "staff.login_failed").all_inner_texts()
    assert any(member.email in text for text in failed), \
        f"no staff.login_failed row naming {member.email} in /admin/audit: {failed}"
    assert_clean_console(viewer, "/admin/audit")


@pytest.mark.parametrize("lang", LANGS)
def test_analyst_is_refused_a_balance_adjustment(new_page: Callable[..., Page], staff_factory: StaffFactory,
                                                 lang: str) -> None:
    analyst = staff_factory.create("analyst")
    owner = staff_factory.create("owner")

    api_page = new_page("en")
    api = api_page.context.request
    login = api.post("/api/v1/staff/login",
                     data=json.dumps({"email": analyst.email, "password": analyst.password, "totp": analyst.code()}),
                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert login.status == 200, f"POST /api/v1/staff/login -> {login.status}: {login.text()[:400]}"
    assert login.headers.get("content-type", "").startswith("application/json")
    body = login.json()
    assert isinstance(body.get("csrfToken"), str) and body["csrfToken"], f"no csrfToken in {body}"
    assert isinstance(body.get("staff"), dict), f"no staff object in {body}"
    assert body["staff"].get("email") == analyst.email and body["staff"].get("role") == "analyst", body
    assert "money.adjust" not in body["staff"].get("permissions", []), body
    cookies = {c["name"]: c for c in api_page.context.cookies()}
    assert STAFF_COOKIE in cookies and CSRF_COOKIE in cookies, f"cookies after the API sign-in: {sorted(cookies)}"
    assert cookies[STAFF_COOKIE]["httpOnly"], f"the {STAFF_COOKIE} cookie must be HttpOnly"

    adjust = api.post("/api/v1/staff/adjustment-requests",
                      data=json.dumps({"player": 42, "currency": "EUR", "amount": "10.00", "reason": "test"}),
                      headers={"Content-Type": "application/json", "Accept": "application/json",
                               "X-CSRF-Token": body["csrfToken"], "Idempotency-Key": "e2e-analyst"})
    assert adjust.status == 403, f"an analyst's adjustment -> {adjust.status}: {adjust.text()[:400]}"
    error = adjust.json().get("error")
    assert isinstance(error, dict) and error.get("code") == "forbidden", f"403 body: {adjust.text()[:400]}"

    viewer = new_page(lang)
    sign_in(viewer, owner)
    open_admin(viewer, "/admin/audit")
    refused = audit_rows(viewer, "access.refused")
    texts = refused.all_inner_texts()
    assert any("/api/v1/staff/adjustment-requests" in text and "money.adjust" in text for text in texts), \
        f"no access.refused row for /api/v1/staff/adjustment-requests (money.adjust): {texts}"
    assert_clean_console(viewer, "/admin/audit")


@pytest.mark.parametrize("lang", LANGS)
def test_owner_changes_a_role_and_disables_the_account(new_page: Callable[..., Page], staff_factory: StaffFactory,
                                                       lang: str) -> None:
    owner = staff_factory.create("owner")
    analyst = staff_factory.create("analyst")

    page = new_page(lang)
    sign_in(page, owner)
    open_admin(page, "/admin/staff")
    row = staff_row(page, analyst.email)
    assert row.count() == 1, f"/admin/staff has no row for {analyst.email}"
    assert row.get_attribute("data-role") == "analyst"
    assert row.locator('[data-testid="staff-role"]').inner_text().strip() == t(lang, "admin.roles.analyst")
    never = row.locator("td").nth(3).inner_text().strip()
    assert never == t(lang, "admin.staff.never"), f"last sign-in of a new account shows {never!r}"

    # Change the role: analyst -> finance.
    form = row.locator(f'form[action="/admin/staff/{row.get_attribute("data-staff-id")}/role"]')
    assert form.count() == 1, "no role form on the analyst's row"
    assert form.locator('input[type="hidden"][name="csrf"]').input_value(), "the role form has no CSRF token"
    select = form.locator('select[name="role"]')
    options = select.locator("option").evaluate_all("els => els.map(e => e.value)")
    assert set(options) >= {"admin", "finance", "risk", "support", "analyst"}, f"role options: {options}"
    assert select.input_value() == "analyst", "the current role must be preselected"
    select.select_option("finance")
    with page.expect_navigation():
        form.locator('[type="submit"]').click()
    assert path_of(page).startswith("/admin/staff"), f"the role form ended on {page.url}"
    notice = page.locator(NOTICE)
    assert notice.is_visible(), "no notice after changing the role"
    assert t(lang, "admin.staff.noticeTitle") in notice.inner_text()
    row = staff_row(page, analyst.email)
    assert row.get_attribute("data-role") == "finance"
    assert row.locator('[data-testid="staff-role"]').inner_text().strip() == t(lang, "admin.roles.finance")
    assert row.locator('select[name="role"]').input_value() == "finance"

    # Disable the account.
    disable = row.locator('[data-testid="staff-disable"]')
    assert disable.inner_text().strip().startswith(t(lang, "admin.staff.disable"))
    with page.expect_navigation():
        disable.click()
    assert path_of(page).startswith("/admin/staff"), f"the disable form ended on {page.url}"
    assert page.locator(NOTICE).is_visible(), "no notice after disabling"
    row = staff_row(page, analyst.email)
    assert row.get_attribute("data-status") == "disabled"
    assert row.locator('[data-testid="staff-status"]').inner_text().strip() == t(lang, "admin.staff.status.disabled")
    assert row.locator('[data-testid="staff-disable"]').count() == 0
    assert row.locator('[data-testid="staff-enable"]').count() == 1, "a disabled account must offer Enable"
    assert_clean_console(page, "/admin/staff")

    # A disabled account cannot sign in, even with the right password and code.
    other = new_page(lang)
    fill_login(other, analyst)
    assert path_of(other) == "/admin/login", f"a disabled account signed in: {other.url}"
    assert staff_cookie(other) is None


@pytest.mark.parametrize("lang", LANGS)
def test_admin_pages_redirect_to_sign_in(new_page: Callable[..., Page], lang: str) -> None:
    page = new_page(lang)
    for path in ("/admin/staff", "/admin/audit", "/admin"):
        response = page.goto(path)
        assert response is not None and response.status == 200, f"GET {path} (signed out) -> no sign-in page"
        assert path_of(page) == "/admin/login", f"signed out, {path} ended on {page.url}"
        assert response.request.redirected_from is not None, f"{path} was not redirected"
        assert page.locator("h1").first.inner_text().strip() == t(lang, "admin.login.heading")
    assert_clean_console(page, "/admin/login")


@pytest.mark.parametrize("lang", LANGS)
def test_staff_pages_on_a_phone(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    owner = staff_factory.create("owner")
    staff_factory.create("finance")  # a second row with the role form and the disable button

    page = new_page(lang, "phone")
    sign_in(page, owner)
    width = PHONE["width"]
    for path in ("/admin", "/admin/staff", "/admin/audit"):
        open_admin(page, path)
        assert_no_sideways_scroll(page, width, path)
        assert_clean_console(page, path)
    open_admin(page, "/admin/staff")
    rows = page.locator(ROW)
    assert rows.count() >= 2
    for i in range(rows.count()):
        row = rows.nth(i)
        assert_inside_viewport(row, width, f"staff row {row.get_attribute('data-email')}")
        for control in row.locator("select, button").all():
            if control.is_visible():
                assert_inside_viewport(control, width, f"a control in the row of {row.get_attribute('data-email')}")
    open_admin(page, "/admin/audit")
    first = page.locator(AUDIT_ROW).first
    assert_inside_viewport(first, width, "the newest audit row")
    assert_inside_viewport(page.locator(AUDIT_CHAIN), width, "the audit chain alert")


# ---------------------------------------------------------------------------- invitations and enrolment

INVITE_FORM = '[data-testid="staff-invite-form"]'
ENROLLMENT_LINK = '[data-testid="enrollment-link"]'
RESET_TOTP = '[data-testid="staff-reset-totp"]'
TOTP_SECRET = '[data-testid="totp-secret"]'
ENROLL_FORM = '[data-testid="enroll-form"]'
BASE32 = re.compile(r"[A-Z2-7]+=*")


def shown_enrollment_link(page: Page, base_url: str) -> str:
    """The enrolment link the staff page shows after an invitation or a TOTP reset."""
    link = page.locator(ENROLLMENT_LINK)
    assert link.count() == 1, f"no single {ENROLLMENT_LINK} on {page.url}"
    url = link.evaluate("el => el.getAttribute('href') || el.value || el.textContent").strip()
    assert url.startswith(f"{base_url}/admin/enroll/"), f"the enrolment link is not an absolute {base_url} URL: {url!r}"
    token = urllib.parse.urlsplit(url).path.removeprefix("/admin/enroll/")
    assert len(token) >= 20 and "/" not in token, f"a weak or odd enrolment token: {token!r}"
    return url


def enroll(page: Page, link: str, password: str) -> tuple[str, int]:
    """Opens the link signed out, reads the TOTP secret, sets the password and confirms a code;
    returns the secret and the TOTP step used (the server accepts each step once)."""
    response = page.goto(link)
    assert response is not None and response.status == 200, f"GET {link} -> {response.status if response else None}"
    secret = re.sub(r"\s+", "", page.locator(TOTP_SECRET).inner_text()).upper()
    assert BASE32.fullmatch(secret), f"the TOTP secret is not base32: {secret!r}"
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) >= 16, "the TOTP secret is shorter than 128 bits"
    uri = page.locator('[data-testid="totp-uri"]')
    if uri.count():  # the authenticator link, when the page offers one, must carry the same secret
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri.get_attribute("href") or "").query)
        assert query.get("secret", [""])[0].upper() == secret, f"the otpauth link's secret differs: {query}"
    step = int(time.time() // TOTP_STEP)
    form = page.locator(ENROLL_FORM)
    form.locator('[name="password"]').fill(password)
    form.locator('[name="password2"]').fill(password)
    form.locator('[name="totp"]').fill(hotp(secret, step))
    with page.expect_navigation():
        form.locator('[type="submit"]').click()
    assert path_of(page) == "/admin/login", f"enrolling ended on {page.url}: {page.locator('[role=alert]').all_inner_texts()}"
    return secret, step


def code_after(secret: str, used_step: int) -> str:
    """A code the server still accepts (current or next step) that is not the one just used."""
    return hotp(secret, max(int(time.time() // TOTP_STEP), used_step + 1))


def assert_link_is_spent(page: Page, link: str) -> None:
    response = page.goto(link)
    assert response is not None and response.status in (404, 410), \
        f"a used enrolment link answered {response.status if response else None}"
    assert page.locator(ENROLL_FORM).count() == 0 and page.locator(TOTP_SECRET).count() == 0


@pytest.mark.parametrize("inviter", ["owner", "admin"])
@pytest.mark.parametrize("lang", LANGS)
def test_invited_member_enrolls_and_signs_in(new_page: Callable[..., Page], staff_factory: StaffFactory, base_url: str,
                                            lang: str, inviter: str) -> None:
    boss = staff_factory.create(inviter)
    page = new_page(lang)
    sign_in(page, boss)
    open_admin(page, "/admin/staff")

    email = f"invited-{secrets.token_hex(5)}@casino.example"
    form = page.locator(INVITE_FORM)
    assert form.count() == 1, f"no invitation form on /admin/staff for an {inviter}"
    form.locator('[name="email"]').fill(email)
    options = form.locator('select[name="role"] option').evaluate_all("els => els.map(e => e.value)")
    assert "support" in options, f"invitation roles: {options}"
    if inviter != "owner":
        assert "owner" not in options, f"an {inviter} may not invite an owner: {options}"
    form.locator('select[name="role"]').select_option("support")
    with page.expect_navigation():
        form.locator('[type="submit"]').click()
    assert path_of(page).startswith("/admin/staff"), f"the invitation ended on {page.url}"
    link = shown_enrollment_link(page, base_url)
    assert_clean_console(page, "/admin/staff after an invitation")

    member_page = new_page(lang)
    password = "pw-" + secrets.token_urlsafe(18)
    secret, step = enroll(member_page, link, password)
    assert_clean_console(member_page, "the enrolment page")
    member = Staff(id=None, email=email, password=password, role="support", secret=secret)
    fill_login(member_page, member, code_after(secret, step))
    assert path_of(member_page) == "/admin", f"the new member's sign-in ended on {member_page.url}"
    role = member_page.locator('[data-testid="dashboard-role"] [data-testid="staff-role"]')
    assert role.get_attribute("data-role") == "support"

    assert_link_is_spent(new_page(lang), link)
    assert_link_is_spent(new_page(lang), f"{base_url}/admin/enroll/{secrets.token_urlsafe(32)}")


@pytest.mark.parametrize("lang", LANGS)
def test_totp_reset_gives_a_new_enrollment_link(new_page: Callable[..., Page], staff_factory: StaffFactory, base_url: str,
                                               lang: str) -> None:
    owner = staff_factory.create("owner")
    member = staff_factory.create("support")
    page = new_page(lang)
    sign_in(page, owner)
    open_admin(page, "/admin/staff")

    reset = staff_row(page, member.email).locator(RESET_TOTP)
    assert reset.count() == 1, f"no TOTP reset form on the row of {member.email}"
    with page.expect_navigation():
        reset.locator('[type="submit"]').click()
    assert path_of(page).startswith("/admin/staff"), f"the TOTP reset ended on {page.url}"
    link = shown_enrollment_link(page, base_url)
    assert staff_row(page, owner.email).locator(RESET_TOTP).count() == 0, "an owner must not reset their own TOTP here"

    member_page = new_page(lang)
    new_password = "pw-" + secrets.token_urlsafe(18)
    secret, step = enroll(member_page, link, new_password)
    assert secret != member.secret, "the reset kept the old TOTP secret"

    # The old secret no longer signs in; the new one does.
    old = Staff(id=member.id, email=member.email, password=new_password, role="support", secret=member.secret)
    fill_login(member_page, old, code_after(member.secret, step))
    assert path_of(member_page) == "/admin/login", "the old TOTP secret still signs in"
    assert staff_cookie(member_page) is None
    renewed = Staff(id=member.id, email=member.email, password=new_password, role="support", secret=secret)
    fill_login(member_page, renewed, code_after(secret, step))
    assert path_of(member_page) == "/admin", f"signing in after the reset ended on {member_page.url}"

    assert_link_is_spent(new_page(lang), link)
