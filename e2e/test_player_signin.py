"""Player sign-in in the browser: Telegram's Login Widget redirect (data signed in players.py
with hashlib/hmac exactly as Telegram signs it), the e-mail page, the code page, then the wallet."""
from __future__ import annotations

import random
import urllib.parse

import pytest

from conftest import SMTPInbox
from layout import assert_no_sideways_scroll
from players import signed_widget, start_with_telegram
from strings import t

LANGS = ["en", "ru"]


@pytest.mark.parametrize("lang", LANGS)
def test_telegram_then_email_then_code_reaches_the_wallet(new_page, base_url: str, smtp_inbox: SMTPInbox, lang: str) -> None:
    page = new_page(lang=lang, viewport="phone")
    user_id = random.SystemRandom().randint(100_000_000, 999_999_999)
    email = f"player{user_id}@example.com"
    start_with_telegram(page, base_url, user_id)
    assert urllib.parse.urlsplit(page.url).path == "/signin/email"
    assert page.locator("h1").inner_text() == t(lang, "signin.email.heading")
    assert_no_sideways_scroll(page, 390, "the e-mail page")

    form = page.locator('[data-testid="signin-email-form"]')
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="adult"]').check()
    form.locator('input[name="acceptTerms"]').check()
    mark = smtp_inbox.mark()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert urllib.parse.urlsplit(page.url).path == "/signin/code"

    # Read from the relay: once sent, the queued mail's body no longer holds the code.
    code = smtp_inbox.wait_for_code(email, after=mark)
    code_form = page.locator('[data-testid="signin-code-form"]')
    wrong = "000000" if code != "000000" else "111111"
    code_form.locator('input[name="code"]').fill(wrong)
    with page.expect_navigation():
        code_form.locator('button[type="submit"]').click()
    assert page.locator('[data-testid="signin-error"]').inner_text().strip() == t(lang, "signin.errors.codeInvalid")

    code_form = page.locator('[data-testid="signin-code-form"]')
    code_form.locator('input[name="code"]').fill(code)
    with page.expect_navigation():
        code_form.locator('button[type="submit"]').click()
    assert urllib.parse.urlsplit(page.url).path == "/wallet"
    assert page.locator("h1").inner_text() == t(lang, "wallet.heading")

    # The same browser is now a confirmed device: Telegram alone signs in again.
    page.context.clear_cookies(name="croupier_session")
    start_with_telegram(page, base_url, user_id)
    assert urllib.parse.urlsplit(page.url).path == "/wallet"


def test_tampered_telegram_data_is_refused(new_page, base_url: str) -> None:
    page = new_page(lang="en")
    fields = signed_widget(123456789, "mallory")
    fields["username"] = "someone_else"
    page.goto(f"{base_url}/auth/telegram/callback?{urllib.parse.urlencode(fields)}")
    assert urllib.parse.urlsplit(page.url).path == "/auth/telegram/callback"
    assert t("en", "signin.errors.telegramSignatureInvalid") in page.content()
