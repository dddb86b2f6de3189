"""The player's profile (/profile): the e-mail address, the signed-in devices with the current one
marked, revoking a device and signing out everywhere. Players sign in for real: Telegram's Login
Widget redirect (signed in players.py), then the code from the mail the SMTP relay received.
"""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import Locator, Page

from conftest import PHONE, SMTPInbox, console_errors
from layout import assert_no_sideways_scroll
from players import complete_sign_in, path_of, random_telegram_id, session_cookie, start_with_telegram

LANGS = ["en", "ru"]

DEVICE = '[data-testid="device"]'
REVOKE = '[data-testid="device-revoke"]'
SIGN_OUT_EVERYWHERE = '[data-testid="signout-everywhere"]'
PROFILE_EMAIL = '[data-testid="profile-email"]'

pytestmark = pytest.mark.usefixtures("fresh_sign_in_limits")


def sign_in(page: Page, base_url: str, inbox: SMTPInbox, user_id: int, email: str) -> None:
    mark = inbox.mark()
    start_with_telegram(page, base_url, user_id)
    complete_sign_in(page, email, inbox, after=mark)


def open_profile(page: Page, email: str) -> Locator:
    """Opens /profile as a signed-in player; returns the device rows."""
    response = page.goto("/profile")
    assert response is not None and response.status == 200, f"GET /profile -> {response.status if response else None}"
    assert path_of(page) == "/profile", f"/profile ended on {page.url}"
    assert page.locator(PROFILE_EMAIL).inner_text().strip() == email
    return page.locator(DEVICE)


def current_flags(rows: Locator) -> list[str]:
    return sorted(rows.evaluate_all("els => els.map(e => e.getAttribute('data-current'))"))


def submit(page: Page, form: Locator) -> None:
    assert form.count() == 1, "form not found"
    with page.expect_navigation():
        form.locator('[type="submit"]').click()


def assert_signed_out(page: Page) -> None:
    for path in ("/wallet", "/profile"):
        page.goto(path)
        assert path_of(page) == "/signin", f"signed out, {path} ended on {page.url}"


def assert_clean_console(page: Page, what: str) -> None:
    errors = console_errors(page)
    assert not errors, f"{what}: console errors or CSP violations:\n" + "\n".join(errors)


@pytest.mark.parametrize("lang", LANGS)
def test_revoke_the_other_device_then_sign_out_everywhere(new_page: Callable[..., Page], base_url: str,
                                                          smtp_inbox: SMTPInbox, lang: str) -> None:
    user_id = random_telegram_id()
    email = f"profile{user_id}@example.com"
    first = new_page(lang, name="first")
    sign_in(first, base_url, smtp_inbox, user_id, email)
    second = new_page(lang, name="second")
    sign_in(second, base_url, smtp_inbox, user_id, email)  # a new device: a fresh code by mail

    rows = open_profile(first, email)
    assert rows.count() == 2, f"/profile lists {rows.count()} devices, want 2"
    assert current_flags(rows) == ["false", "true"], f"data-current of the rows: {current_flags(rows)}"
    assert_clean_console(first, "/profile")

    # Revoking the other device: it is signed out, this one is not.
    submit(first, first.locator(f'{DEVICE}[data-current="false"] {REVOKE}'))
    assert path_of(first) == "/profile", f"revoking the other device ended on {first.url}"
    rows = first.locator(DEVICE)
    assert rows.count() == 1 and current_flags(rows) == ["true"], f"after revoking: {current_flags(rows)}"
    assert session_cookie(first) is not None
    assert_signed_out(second)
    first.goto("/wallet")
    assert path_of(first) == "/wallet", "revoking the other device signed this one out"

    # Signing out everywhere ends this session too.
    open_profile(first, email)
    submit(first, first.locator(SIGN_OUT_EVERYWHERE))
    assert path_of(first) == "/signin", f"signing out everywhere ended on {first.url}"
    assert_signed_out(first)


@pytest.mark.parametrize("lang", LANGS)
def test_revoking_the_current_device_signs_out(new_page: Callable[..., Page], base_url: str, smtp_inbox: SMTPInbox,
                                               lang: str) -> None:
    user_id = random_telegram_id()
    email = f"profile{user_id}@example.com"
    page = new_page(lang, "phone")
    sign_in(page, base_url, smtp_inbox, user_id, email)

    rows = open_profile(page, email)
    assert current_flags(rows) == ["true"], f"a player with one device: {current_flags(rows)}"
    assert_no_sideways_scroll(page, PHONE["width"], "/profile")
    submit(page, page.locator(f'{DEVICE}[data-current="true"] {REVOKE}'))
    assert path_of(page) == "/signin", f"revoking the current device ended on {page.url}"
    assert_signed_out(page)


def test_profile_needs_sign_in(new_page: Callable[..., Page]) -> None:
    page = new_page("en")
    page.goto("/profile")
    assert path_of(page) == "/signin", f"signed out, /profile ended on {page.url}"
