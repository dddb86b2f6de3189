"""Player sign-in with Telegram's OpenID Connect flow, against the local provider
(Tests/IdentityTests/oidc_provider.py, fixture `oidc`): the button on /signin, the authorization
code flow with PKCE, the id_token check, then the e-mail page and the code from the mail the SMTP
relay really received. An id_token with any defect, or a callback with an unknown or spent state,
is refused on the sign-in page and begins no sign-in.
"""
from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Callable

import pytest
from playwright.sync_api import Page, Request, Response

from conftest import MAIL_FROM, SMTP_USER, OIDCProvider, SMTPInbox, console_errors
from layout import assert_no_sideways_scroll
from players import (PLAYER_SESSION_COOKIE, challenges_for_telegram_id, oidc_user, path_of,
                     players_with_telegram_id, random_telegram_id, session_cookie, submit_code, submit_email)
from strings import lookup, t

LANGS = ["en", "ru"]
DEFECTS = ["wrong_aud", "expired", "bad_signature", "wrong_nonce", "wrong_issuer", "unknown_kid"]

OIDC_BUTTON = '[data-testid="signin-oidc"]'
SIGNIN_ERROR = '[data-testid="signin-error"]'
START = "/auth/telegram/oidc"
CALLBACK = "/auth/telegram/oidc/callback"

pytestmark = pytest.mark.usefixtures("fresh_sign_in_limits")


class Navigations:
    """The main frame's navigation requests (each hop of a redirect chain is one)."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        page.on("request", lambda r: self._record(page, r))

    def _record(self, page: Page, request: Request) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            self.urls.append(request.url)

    def last(self, path: str) -> urllib.parse.SplitResult:
        hits = [u for u in map(urllib.parse.urlsplit, self.urls) if u.path == path]
        assert hits, f"no navigation to {path}; navigations: {self.urls}"
        return hits[-1]


def query_of(url: urllib.parse.SplitResult) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}


def click_oidc_button(page: Page, lang: str) -> Response | None:
    """Opens /signin, checks the OIDC button and follows it through the provider and back."""
    response = page.goto("/signin")
    assert response is not None and response.status == 200
    button = page.locator(OIDC_BUTTON)
    assert button.count() == 1, "no OIDC sign-in button on /signin"
    assert button.get_attribute("href") == START
    label = lookup(lang, "signin.oidc")  # its own label if it has one, else the Telegram button's
    assert button.inner_text().strip() == (label if isinstance(label, str) else t(lang, "signin.button"))
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


def assert_authorization_request(nav: Navigations, oidc: OIDCProvider, base_url: str) -> dict[str, str]:
    """The server's redirect to the provider: code flow, PKCE S256, openid, state and nonce."""
    auth = nav.last("/auth")
    assert f"{auth.scheme}://{auth.netloc}" == oidc.base_url, f"the server sent the browser to {auth.geturl()}"
    q = query_of(auth)
    assert q.get("client_id") == oidc.client_id
    assert q.get("response_type") == "code"
    assert q.get("redirect_uri") == base_url + CALLBACK
    assert "openid" in q.get("scope", "").split(), f"scope {q.get('scope')!r}"
    assert q.get("code_challenge_method") == "S256"
    assert len(q.get("state", "")) >= 16 and len(q.get("nonce", "")) >= 16, f"weak state/nonce: {q}"
    return q


def assert_token_request(oidc: OIDCProvider, authorization: dict[str, str], callback: dict[str, str]) -> None:
    """The server redeemed the code it got back, with the PKCE verifier and its client credentials."""
    last = oidc.last_token_request()
    form = last["form"]
    assert form is not None, "the server never called the token endpoint"
    assert form.get("grant_type") == "authorization_code"
    assert form.get("code") == callback["code"], "the token request is not for the code just issued"
    assert form.get("redirect_uri") == authorization["redirect_uri"]
    verifier = form.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == authorization["code_challenge"], "code_verifier does not match the code_challenge sent"
    authenticated = last["basic_client_id"] == oidc.client_id or (
        form.get("client_id") == oidc.client_id and form.get("client_secret") == oidc.client_secret)
    assert authenticated, f"the token request did not authenticate the client: {last}"


def assert_refused(page: Page, response: Response | None, lang: str, code: str) -> None:
    assert response is not None and 400 <= response.status < 500, \
        f"a refused sign-in answered {response.status if response else 'nothing'}"
    assert path_of(page) not in ("/signin/email", "/signin/code", "/wallet"), f"a refused sign-in went on to {page.url}"
    error = page.locator(SIGNIN_ERROR)
    assert error.is_visible(), "no sign-in error shown"
    assert error.inner_text().strip() == t(lang, f"signin.errors.{code}")
    assert session_cookie(page) is None, f"a refused sign-in set {PLAYER_SESSION_COOKIE}"


# ---------------------------------------------------------------------------- tests


