"""The Telegram Mini App entry page (/telegram/app) on a phone: its script takes initData from the
URL fragment Telegram clients open it with (or from window.Telegram.WebApp), sends it as
`Authorization: tma <initData>` to POST /api/v1/auth/telegram and goes where the answer says. The
initData is signed in players.py exactly as Telegram signs it; tampered or replayed data is refused
on the page, with the localised error, and begins no sign-in.
"""
from __future__ import annotations

import json
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Page, Request

from conftest import PHONE, console_errors
from layout import assert_inside_viewport, assert_no_sideways_scroll
from players import (challenges_for_telegram_id, mini_app_fragment, path_of, players_with_telegram_id,
                     random_telegram_id, signed_init_data, tampered_init_data)
from strings import t

LANGS = ["en", "ru"]

MINI_APP = "/telegram/app"
AUTH_API = "/api/v1/auth/telegram"
STATUS = '[data-testid="miniapp-status"]'
ERROR = '[data-testid="miniapp-error"]'

pytestmark = pytest.mark.usefixtures("fresh_sign_in_limits")


def is_auth_request(request: Request) -> bool:
    return request.method == "POST" and urllib.parse.urlsplit(request.url).path == AUTH_API


def open_mini_app(page: Page, init_data: str | None, fragment: bool = True) -> Request:
    """Opens the entry page (with initData in the fragment, or without one) and returns the
    sign-in request its script makes."""
    with page.expect_request(is_auth_request) as request:
        page.goto(MINI_APP + (mini_app_fragment(init_data) if fragment and init_data is not None else ""))
    return request.value


def wait_for_path(page: Page, path: str) -> None:
    page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == path)


def assert_clean_console(page: Page, what: str, allow_refusal: bool = False) -> None:
    errors = console_errors(page)
    if allow_refusal:  # Chromium logs every 4xx answer to fetch() as "Failed to load resource"
        errors = [e for e in errors if "Failed to load resource" not in e]
    assert not errors, f"{what}: console errors or CSP violations:\n" + "\n".join(errors)


def assert_refused(page: Page, lang: str, code: str) -> None:
    error = page.locator(ERROR)
    error.wait_for(state="visible")
    assert error.inner_text().strip() == t(lang, f"signin.errors.{code}")
    assert path_of(page) == MINI_APP, f"a refused Mini App sign-in went on to {page.url}"
    assert_no_sideways_scroll(page, PHONE["width"], "the Mini App page")
    assert_inside_viewport(error, PHONE["width"], "the Mini App error")
    assert page.locator(STATUS).count() == 1, "the Mini App page has no status element"


@pytest.mark.parametrize("lang", LANGS)
def test_mini_app_takes_a_new_player_to_the_email_page(new_page: Callable[..., Page], service_env: dict[str, str],
                                                      lang: str) -> None:
    page = new_page(lang, "phone")
    user_id = random_telegram_id()
    init_data = signed_init_data(user_id, f"player{user_id}")

    request = open_mini_app(page, init_data)
    assert request.header_value("authorization") == f"tma {init_data}", \
        f"the Mini App sent Authorization: {request.header_value('authorization')!r}"
    wait_for_path(page, "/signin/email")
    challenge = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("challenge", [""])[0]
    assert challenge, f"no challenge in {page.url}"
    assert page.locator("h1").inner_text() == t(lang, "signin.email.heading")
    assert_no_sideways_scroll(page, PHONE["width"], "the e-mail page")
    assert challenges_for_telegram_id(service_env, user_id) == 1
    assert players_with_telegram_id(service_env, user_id) == 0
    assert_clean_console(page, "the Mini App sign-in")


@pytest.mark.parametrize("lang", LANGS)
def test_mini_app_refuses_tampered_data(new_page: Callable[..., Page], service_env: dict[str, str], lang: str) -> None:
    page = new_page(lang, "phone")
    user_id = random_telegram_id()
    init_data = tampered_init_data(signed_init_data(user_id, f"player{user_id}"), username="someone_else")

    request = open_mini_app(page, init_data)
    assert request.header_value("authorization") == f"tma {init_data}"
    assert_refused(page, lang, "telegramSignatureInvalid")
    assert challenges_for_telegram_id(service_env, user_id) == 0, "tampered initData began a sign-in"
    assert_clean_console(page, "the refused Mini App sign-in", allow_refusal=True)


def test_mini_app_refuses_replayed_data(new_page: Callable[..., Page], service_env: dict[str, str]) -> None:
    user_id = random_telegram_id()
    init_data = signed_init_data(user_id, f"player{user_id}")

    first = new_page("en", "phone")
    open_mini_app(first, init_data)
    wait_for_path(first, "/signin/email")

    second = new_page("en", "phone")
    open_mini_app(second, init_data)
    assert_refused(second, "en", "telegramReplayed")
    assert challenges_for_telegram_id(service_env, user_id) == 1, "replayed initData began another sign-in"


def test_mini_app_reads_init_data_from_telegram_web_app(new_page: Callable[..., Page], service_env: dict[str, str]) -> None:
    """Inside Telegram, telegram-web-app.js has already put initData on window.Telegram.WebApp."""
    page = new_page("ru", "phone")
    user_id = random_telegram_id()
    init_data = signed_init_data(user_id, f"player{user_id}", first_name="Иван")
    page.add_init_script(f"""
      window.Telegram = {{ WebApp: {{
        initData: {json.dumps(init_data)}, initDataUnsafe: {{}}, version: "7.10", platform: "web",
        colorScheme: "light", themeParams: {{}}, isExpanded: true,
        ready() {{}}, expand() {{}}, close() {{}}, onEvent() {{}}, offEvent() {{}}
      }} }};
    """)
    request = open_mini_app(page, init_data, fragment=False)
    assert request.header_value("authorization") == f"tma {init_data}"
    wait_for_path(page, "/signin/email")
    assert page.locator("h1").inner_text() == t("ru", "signin.email.heading")
    assert challenges_for_telegram_id(service_env, user_id) == 1
    assert_clean_console(page, "the Mini App sign-in from window.Telegram.WebApp")
