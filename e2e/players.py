"""Player sign-in helpers shared by the browser and HTTP tests.

Telegram data is signed here with hashlib/hmac exactly as Telegram signs it, independently of the
server's code: the Login Widget (https://core.telegram.org/widgets/login, key SHA256(bot token))
and Mini App initData (https://core.telegram.org/bots/webapps, key HMAC_SHA256("WebAppData", bot
token)). The server refuses signed data it has seen before, so every helper here signs something
new on every call.
"""
from __future__ import annotations

import hashlib
import http.cookiejar
import hmac
import json
import urllib.request
import urllib.error
import secrets
import time
import urllib.parse

from typing import Any

from playwright.sync_api import Page

from conftest import TELEGRAM_BOT_TOKEN, SMTPInbox, e2e_sql

PLAYER_SESSION_COOKIE = "croupier_session"
EMAIL_FORM = '[data-testid="signin-email-form"]'
CODE_FORM = '[data-testid="signin-code-form"]'

# The last auth_date signed per Telegram id: two signings of the same user within one second
# would otherwise be identical, and the second one refused as a replay.
_last_auth_date: dict[int, int] = {}


def random_telegram_id() -> int:
    return 100_000_000 + secrets.randbelow(900_000_000)


def _auth_date(user_id: int) -> str:
    now = int(time.time())
    date = max(now, _last_auth_date.get(user_id, 0) + 1)  # the server allows up to 60 s ahead
    _last_auth_date[user_id] = date
    return str(date)


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in ("hash", "signature"))


