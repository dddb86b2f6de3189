"""Player sign-in in the browser: Telegram's Login Widget redirect (data signed here with
hashlib/hmac exactly as Telegram signs it), the e-mail page, the code page, then the wallet."""
from __future__ import annotations

import hashlib
import hmac
import random
import re
import subprocess
import time
import urllib.parse

import pytest
from playwright.sync_api import Page

from conftest import E2E_DB, TELEGRAM_BOT_TOKEN
from layout import assert_no_sideways_scroll
from strings import t

LANGS = ["en", "ru"]


def signed_widget(user_id: int, username: str) -> dict[str, str]:
    fields = {"id": str(user_id), "first_name": "Test", "username": username, "auth_date": str(int(time.time()))}
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(TELEGRAM_BOT_TOKEN.encode()).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return fields


def mailed_code(service_env: dict[str, str], email: str) -> str:
    port = urllib.parse.urlsplit(service_env["CROUPIER_DATABASE_URL"]).port or 5432
    out = subprocess.run(
        ["psql", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", E2E_DB, "-c",
         f"SELECT text_body FROM identity_mail_outbox WHERE recipient = '{email}' ORDER BY id DESC LIMIT 1"],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"\b(\d{6})\b", out)
    assert match, f"no code mailed to {email}: {out!r}"
    return match.group(1)


def start_with_telegram(page: Page, base_url: str, user_id: int) -> None:
    query = urllib.parse.urlencode(signed_widget(user_id, f"player{user_id}"))
    page.goto(f"{base_url}/auth/telegram/callback?{query}")


@pytest.mark.parametrize("lang", LANGS)
def test_telegram_then_email_then_code_reaches_the_wallet(new_page, base_url: str, service_env: dict[str, str], lang: str) -> None:
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
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert urllib.parse.urlsplit(page.url).path == "/signin/code"

    code_form = page.locator('[data-testid="signin-code-form"]')
    wrong = "000000" if mailed_code(service_env, email) != "000000" else "111111"
    code_form.locator('input[name="code"]').fill(wrong)
    with page.expect_navigation():
        code_form.locator('button[type="submit"]').click()
    assert page.locator('[data-testid="signin-error"]').inner_text().strip() == t(lang, "signin.errors.codeInvalid")

    code_form = page.locator('[data-testid="signin-code-form"]')
    code_form.locator('input[name="code"]').fill(mailed_code(service_env, email))
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
