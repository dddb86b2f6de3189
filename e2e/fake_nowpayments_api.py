"""A stand-in for the part of NOWPayments' API our server calls: hosted invoices
(POST /v1/invoice) and a payment's status (GET /v1/payment/{payment_id}), with `x-api-key`
authentication and JSON bodies as NOWPayments' API reference describes them.

Tests play the customer and the blockchain: `set_payment(invoice_id, status)` creates or moves the
invoice's payment (waiting, confirming, finished, partially_paid, failed, expired) and returns it,
as the status endpoint will answer it. What the server sent is in `invoices` (each request's
JSON). It runs in-process on a ThreadingHTTPServer in a daemon thread (fake.start(), fake.base_url).
"""
from __future__ import annotations

import itertools
import json
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from fake_http import JSONHandler, serve, stop


class FakeNOWPaymentsAPI:
    def __init__(self, api_key: str, ipn_secret: str) -> None:
        self.api_key = api_key
        self.ipn_secret = ipn_secret
        self.lock = threading.Lock()
        self.invoices: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(5_000_000_001)
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(JSONHandler):
            def authorized(self) -> bool:
                if self.headers.get("x-api-key") == fake.api_key:
                    return True
                self.answer(403, {"statusCode": 403, "code": "INVALID_API_KEY", "message": "Invalid api key"})
                return False

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                if self.path != "/v1/invoice":
                    return self.answer(404, {"message": "not found"})
                if not self.authorized():
                    return None
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with fake.lock:
                    invoice_id = str(next(fake.ids))
                    invoice = {**request, "id": invoice_id, "token_id": "1", "pay_currency": None,
                               "invoice_url": f"{fake.base_url}/payment/?iid={invoice_id}",
                               "created_at": "2026-12-03T10:00:00.000Z", "updated_at": "2026-12-03T10:00:00.000Z"}
                    fake.invoices[invoice_id] = invoice
                self.answer(200, invoice)
                return None

            def do_GET(self) -> None:  # noqa: N802
                prefix = "/v1/payment/"
                if not self.path.startswith(prefix):
                    return self.answer(404, {"message": "not found"})
                if not self.authorized():
                    return None
                with fake.lock:
                    payment = fake.payments.get(self.path[len(prefix):])
                if payment is None:
                    return self.answer(404, {"statusCode": 404, "code": "PAYMENT_NOT_FOUND"})
                self.answer(200, payment)
                return None

        self.server = serve(Handler)

    def stop(self) -> None:
        stop(self.server)

    def invoice_for(self, deposit_id: str) -> dict[str, Any]:
        with self.lock:
            return next(i for i in self.invoices.values() if i["order_id"] == deposit_id)

    def set_payment(self, invoice_id: str, status: str, actually_paid: float | None = None) -> dict[str, Any]:
        """The invoice's payment as the status endpoint answers it from now on."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            payment = next((p for p in self.payments.values() if p["invoice_id"] == int(invoice_id)), None)
            if payment is None:
                payment_id = next(self.ids)
                payment = {"payment_id": payment_id, "invoice_id": int(invoice_id), "pay_address": "bc1qfake",
                           "price_amount": invoice["price_amount"], "price_currency": invoice["price_currency"],
                           "pay_amount": 0.00041, "pay_currency": "btc", "actually_paid": 0,
                           "order_id": invoice["order_id"], "order_description": invoice["order_description"],
                           "purchase_id": 4021, "outcome_amount": 0.0004, "outcome_currency": "btc"}
                self.payments[str(payment_id)] = payment
            payment["payment_status"] = status
            payment["actually_paid"] = actually_paid if actually_paid is not None else (
                payment["pay_amount"] if status == "finished" else 0)
            return dict(payment)