@pytest.mark.parametrize("lang", LANGS)
def test_new_player_signs_in_with_oidc_then_email_code(new_page: Callable[..., Page], base_url: str, oidc: OIDCProvider,
                                                       smtp_inbox: SMTPInbox, service_env: dict[str, str], lang: str) -> None:
    user_id = random_telegram_id()
    email = f"oidc{user_id}@example.com"
    oidc.control(oidc_user(user_id))

    page = new_page(lang, "phone")
    nav = Navigations(page)
    click_oidc_button(page, lang)
    authorization = assert_authorization_request(nav, oidc, base_url)
    callback = query_of(nav.last(CALLBACK))
    assert callback.get("state") == authorization["state"]
    assert_token_request(oidc, authorization, callback)

    # A new Telegram account: the e-mail page.
    assert path_of(page) == "/signin/email", f"a new OIDC user ended on {page.url}"
    assert query_of(urllib.parse.urlsplit(page.url)).get("challenge"), "no challenge in the e-mail page's URL"
    assert page.locator("h1").inner_text() == t(lang, "signin.email.heading")
    assert_no_sideways_scroll(page, 390, "the e-mail page")
    assert players_with_telegram_id(service_env, user_id) == 0, "the player must not exist before the e-mail is confirmed"

    mark = smtp_inbox.mark()
    submit_email(page, email)
    assert path_of(page) == "/signin/code"
    mail = smtp_inbox.wait_for_mail(email, after=mark)
    assert mail.mail_from == MAIL_FROM and mail.tls and mail.auth_user == SMTP_USER, \
        f"mail #{mail.number}: from {mail.mail_from}, tls {mail.tls}, auth {mail.auth_user}"
    assert mail.subject == t(lang, "mail.code.subject")
    assert t(lang, "mail.code.codeIs") in mail.text
    submit_code(page, smtp_inbox.wait_for_code(email, after=mark))
    assert path_of(page) == "/wallet", f"the right code ended on {page.url}"
    assert page.locator("h1").inner_text() == t(lang, "wallet.heading")
    assert players_with_telegram_id(service_env, user_id) == 1
    errors = console_errors(page)
    assert not errors, "console errors or CSP violations:\n" + "\n".join(errors)

    # The same browser is a confirmed device now: the provider alone signs in again.
    page.context.clear_cookies(name=PLAYER_SESSION_COOKIE)
    click_oidc_button(page, lang)
    assert path_of(page) == "/wallet", f"a known player on a confirmed device ended on {page.url}"

    # Another browser is not: it needs a code, mailed to the address given above.
    other = new_page(lang, "phone")
    mark = smtp_inbox.mark()
    click_oidc_button(other, lang)
    assert path_of(other) == "/signin/code", f"a known player on a new device ended on {other.url}"
    submit_code(other, smtp_inbox.wait_for_code(email, after=mark))
    assert path_of(other) == "/wallet"
    assert players_with_telegram_id(service_env, user_id) == 1


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_spoiled_id_token_is_refused(new_page: Callable[..., Page], base_url: str, oidc: OIDCProvider,
                                       service_env: dict[str, str], lang: str, defect: str) -> None:
    user_id = random_telegram_id()
    oidc.control(oidc_user(user_id), defect)

    page = new_page(lang)
    nav = Navigations(page)
    response = click_oidc_button(page, lang)
    authorization = assert_authorization_request(nav, oidc, base_url)
    callback = query_of(nav.last(CALLBACK))
    # The refusal comes from checking the id_token: the code was redeemed properly.
    assert_token_request(oidc, authorization, callback)
    assert_refused(page, response, lang, "telegramOIDCRejected")
    assert challenges_for_telegram_id(service_env, user_id) == 0, f"an id_token with {defect} began a sign-in"
    assert players_with_telegram_id(service_env, user_id) == 0, f"an id_token with {defect} created a player"


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_or_spent_state_is_refused(new_page: Callable[..., Page], base_url: str, oidc: OIDCProvider,
                                           service_env: dict[str, str], lang: str) -> None:
    page = new_page(lang)
    response = page.goto(f"{CALLBACK}?code=made-up&state={'0' * 43}")
    assert_refused(page, response, lang, "oidcStateInvalid")

    # A callback that worked once does not work again, not even in the same browser.
    user_id = random_telegram_id()
    oidc.control(oidc_user(user_id))
    nav = Navigations(page)
    click_oidc_button(page, lang)
    assert path_of(page) == "/signin/email"
    used = nav.last(CALLBACK).geturl()
    assert challenges_for_telegram_id(service_env, user_id) == 1
    response = page.goto(used)
    assert_refused(page, response, lang, "oidcStateInvalid")
    assert challenges_for_telegram_id(service_env, user_id) == 1, "a spent state began another sign-in"
    assert players_with_telegram_id(service_env, user_id) == 0
