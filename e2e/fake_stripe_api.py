"""A stand-in for the part of Stripe's API our server calls: Checkout Sessions
(POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}), as https://docs.stripe.com/api/checkout/sessions
describes them: form-encoded requests, `Authorization: Bearer <secret key>`, an `Idempotency-Key`
that returns the first answer again, JSON answers with Stripe's field names.

Tests play the customer: `pay(session_id)` marks a session paid (what Stripe's hosted page does),
`expire(session_id)` expires it. What the server sent is in `created` (the form of each new
session). It runs in-process on a ThreadingHTTPServer in a daemon thread:

    fake = FakeStripeAPI(api_key="sk_test_...")
    fake.start()             # fake.base_url
    fake.stop()
"""
from __future__ import annotations

import itertools
import threading
import urllib.parse
from http.server import ThreadingHTTPServer
from typing import Any

from fake_http import JSONHandler, serve, stop

SESSIONS_PATH = "/v1/checkout/sessions"


class FakeStripeAPI:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        # The endpoint's signing secret, known to Stripe and to the operator (set by the fixture).
        self.webhook_secret = ""
        self.lock = threading.Lock()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.by_idempotency_key: dict[str, str] = {}
        self.created: list[dict[str, str]] = []
        self.unauthorized = 0
        self.ids = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(JSONHandler):
            def authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {fake.api_key}":
                    return True
                with fake.lock:
                    fake.unauthorized += 1
                self.answer(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
                return False

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                if self.path != SESSIONS_PATH:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
                if not self.authorized():
                    return None
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                self.answer(200, fake.create_session(form, self.headers.get("Idempotency-Key")))
                return None

            def do_GET(self) -> None:  # noqa: N802
                if not self.path.startswith(SESSIONS_PATH + "/"):
                    return self.answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
                if not self.authorized():
                    return None
                session_id = urllib.parse.unquote(self.path[len(SESSIONS_PATH) + 1:])
                with fake.lock:
                    session = fake.sessions.get(session_id)
                if session is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})
                self.answer(200, session)
                return None

        self.server = serve(Handler)

    def stop(self) -> None:
        stop(self.server)

    def create_session(self, form: dict[str, str], idempotency_key: str | None) -> dict[str, Any]:
        with self.lock:
            if idempotency_key and idempotency_key in self.by_idempotency_key:
                return self.sessions[self.by_idempotency_key[idempotency_key]]
            session_id = f"cs_test_{next(self.ids):06d}"
            amount = int(form["line_items[0][price_data][unit_amount]"]) * int(form.get("line_items[0][quantity]", "1"))
            session = {
                "id": session_id, "object": "checkout.session", "mode": form.get("mode"),
                "url": f"{self.base_url}/c/pay/{session_id}", "status": "open", "payment_status": "unpaid",
                "amount_total": amount, "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"deposit_id": form.get("metadata[deposit_id]")},
                "success_url": form.get("success_url"), "cancel_url": form.get("cancel_url"),
            }
            self.sessions[session_id] = session
            if idempotency_key:
                self.by_idempotency_key[idempotency_key] = session_id
            self.created.append(form)
            return session

    def session_for(self, deposit_id: str) -> dict[str, Any]:
        with self.lock:
            return next(s for s in self.sessions.values() if s["client_reference_id"] == deposit_id)

    def pay(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            self.sessions[session_id].update(status="complete", payment_status="paid")
            return dict(self.sessions[session_id])

    def expire(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            self.sessions[session_id].update(status="expired")
            return dict(self.sessions[session_id])
