"""The served OpenAPI document against the live server, with Schemathesis (property-based): every
operation of `GET /api/v1/openapi.yaml` gets generated requests, valid ones (positive) and ones
the document forbids (negative), sent with a signed-in player's session to player operations and a
finance staff member's to staff ones, each with its CSRF token. Every answer must be no 5xx, have a documented status,
content type, headers and body schema; every request the document forbids must be refused (4xx).

The player signs in over the JSON API (Telegram, e-mail, the mailed code); the staff member is made
with the CLI and signs in over the JSON API. `signOutEverywhere` runs last, since its first success
ends the player's session (later answers are its documented 401).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import SMTPInbox, e2e_sql
from players import PLAYER_SESSION_COOKIE, random_telegram_id, signed_widget
from staff import StaffFactory

# Generated requests per operation and mode: enough to reach each refusal and each answer of
# the document, few enough that the whole run stays a small part of the e2e suite.
MAX_EXAMPLES = 20
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
               response_schema_conformance]
CHECKS = {GenerationMode.POSITIVE: CONFORMANCE, GenerationMode.NEGATIVE: CONFORMANCE + [negative_data_rejection]}
SIGNS_OUT = "signOutEverywhere"
STAFF_COOKIE = "croupier_staff"


@dataclass
class Session:
    """One signed-in browser: its cookies (the session and `csrf_seed`) and its CSRF token."""

    cookie: str
    cookies: dict[str, str]
    csrf: str


@dataclass
class SignedIn:
    player: Session
    staff: Session

    def credentials(self, case: Any) -> tuple[dict[str, str], dict[str, str]]:
        """The real cookies and token for each credential the case carries. Generated cases fill
        the document's security parameters with made-up values, and negative ones leave one out
        to see it refused, so only what the case sends is replaced, never added."""
        cookies: dict[str, str] = {}
        headers = {"Accept": "application/json"}
        for session in (self.player, self.staff):
            if session.cookie in (case.cookies or {}):
                cookies.update(session.cookies)
                if "X-CSRF-Token" in (case.headers or {}):
                    headers["X-CSRF-Token"] = session.csrf
        return cookies, headers


def _ok(response: requests.Response) -> Any:
    assert response.status_code == 200, f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:300]}"
    return response.json()


def _clear_address_limits(service_env: dict[str, str]) -> None:
    """Sign-in attempts from 127.0.0.1 count for every test; this run makes many on purpose."""
    e2e_sql(service_env, "DELETE FROM identity_rate_limits WHERE bucket LIKE 'ip:%'")


def _sign_in_player(base_url: str, inbox: SMTPInbox) -> Session:
    browser = requests.Session()
    browser.headers["Accept"] = "application/json"
    telegram_id = random_telegram_id()
    email = f"contract-{telegram_id}@example.com"
    mark = inbox.mark()
    step = _ok(browser.post(f"{base_url}/api/v1/auth/telegram",
                            json={"widget": signed_widget(telegram_id, f"player{telegram_id}")}))
    challenge = step["challenge"]
    _ok(browser.post(f"{base_url}/api/v1/auth/email",
                     json={"challenge": challenge, "email": email, "adult": True, "acceptTerms": True}))
    code = inbox.wait_for_code(email, after=mark)
    assert _ok(browser.post(f"{base_url}/api/v1/auth/code", json={"challenge": challenge, "code": code}))["next"] == "done"
    csrf = _ok(browser.get(f"{base_url}/api/v1/me"))["csrfToken"]
    return Session(cookie=PLAYER_SESSION_COOKIE, cookies=browser.cookies.get_dict(), csrf=csrf)


def _sign_in_staff(base_url: str, server_env: dict[str, str]) -> Session:
    finance = StaffFactory(server_env).create("finance")
    browser = requests.Session()
    answer = _ok(browser.post(f"{base_url}/api/v1/staff/login",
                              json={"email": finance.email, "password": finance.password, "totp": finance.code()}))
    return Session(cookie=STAFF_COOKIE, cookies=browser.cookies.get_dict(), csrf=answer["csrfToken"])


@pytest.fixture
def signed_in(base_url: str, server_env: dict[str, str], service_env: dict[str, str],
              smtp_inbox: SMTPInbox) -> Iterator[SignedIn]:
    _clear_address_limits(service_env)
    yield SignedIn(player=_sign_in_player(base_url, smtp_inbox), staff=_sign_in_staff(base_url, server_env))
    _clear_address_limits(service_env)


def _exercise(operation: Any, mode: GenerationMode, call: Callable[[Any], None]) -> None:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        call(case)

    run()


def test_every_operation_answers_as_the_served_document_says(base_url: str, signed_in: SignedIn) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.yaml")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.definition.raw.get("operationId") == SIGNS_OUT)
    assert len(operations) == 31, [operation.label for operation in operations]
    sent: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            def call(case: Any, mode: GenerationMode = mode) -> None:
                cookies, headers = signed_in.credentials(case)
                response = case.call(base_url=base_url, headers=headers, cookies=cookies)
                sent[mode.value] += 1
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS[mode], headers=headers)
                checked[mode.value] += len(CHECKS[mode])

            _exercise(operation, mode, call)
    print(f"\nSchemathesis: {len(operations)} operations, requests {dict(sent)}, checks passed {dict(checked)}, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert sent[GenerationMode.POSITIVE.value] >= len(operations), "every operation got requests"
    assert 200 in statuses, "some generated requests were served, not only refused"
