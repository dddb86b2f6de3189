"""Player sign-in over the JSON API alone (urllib, no browser), as a Mini App or another client
would do it: Telegram Login Widget data (signed in players.py) -> POST /api/v1/auth/email -> the code
from the mail the SMTP relay really received (STARTTLS, AUTH, the configured sender) -> POST
/api/v1/auth/code -> the session cookie -> GET /api/v1/me. Five wrong codes lock the sign-in: after
that even the right code is refused, and no player is created.

Errors are JSON: {"error": {"code": str, "status": int, "requestId": str}} with the same request
id in X-Request-ID (Sources/App/Middleware/ErrorPageMiddleware.swift).
"""
from __future__ import annotations

import secrets
from typing import Any

import pytest

from conftest import MAIL_FROM, SMTP_USER, SMTPInbox
from players import PlayerClient as Client, players_with_telegram_id, random_telegram_id, signed_widget
from strings import t

pytestmark = pytest.mark.usefixtures("fresh_sign_in_limits")


def assert_error(answer: tuple[int, Any, Any], status: int, code: str, what: str) -> None:
    got_status, body, headers = answer
    assert got_status == status, f"{what}: HTTP {got_status} {body}, want {status} {code}"
    assert isinstance(body, dict) and set(body) == {"error"}, f"{what}: error body {body}"
    error = body["error"]
    assert set(error) == {"code", "status", "requestId"}, f"{what}: error object {error}"
    assert error["code"] == code and error["status"] == status, f"{what}: {error}, want {status} {code}"
    assert isinstance(error["requestId"], str) and error["requestId"] == headers.get("X-Request-ID"), \
        f"{what}: requestId {error['requestId']!r} vs X-Request-ID {headers.get('X-Request-ID')!r}"


def begin(client: Client, user_id: int, email: str) -> str:
    """Telegram, then the e-mail page's step; returns the challenge."""
    step = client.ok("POST", "/api/v1/auth/telegram", {"widget": signed_widget(user_id, f"player{user_id}")})
    assert step.get("next") == "email" and isinstance(step.get("challenge"), str) and step["challenge"], step
    challenge = step["challenge"]
    step = client.ok("POST", "/api/v1/auth/email",
                     {"challenge": challenge, "email": email, "adult": True, "acceptTerms": True})
    assert step == {"next": "code", "challenge": challenge}, step
    return challenge


def test_telegram_email_code_session_me(base_url: str, smtp_inbox: SMTPInbox, service_env: dict[str, str]) -> None:
    client = Client(base_url, "en")
    assert_error(client.call("GET", "/api/v1/me"), 401, "notSignedIn", "GET /api/v1/me before signing in")

    user_id = random_telegram_id()
    email = f"api{user_id}@example.com"
    mark = smtp_inbox.mark()
    challenge = begin(client, user_id, email)

    mail = smtp_inbox.wait_for_mail(email, after=mark)
    assert mail.rcpt_tos == [email], mail.rcpt_tos
    assert mail.mail_from == MAIL_FROM, f"envelope sender {mail.mail_from}"
    assert mail.tls, "the mail was sent before STARTTLS"
    assert mail.auth_user == SMTP_USER, f"the mail was sent as {mail.auth_user!r}"
    assert mail.subject == t("en", "mail.code.subject")
    code = smtp_inbox.wait_for_code(email, after=mark)
    assert f"{t('en', 'mail.code.codeIs')} {code}" in mail.text
    assert f"{base_url}/auth/confirm?challenge={challenge}&code={code}" in mail.text
    assert mail.html is not None and code in mail.html
    assert players_with_telegram_id(service_env, user_id) == 0

    done = client.ok("POST", "/api/v1/auth/code", {"challenge": challenge, "code": code})
    assert done.get("next") == "done", done
    cookie = client.session()
    assert cookie is not None, f"no {PLAYER_SESSION_COOKIE} cookie after the right code"
    assert cookie.has_nonstandard_attr("HttpOnly"), f"the {PLAYER_SESSION_COOKIE} cookie must be HttpOnly"

    me = client.ok("GET", "/api/v1/me")
    assert me["player"]["email"] == email, me
    assert me["player"]["telegramId"] == str(user_id), me
    assert isinstance(me.get("csrfToken"), str) and len(me["csrfToken"]) >= 16, me
    assert players_with_telegram_id(service_env, user_id) == 1

    # The code worked once.
    assert_error(client.call("POST", "/api/v1/auth/code", {"challenge": challenge, "code": code}),
                 401, "challengeInvalid", "the code a second time")


def test_five_wrong_codes_lock_the_sign_in(base_url: str, smtp_inbox: SMTPInbox, service_env: dict[str, str]) -> None:
    client = Client(base_url, "ru")
    user_id = random_telegram_id()
    email = f"locked{user_id}@example.com"
    mark = smtp_inbox.mark()
    challenge = begin(client, user_id, email)
    mail = smtp_inbox.wait_for_mail(email, after=mark)
    assert mail.subject == t("ru", "mail.code.subject"), "the mail must be in the language of the request"
    assert t("ru", "mail.code.codeIs") in mail.text
    code = smtp_inbox.wait_for_code(email, after=mark)

    wrong: list[str] = []
    while len(wrong) < 5:
        candidate = f"{secrets.randbelow(1_000_000):06d}"
        if candidate != code and candidate not in wrong:
            wrong.append(candidate)
    for attempt, candidate in enumerate(wrong, start=1):
        expected = "codeLocked" if attempt == 5 else "codeInvalid"
        assert_error(client.call("POST", "/api/v1/auth/code", {"challenge": challenge, "code": candidate}),
                     401, expected, f"wrong code #{attempt}")
    assert_error(client.call("POST", "/api/v1/auth/code", {"challenge": challenge, "code": code}),
                 401, "codeLocked", "the right code after five wrong ones")

    assert client.session() is None, "a locked sign-in set a session cookie"
    assert_error(client.call("GET", "/api/v1/me"), 401, "notSignedIn", "GET /api/v1/me after the lock")
    assert players_with_telegram_id(service_env, user_id) == 0, "a locked sign-in created the player"