def signed_widget(user_id: int, username: str, first_name: str = "Test") -> dict[str, str]:
    """Login Widget fields as Telegram's redirect carries them, with their hash."""
    fields = {"id": str(user_id), "first_name": first_name, "username": username, "auth_date": _auth_date(user_id)}
    secret = hashlib.sha256(TELEGRAM_BOT_TOKEN.encode()).digest()
    fields["hash"] = hmac.new(secret, _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return fields


def signed_init_data(user_id: int, username: str, first_name: str = "Test") -> str:
    """Mini App initData (a URL-encoded query string: query_id, user as JSON, auth_date, hash)."""
    user = json.dumps({"id": user_id, "first_name": first_name, "username": username},
                      separators=(",", ":"), ensure_ascii=False)
    fields = {"query_id": "AAE" + secrets.token_urlsafe(12), "user": user, "auth_date": _auth_date(user_id)}
    secret = hmac.new(b"WebAppData", TELEGRAM_BOT_TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in fields.items())


def tampered_init_data(init_data: str, username: str = "mallory") -> str:
    """The same initData with another username in `user` and the original hash."""
    fields = dict(urllib.parse.parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    user = json.loads(fields["user"])
    user["username"] = username
    fields["user"] = json.dumps(user, separators=(",", ":"), ensure_ascii=False)
    return "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in fields.items())


def verify_init_data(init_data: str) -> bool:
    """Checks initData the way the server must (used to test the helpers themselves)."""
    fields = dict(urllib.parse.parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    secret = hmac.new(b"WebAppData", TELEGRAM_BOT_TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("hash", ""))


def mini_app_fragment(init_data: str) -> str:
    """The URL fragment Telegram clients open a Mini App with (tgWebAppData is encodeURIComponent'ed)."""
    return f"#tgWebAppData={urllib.parse.quote(init_data, safe='')}&tgWebAppVersion=7.10&tgWebAppPlatform=web"


def oidc_user(user_id: int) -> dict[str, object]:
    """The Telegram account the OIDC provider approves (oidc.control(oidc_user(...)))."""
    return {"id": user_id, "name": f"Test {user_id}", "preferred_username": f"player{user_id}"}


# ---------------------------------------------------------------------------- database


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def players_with_telegram_id(service_env: dict[str, str], telegram_id: int) -> int:
    return int(e2e_sql(service_env, f"SELECT count(*) FROM identity_players WHERE telegram_id = {int(telegram_id)}"))


def challenges_for_telegram_id(service_env: dict[str, str], telegram_id: int) -> int:
    """Sign-ins begun for this Telegram account (one row per accepted Telegram confirmation)."""
    return int(e2e_sql(service_env, f"SELECT count(*) FROM identity_challenges WHERE telegram_id = {int(telegram_id)}"))


# ---------------------------------------------------------------------------- browser


def path_of(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path


def start_with_telegram(page: Page, base_url: str, user_id: int) -> None:
    """The Login Widget's redirect with freshly signed fields."""
    query = urllib.parse.urlencode(signed_widget(user_id, f"player{user_id}"))
    page.goto(f"{base_url}/auth/telegram/callback?{query}")


def submit_email(page: Page, email: str) -> None:
    """On /signin/email: gives the address, confirms 18+ and the terms, submits."""
    form = page.locator(EMAIL_FORM)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="adult"]').check()
    form.locator('input[name="acceptTerms"]').check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def submit_code(page: Page, code: str) -> None:
    form = page.locator(CODE_FORM)
    form.locator('input[name="code"]').fill(code)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def complete_sign_in(page: Page, email: str, inbox: SMTPInbox, after: int) -> None:
    """From wherever Telegram left the page (/signin/email, /signin/code or /wallet) to the wallet,
    with the code read from the mail the relay received (numbered above `after`)."""
    if path_of(page) == "/signin/email":
        submit_email(page, email)
    if path_of(page) == "/signin/code":
        submit_code(page, inbox.wait_for_code(email, after=after))
    assert path_of(page) == "/wallet", f"signing in as {email} ended on {page.url}"


def session_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == PLAYER_SESSION_COOKIE), None)


# ---------------------------------------------------------------------------- players over the JSON API

DESKTOP_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class PlayerClient:
    """A browser-less client of our JSON API: its own cookies, language and User-Agent."""

    def __init__(self, base_url: str, lang: str = "en") -> None:
        self.base_url = base_url
        self.lang = lang
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None, raw_body: bytes | None = None) -> tuple[int, Any, Any]:
        """(status, decoded JSON body, headers); an answer that is not JSON fails the test.
        `raw_body` sends those bytes as they are (a signed webhook) instead of `body` as JSON."""
        data = raw_body if raw_body is not None else None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json", "Accept-Language": self.lang, "User-Agent": DESKTOP_UA}
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=60) as r:
                status, raw, answer_headers = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, raw, answer_headers = e.code, e.read(), e.headers
        content_type = answer_headers.get("Content-Type", "")
        assert content_type.startswith("application/json"), \
            f"{method} {path} -> {status} with Content-Type {content_type!r}: {raw[:300]!r}"
        return status, json.loads(raw), answer_headers

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = self.call(method, path, body)
        assert status == 200, f"{method} {path} -> {status}: {answer}"
        return answer

    def session(self) -> http.cookiejar.Cookie | None:
        return next((c for c in self.cookies if c.name == PLAYER_SESSION_COOKIE), None)


def sign_in_new_player(service_env: dict[str, str], base_url: str, inbox: SMTPInbox, lang: str = "en",
                       email_prefix: str = "player") -> tuple[int, PlayerClient]:
    """A new player through the real sign-in flow over the JSON API (Telegram, e-mail, the mailed
    code): their id and the client holding their session."""
    # Every test connects from 127.0.0.1: start this sign-in with an empty per-address bucket.
    e2e_sql(service_env, "DELETE FROM identity_rate_limits WHERE bucket LIKE 'ip:%'")
    client = PlayerClient(base_url, lang)
    telegram_id = random_telegram_id()
    email = f"{email_prefix}-{telegram_id}@example.com"
    mark = inbox.mark()
    step = client.ok("POST", "/api/v1/auth/telegram", {"widget": signed_widget(telegram_id, f"player{telegram_id}")})
    assert step.get("next") == "email" and step.get("challenge"), step
    challenge = step["challenge"]
    step = client.ok("POST", "/api/v1/auth/email",
                     {"challenge": challenge, "email": email, "adult": True, "acceptTerms": True})
    assert step.get("next") == "code", step
    code = inbox.wait_for_code(email, after=mark)
    done = client.ok("POST", "/api/v1/auth/code", {"challenge": challenge, "code": code})
    assert done.get("next") == "done", done
    assert client.session() is not None, "no session cookie after the code"
    me = client.ok("GET", "/api/v1/me")
    assert me["player"]["email"] == email, me
    return int(me["player"]["id"]), client
