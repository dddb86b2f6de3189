"""A stand-in for the part of Stripe's API our server calls: Checkout Sessions
(POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}, GET /v1/checkout/sessions?payment_intent=…),
charges (GET /v1/charges/{id}) and disputes (GET /v1/disputes/{id}), as https://docs.stripe.com/api
describes them: form-encoded requests, `Authorization: Bearer <secret key>`, an `Idempotency-Key`
that returns the first answer again, JSON answers with Stripe's field names.

Tests play the customer and the bank: `pay(session_id)` marks a session paid (what Stripe's hosted
page does) and makes its payment intent and charge, `expire(session_id)` expires it,
`refund(session_id, amount)` refunds part of the charge, `dispute(session_id, amount)` opens a
dispute. What the server sent is in `created` (the form of each new session). It runs in-process on a ThreadingHTTPServer in a daemon thread:

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
        self.charges: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
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
                url = urllib.parse.urlsplit(self.path)
                stores = {SESSIONS_PATH + "/": fake.sessions, "/v1/charges/": fake.charges, "/v1/disputes/": fake.disputes}
                prefix = next((p for p in stores if url.path.startswith(p)), None)
                if prefix is None and url.path != SESSIONS_PATH:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
                if not self.authorized():
                    return None
                if prefix is None:  # the session list, filtered by payment intent as Stripe's is
                    intent = dict(urllib.parse.parse_qsl(url.query)).get("payment_intent")
                    with fake.lock:
                        found = [s for s in fake.sessions.values() if intent and s.get("payment_intent") == intent]
                    return self.answer(200, {"object": "list", "data": found, "has_more": False, "url": SESSIONS_PATH})
                with fake.lock:
                    found_object = stores[prefix].get(urllib.parse.unquote(url.path[len(prefix):]))
                if found_object is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})
                self.answer(200, found_object)
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
            session = self.sessions[session_id]
            number = next(self.ids)
            intent, charge = f"pi_test_{number:06d}", f"ch_test_{number:06d}"
            session.update(status="complete", payment_status="paid", payment_intent=intent)
            self.charges[charge] = {"id": charge, "object": "charge", "amount": session["amount_total"], "amount_refunded": 0,
                                    "currency": session["currency"], "payment_intent": intent, "refunded": False,
                                    "disputed": False}
            return dict(session)

    def charge_for(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            intent = self.sessions[session_id]["payment_intent"]
            return next(c for c in self.charges.values() if c["payment_intent"] == intent)

    def refund(self, session_id: str, amount: int) -> dict[str, Any]:
        """Refunds `amount` more of the session's charge; the charge's `amount_refunded` is the running total."""
        charge = self.charge_for(session_id)
        with self.lock:
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return dict(charge)

    def dispute(self, session_id: str, amount: int) -> dict[str, Any]:
        charge = self.charge_for(session_id)
        with self.lock:
            dispute_id = f"dp_test_{next(self.ids):06d}"
            dispute = {"id": dispute_id, "object": "dispute", "amount": amount, "charge": charge["id"],
                       "currency": charge["currency"], "payment_intent": charge["payment_intent"],
                       "reason": "fraudulent", "status": "needs_response"}
            self.disputes[dispute_id] = dispute
            charge["disputed"] = True
            return dict(dispute)

    def expire(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            self.sessions[session_id].update(status="expired")
            return dict(self.sessions[session_id])
