"""NOWPayments crypto deposits end to end (docs/payments.md): the player's API call creates a
hosted invoice at the fake NOWPayments API (e2e/fake_nowpayments_api.py); the test moves the
invoice's payment there, as the blockchain would, and posts NOWPayments' IPN signed with Python's
`hmac`: hex HMAC-SHA512 of the body with its keys sorted, as NOWPayments documents it, never by the
code under test.

Key order in the body does not matter; a changed amount under the old signature is refused; only
`finished` credits, once; `partially_paid` credits nothing and waits for staff; the audit is clean.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from typing import Any

import pytest

from conftest import SMTPInbox, e2e_sql
from fake_nowpayments_api import FakeNOWPaymentsAPI
from players import PlayerClient, sign_in_new_player, sql_text
from test_payments_stripe import Payer, audit_is_clean

PROCESSED_WITHIN_S = 60


@pytest.fixture
def payer(service_env: dict[str, str], base_url: str, smtp_inbox: SMTPInbox) -> Payer:
    player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="crypto")
    return Payer(player_id, client)


def signature(secret: str, payment: dict[str, Any]) -> str:
    ordered = json.dumps(payment, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret.encode(), ordered.encode(), hashlib.sha512).hexdigest()


def shuffled(payment: dict[str, Any]) -> bytes:
    """The same IPN with its keys in another order, and with spaces: the body as sent is not what is signed."""
    items = list(payment.items())
    random.shuffle(items)
    return json.dumps(dict(items), indent=1).encode()


def ipn(base_url: str, body: bytes, sig: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if sig is not None:
        headers["x-nowpayments-sig"] = sig
    status, answer, _ = PlayerClient(base_url).call("POST", "/webhooks/nowpayments", None, headers=headers, raw_body=body)
    return status, answer


def events(service_env: dict[str, str], payment_id: int) -> list[str]:
    rows = e2e_sql(service_env, "SELECT state || '|' || coalesce(outcome, '') FROM payments_webhook_events "
                                f"WHERE gateway = 'nowpayments' AND event_id LIKE {sql_text(f'{payment_id}:%')} ORDER BY id")
    return rows.splitlines() if rows else []


def wait_until_processed(service_env: dict[str, str], payment_id: int, count: int) -> list[str]:
    deadline = time.monotonic() + PROCESSED_WITHIN_S
    while True:
        rows = events(service_env, payment_id)
        if len(rows) == count and not any(row.startswith("received|") for row in rows):
            return rows
        assert time.monotonic() < deadline, f"IPNs for payment {payment_id} not processed: {rows}"
        time.sleep(0.2)


def test_a_finished_payment_credits_once_whatever_the_key_order(
        payer: Payer, fake_nowpayments: FakeNOWPaymentsAPI, base_url: str, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    status, deposit = payer.deposit({"gateway": "nowpayments", "amount": "25.50", "currency": "EUR"})
    assert status == 201 and deposit["status"] == "pending", deposit
    invoice = fake_nowpayments.invoice_for(deposit["id"])
    assert deposit["redirectUrl"] == invoice["invoice_url"], (deposit, invoice)
    assert invoice["price_amount"] == 25.5 and invoice["price_currency"] == "eur", invoice
    assert invoice["ipn_callback_url"].endswith("/webhooks/nowpayments"), invoice
    secret = fake_nowpayments.ipn_secret

    confirming = fake_nowpayments.set_payment(invoice["id"], "confirming")
    assert ipn(base_url, shuffled(confirming), signature(secret, confirming)) == (200, {"received": True})
    assert wait_until_processed(service_env, confirming["payment_id"], 1)[0].startswith("processed|")
    assert payer.client.ok("GET", f"/api/v1/deposits/{deposit['id']}")["status"] == "pending"

    finished = fake_nowpayments.set_payment(invoice["id"], "finished")
    body = shuffled(finished)
    assert ipn(base_url, body, signature(secret, finished)) == (200, {"received": True})
    assert ipn(base_url, shuffled(finished), signature(secret, finished)) == (200, {"received": True, "duplicate": True})
    rows = wait_until_processed(service_env, finished["payment_id"], 2)
    assert rows[1].startswith(f"processed|{deposit['id']} completed"), rows
    done = payer.client.ok("GET", f"/api/v1/deposits/{deposit['id']}")
    assert done["status"] == "completed" and done["firstDeposit"] is True, done
    assert payer.real_balance() == "25.50000"

    # The same IPN with a larger amount under the old signature: refused, nothing stored.
    forged = json.loads(body)
    forged["price_amount"] = 2550
    status, answer = ipn(base_url, json.dumps(forged).encode(), signature(secret, finished))
    assert (status, answer["error"]["code"]) == (400, "webhookSignatureInvalid"), answer
    status, answer = ipn(base_url, body, None)
    assert (status, answer["error"]["code"]) == (400, "webhookSignatureMissing"), answer
    assert len(events(service_env, finished["payment_id"])) == 2
    assert payer.real_balance() == "25.50000"
    audit_is_clean(server_env)


def test_a_partial_payment_credits_nothing_and_waits_for_staff(
        payer: Payer, fake_nowpayments: FakeNOWPaymentsAPI, base_url: str, service_env: dict[str, str]) -> None:
    status, deposit = payer.deposit({"gateway": "nowpayments", "amount": "40", "currency": "USD"})
    assert status == 201, deposit
    partial = fake_nowpayments.set_payment(fake_nowpayments.invoice_for(deposit["id"])["id"], "partially_paid", actually_paid=0.0002)
    assert ipn(base_url, shuffled(partial), signature(fake_nowpayments.ipn_secret, partial))[0] == 200
    rows = wait_until_processed(service_env, partial["payment_id"], 1)
    assert rows[0].startswith(f"failed|{deposit['id']}: payment {partial['payment_id']} is partially paid: 0.0002 of 0.00041 btc"), rows
    assert payer.client.ok("GET", f"/api/v1/deposits/{deposit['id']}")["status"] == "pending"
    assert payer.real_balance("USD") == "0.00000"
