"""A stand-in for the part of NOWPayments' API our server calls, with `x-api-key` authentication
and JSON bodies as NOWPayments' API reference describes them:

- hosted invoices (POST /v1/invoice) and a payment's status (GET /v1/payment/{payment_id});
- mass payouts: a token for the account's e-mail and password (POST /v1/auth), a batch
  (POST /v1/payout, Bearer token), its 2FA verification (POST /v1/payout/{batch}/verify, the
  code checked against the account's base32 secret by this file's own RFC 6238 `totp`, a step
  either side allowed) and its status (GET /v1/payout/{batch}).

Tests play the customer and the blockchain: `set_payment(invoice_id, status)` creates or moves the
invoice's payment (waiting, confirming, finished, partially_paid, failed, expired) and returns it,
as the status endpoint will answer it. What the server sent is in `invoices` (each request's
JSON). For payouts, `batch_for(withdrawal_id)` finds a batch, `set_batch(batch_id, status, error)`
moves it (finished, failed, ...), `payout_requests` holds each POST /v1/payout (its raw text and
its JSON read with exact decimals), `verifications` each code tried, and `payout_mode` makes
POST /v1/payout make the batch and then hang past the client's timeout ("hang") or answer 500
("error"). It runs in-process on a ThreadingHTTPServer in a daemon thread (fake.start(),
fake.base_url).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import struct
import threading
import time
from decimal import Decimal
from http.server import ThreadingHTTPServer
from typing import Any

from fake_http import JSONHandler, serve, stop


# How long a hanging POST /v1/payout waits: past the server's 15 s bound on a gateway call.
HANG_S = 20.0


def totp(secret_b32: str, at: float, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 with HMAC-SHA-1, written here from the RFC, never taken from the code under test."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


class FakeNOWPaymentsAPI:
    def __init__(self, api_key: str, ipn_secret: str, email: str, password: str, two_factor_secret: str) -> None:
        self.api_key = api_key
        self.ipn_secret = ipn_secret
        self.email = email
        self.password = password
        self.two_factor_secret = two_factor_secret
        self.lock = threading.Lock()
        self.invoices: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.batches: dict[str, dict[str, Any]] = {}
        self.payout_requests: list[dict[str, Any]] = []
        self.verifications: list[dict[str, Any]] = []
        self.payout_mode = "normal"
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

            def bearer(self) -> bool:
                """The payout endpoints want the API key and a token from /v1/auth."""
                if not self.authorized():
                    return False
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                with fake.lock:
                    if token in fake.tokens:
                        return True
                self.answer(401, {"statusCode": 401, "code": "AUTH_REQUIRED", "message": "Authorization header is empty"})
                return False

            def text(self) -> str:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                if self.path == "/v1/auth":
                    return self.auth()
                if self.path == "/v1/payout":
                    return self.payout()
                if self.path.startswith("/v1/payout/") and self.path.endswith("/verify"):
                    return self.verify(self.path[len("/v1/payout/"):-len("/verify")])
                if self.path != "/v1/invoice":
                    return self.answer(404, {"message": "not found"})
                if not self.authorized():
                    return None
                request = json.loads(self.text())
                with fake.lock:
                    invoice_id = str(next(fake.ids))
                    invoice = {**request, "id": invoice_id, "token_id": "1", "pay_currency": None,
                               "invoice_url": f"{fake.base_url}/payment/?iid={invoice_id}",
                               "created_at": "2026-12-03T10:00:00.000Z", "updated_at": "2026-12-03T10:00:00.000Z"}
                    fake.invoices[invoice_id] = invoice
                self.answer(200, invoice)
                return None

            def auth(self) -> None:
                request = json.loads(self.text())
                if (request.get("email"), request.get("password")) != (fake.email, fake.password):
                    return self.answer(401, {"statusCode": 401, "code": "INVALID_CREDENTIALS", "message": "Invalid credentials"})
                token = "eyJ.fake." + secrets.token_urlsafe(16)
                with fake.lock:
                    fake.tokens.add(token)
                return self.answer(200, {"token": token})

            def payout(self) -> None:
                if not self.bearer():
                    return None
                raw = self.text()
                request = json.loads(raw, parse_float=Decimal)
                with fake.lock:
                    fake.payout_requests.append({"raw": raw, "json": request})
                    batch_id = str(next(fake.ids))
                    withdrawals = [{"id": str(next(fake.ids)), "batch_withdrawal_id": batch_id, "status": "CREATING",
                                    "address": w["address"], "currency": w["currency"], "amount": str(w["amount"]),
                                    "ipn_callback_url": w.get("ipn_callback_url"), "unique_external_id": w.get("unique_external_id"),
                                    "error": None, "hash": None, "extra_id": None, "is_request_payouts": False,
                                    "created_at": "2026-12-03T10:00:00.000Z", "requested_at": None, "updated_at": None}
                                   for w in request["withdrawals"]]
                    fake.batches[batch_id] = {"id": batch_id, "createdAt": "2026-12-03T10:00:00.000Z", "verified": False,
                                              "withdrawals": withdrawals}
                    mode = fake.payout_mode
                if mode == "hang":
                    time.sleep(HANG_S)
                    try:
                        self.answer(200, {"id": batch_id, "withdrawals": withdrawals})
                    except OSError:  # the server gave up waiting and closed the connection, as it should
                        pass
                    return None
                if mode == "error":
                    return self.answer(500, {"statusCode": 500, "message": "Internal server error"})
                return self.answer(200, {"id": batch_id, "withdrawals": withdrawals})

            def verify(self, batch_id: str) -> None:
                if not self.bearer():
                    return None
                code = json.loads(self.text()).get("verification_code")
                now = time.time()
                valid = code in {totp(fake.two_factor_secret, now + drift) for drift in (-30, 0, 30)}
                with fake.lock:
                    batch = fake.batches.get(batch_id)
                    fake.verifications.append({"batch": batch_id, "code": code, "valid": valid})
                    if batch is None:
                        return self.answer(404, {"statusCode": 404, "message": "Batch not found"})
                    if not valid:
                        return self.answer(400, {"statusCode": 400, "message": "Invalid verification code"})
                    batch["verified"] = True
                    for withdrawal in batch["withdrawals"]:
                        withdrawal["status"] = "WAITING"
                return self.answer(200, {"message": "OK"})

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/v1/payout/"):
                    if not self.bearer():
                        return None
                    with fake.lock:
                        batch = fake.batches.get(self.path[len("/v1/payout/"):])
                        answer = None if batch is None else {k: v for k, v in batch.items() if k != "verified"}
                    if answer is None:
                        return self.answer(404, {"statusCode": 404, "message": "Batch not found"})
                    return self.answer(200, answer)
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

    def batch_for(self, withdrawal_id: str) -> dict[str, Any]:
        with self.lock:
            return next(b for b in self.batches.values()
                        if any(w["unique_external_id"] == withdrawal_id for w in b["withdrawals"]))

    def set_batch(self, batch_id: str, status: str, error: str | None = None) -> dict[str, Any]:
        """Moves every withdrawal of the batch to `status` (NOWPayments writes it in capitals)."""
        with self.lock:
            batch = self.batches[batch_id]
            for withdrawal in batch["withdrawals"]:
                withdrawal["status"] = status.upper()
                withdrawal["error"] = error
                withdrawal["hash"] = "f" * 64 if status == "finished" else None
            return json.loads(json.dumps(batch))
