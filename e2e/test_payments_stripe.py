"""Stripe deposits end to end (docs/payments.md): the player's API call creates a Checkout Session
at the fake Stripe API (e2e/fake_stripe_api.py); the test pays it there, as the customer would on
Stripe's page, and delivers Stripe's webhook signed by the `stripe` package itself
(`stripe.WebhookSignature.generate_signature_header`), never by the code under test.

Money arrives once however the webhook comes: replayed, resent under another event id, or as
another event about the same paid session. A wrong secret or a stale timestamp is refused with a
named 400 and stores nothing. Bad deposit requests get named 4xx and write nothing. The ledger
audit finds nothing after all of it.
"""
from __future__ import annotations

import json
import secrets
import subprocess
import time
from typing import Any, Callable

import pytest
import stripe
from playwright.sync_api import Page, expect

from conftest import REPO_ROOT, SMTPInbox, croupier_binary, e2e_sql, set_kyc_level
from fake_stripe_api import FakeStripeAPI
from players import PLAYER_SESSION_COOKIE, PlayerClient, sign_in_new_player, sql_text
from strings import t

# How long the inbox's background service may take to process a webhook (it polls every second).
PROCESSED_WITHIN_S = 60


class Payer:
    """A signed-in player and the CSRF token their state-changing API calls carry."""

    def __init__(self, player_id: int, client: PlayerClient) -> None:
        self.id = player_id
        self.client = client
        self.csrf = client.ok("GET", "/api/v1/me")["csrfToken"]

    def deposit(self, body: dict[str, Any], csrf: bool = True) -> tuple[int, Any]:
        status, answer, _ = self.client.call("POST", "/api/v1/deposits", body,
                                             headers={"X-CSRF-Token": self.csrf} if csrf else {})
        return status, answer

    def real_balance(self, currency: str = "EUR") -> str:
        balances = self.client.ok("GET", "/api/v1/wallet")["balances"]
        return next((b["real"] for b in balances if b["currency"] == currency), "0.00000")


@pytest.fixture
def payer(service_env: dict[str, str], base_url: str, smtp_inbox: SMTPInbox) -> Payer:
    player_id, client = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="payer")
    return Payer(player_id, client)


def event(event_type: str, session: dict[str, Any], event_id: str | None = None) -> bytes:
    """A Stripe event as Stripe sends it: its own id, the type, the object as it was then."""
    return json.dumps({
        "id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": "2024-06-20",
        "created": int(time.time()), "type": event_type, "livemode": False,
        "data": {"object": session},
    }).encode()


def deliver(base_url: str, body: bytes, secret: str, timestamp: int | None = None) -> tuple[int, Any]:
    """POSTs a webhook as Stripe does, its signature made by the stripe package."""
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    client = PlayerClient(base_url)
    status, answer, _ = client.call("POST", "/webhooks/stripe", None,
                                    headers={"Stripe-Signature": header, "Content-Type": "application/json"},
                                    raw_body=body)
    return status, answer


def webhook_states(service_env: dict[str, str], session_id: str) -> list[str]:
    rows = e2e_sql(service_env, "SELECT state FROM payments_webhook_events "
                                f"WHERE convert_from(payload, 'UTF8')::jsonb #>> '{{data,object,id}}' = {sql_text(session_id)} "
                                "ORDER BY id")
    return rows.split() if rows else []


def wait_until_processed(service_env: dict[str, str], session_id: str, count: int) -> list[str]:
    deadline = time.monotonic() + PROCESSED_WITHIN_S
    while True:
        states = webhook_states(service_env, session_id)
        if len(states) == count and "received" not in states:
            return states
        assert time.monotonic() < deadline, f"webhooks for {session_id} not processed: {states}"
        time.sleep(0.2)


def deposit_state(payer: Payer, deposit_id: str) -> dict[str, Any]:
    return payer.client.ok("GET", f"/api/v1/deposits/{deposit_id}")


def audit_is_clean(env: dict[str, str]) -> None:
    res = subprocess.run([str(croupier_binary()), "audit"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"`croupier audit` exited with {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert "ledger audit: 0 violations" in res.stdout, res.stdout


def test_a_paid_checkout_credits_once_however_its_webhook_arrives(
        payer: Payer, fake_stripe: FakeStripeAPI, base_url: str, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "25.50", "currency": "EUR"})
    assert status == 201, deposit
    assert deposit["status"] == "pending" and deposit["amount"] == "25.50000" and deposit["firstDeposit"] is False, deposit
    session = fake_stripe.session_for(deposit["id"])
    assert deposit["redirectUrl"] == session["url"], (deposit, session)
    audited = e2e_sql(service_env, "SELECT actor || ' ' || action FROM identity_audit_log "
                                   f"WHERE target = {sql_text('deposit:' + deposit['id'])}")
    assert audited == f"player:{payer.id} payments.deposit_created", audited
    form = fake_stripe.created[-1]
    assert form["line_items[0][price_data][unit_amount]"] == "2550" and form["line_items[0][price_data][currency]"] == "eur", form
    assert form["mode"] == "payment" and form["success_url"].endswith(f"/cashier?deposit={deposit['id']}"), form

    # The webhook says paid before Stripe does: the server asks Stripe and waits.
    status, answer = deliver(base_url, event("checkout.session.completed", session), fake_stripe.webhook_secret)
    assert status == 200 and answer == {"received": True}, answer
    wait_until_processed(service_env, session["id"], 1)
    assert deposit_state(payer, deposit["id"])["status"] == "pending"
    assert payer.real_balance() == "0.00000"

    paid = fake_stripe.pay(session["id"])
    completed = event("checkout.session.completed", paid, event_id=f"evt_{secrets.token_hex(12)}")
    assert deliver(base_url, completed, fake_stripe.webhook_secret)[0] == 200
    status, answer = deliver(base_url, completed, fake_stripe.webhook_secret)  # Stripe retries the same event
    assert status == 200 and answer == {"received": True, "duplicate": True}, answer
    assert deliver(base_url, event("checkout.session.completed", paid), fake_stripe.webhook_secret)[0] == 200
    assert deliver(base_url, event("checkout.session.async_payment_succeeded", paid), fake_stripe.webhook_secret)[0] == 200
    assert wait_until_processed(service_env, session["id"], 4) == ["processed"] * 4

    done = deposit_state(payer, deposit["id"])
    assert done["status"] == "completed" and done["firstDeposit"] is True and "completedAt" in done, done
    assert "redirectUrl" not in done, done
    assert payer.real_balance() == "25.50000"
    # A late expiry never takes a completed deposit back.
    assert deliver(base_url, event("checkout.session.expired", {**paid, "status": "expired"}), fake_stripe.webhook_secret)[0] == 200
    wait_until_processed(service_env, session["id"], 5)
    assert deposit_state(payer, deposit["id"])["status"] == "completed"
    assert payer.real_balance() == "25.50000"
    credits = e2e_sql(service_env, "SELECT count(*) FROM ledger_transactions WHERE kind = 'deposit' "
                                   f"AND idempotency_key = {sql_text('deposit:' + deposit['id'])}")
    assert credits == "1"
    audit_is_clean(server_env)


def test_a_wrong_secret_or_a_stale_signature_is_refused_and_stores_nothing(
        payer: Payer, fake_stripe: FakeStripeAPI, base_url: str, service_env: dict[str, str]) -> None:
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "10", "currency": "EUR"})
    assert status == 201, deposit
    paid = fake_stripe.pay(fake_stripe.session_for(deposit["id"])["id"])
    body = event("checkout.session.completed", paid)
    status, answer = deliver(base_url, body, "whsec_" + secrets.token_hex(16))
    assert (status, answer["error"]["code"]) == (400, "webhookSignatureInvalid"), answer
    status, answer = deliver(base_url, body, fake_stripe.webhook_secret, timestamp=int(time.time()) - 301)
    assert (status, answer["error"]["code"]) == (400, "webhookTimestampOutsideTolerance"), answer
    client = PlayerClient(base_url)
    status, answer, _ = client.call("POST", "/webhooks/stripe", None, headers={"Content-Type": "application/json"}, raw_body=body)
    assert (status, answer["error"]["code"]) == (400, "webhookSignatureMissing"), answer
    assert webhook_states(service_env, paid["id"]) == []
    assert deposit_state(payer, deposit["id"])["status"] == "pending"
    assert payer.real_balance() == "0.00000"


def test_an_expired_checkout_ends_the_deposit_with_a_reason(
        payer: Payer, fake_stripe: FakeStripeAPI, base_url: str, service_env: dict[str, str]) -> None:
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "5", "currency": "USD"})
    assert status == 201, deposit
    expired = fake_stripe.expire(fake_stripe.session_for(deposit["id"])["id"])
    assert deliver(base_url, event("checkout.session.expired", expired), fake_stripe.webhook_secret)[0] == 200
    wait_until_processed(service_env, expired["id"], 1)
    ended = deposit_state(payer, deposit["id"])
    assert ended["status"] == "expired" and ended["reason"], ended
    assert payer.real_balance("USD") == "0.00000"


@pytest.mark.parametrize("body, status, code", [
    ({"gateway": "nowhere", "amount": "10", "currency": "EUR"}, 400, "unknownGateway"),
    ({"gateway": "stripe", "amount": "10.001", "currency": "EUR"}, 400, "amountNotRepresentable"),
    ({"gateway": "stripe", "amount": "-5", "currency": "EUR"}, 400, "amountNotPositive"),
    ({"gateway": "stripe", "amount": "0.49", "currency": "EUR"}, 400, "amountBelowMinimum"),
    ({"gateway": "stripe", "amount": "10000.01", "currency": "EUR"}, 400, "amountAboveMaximum"),
    ({"gateway": "stripe", "amount": "10", "currency": "BTC"}, 400, "unsupportedCurrency"),
    ({"gateway": "stripe", "amount": "ten", "currency": "EUR"}, 400, "malformedAmount"),
    ({"gateway": "stripe", "amount": 10, "currency": "EUR"}, 400, "malformedBody"),
])
def test_a_bad_deposit_request_is_refused_by_name_and_writes_nothing(
        payer: Payer, service_env: dict[str, str], body: dict[str, Any], status: int, code: str) -> None:
    got, answer = payer.deposit(body)
    assert (got, answer["error"]["code"]) == (status, code), answer
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {payer.id}") == "0"


def test_a_deposit_without_the_csrf_token_is_refused(payer: Payer, service_env: dict[str, str]) -> None:
    got, answer = payer.deposit({"gateway": "stripe", "amount": "10", "currency": "EUR"}, csrf=False)
    assert (got, answer["error"]["code"]) == (403, "csrfTokenInvalid"), answer
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {payer.id}") == "0"


def test_another_players_deposit_is_not_found(payer: Payer, fake_stripe: FakeStripeAPI, service_env: dict[str, str],
                                              base_url: str, smtp_inbox: SMTPInbox) -> None:
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "10", "currency": "EUR"})
    assert status == 201, deposit
    _, other = sign_in_new_player(service_env, base_url, smtp_inbox, email_prefix="other")
    status, answer, _ = other.call("GET", f"/api/v1/deposits/{deposit['id']}")
    assert (status, answer["error"]["code"]) == (404, "depositNotFound"), answer


def wait_for_object(service_env: dict[str, str], object_id: str, count: int) -> None:
    """Waits until `count` webhooks about this charge or dispute are processed (or failed)."""
    deadline = time.monotonic() + PROCESSED_WITHIN_S
    query = ("SELECT count(*) FROM payments_webhook_events WHERE state <> 'received' AND "
             f"convert_from(payload, 'UTF8')::jsonb #>> '{{data,object,id}}' = {sql_text(object_id)}")
    while int(e2e_sql(service_env, query)) < count:
        assert time.monotonic() < deadline, f"webhooks about {object_id} not processed"
        time.sleep(0.2)


def test_a_refund_then_a_dispute_take_the_money_back_once_down_to_zero_and_the_rest_is_a_debt(
        payer: Payer, fake_stripe: FakeStripeAPI, base_url: str, service_env: dict[str, str],
        server_env: dict[str, str], new_page: Callable[..., Page]) -> None:
    # EUR 50 and then 60 in a day are above L0's deposit limit (docs/compliance.md): an L1 player.
    set_kyc_level(service_env, payer.id, 1)
    status, deposit = payer.deposit({"gateway": "stripe", "amount": "50", "currency": "EUR"})
    assert status == 201, deposit
    session = fake_stripe.session_for(deposit["id"])
    paid = fake_stripe.pay(session["id"])
    assert deliver(base_url, event("checkout.session.completed", paid), fake_stripe.webhook_secret)[0] == 200
    wait_until_processed(service_env, session["id"], 1)
    assert payer.real_balance() == "50.00000"

    # 45 of it is gone meanwhile (an operator's debit through the CLI, as a lost bet would take it).
    debit = subprocess.run([str(croupier_binary()), "adjust", "--player", str(payer.id), "--currency", "EUR", "--amount=-45",
                            "--reason", "spent before the refund", "--key", f"spent-{deposit['id']}"],
                           cwd=REPO_ROOT, env=server_env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert debit.returncode == 0, debit.stdout + debit.stderr
    assert payer.real_balance() == "5.00000"

    refunded = fake_stripe.refund(session["id"], 1000)  # EUR 10 refunded: 5 taken, 5 owed
    refund_event = event("charge.refunded", refunded)
    assert deliver(base_url, refund_event, fake_stripe.webhook_secret)[0] == 200
    assert deliver(base_url, event("charge.refunded", refunded), fake_stripe.webhook_secret)[0] == 200  # resent, another id
    wait_for_object(service_env, refunded["id"], 2)
    assert payer.real_balance() == "0.00000"

    disputed = fake_stripe.dispute(session["id"], 5000)  # the whole charge disputed: 40 more, all owed
    assert deliver(base_url, event("charge.dispute.created", disputed), fake_stripe.webhook_secret)[0] == 200
    wait_for_object(service_env, disputed["id"], 1)
    assert deliver(base_url, refund_event, fake_stripe.webhook_secret)[0] == 200  # the first refund event, late
    assert payer.real_balance() == "0.00000"

    taken = e2e_sql(service_env, "SELECT string_agg((-real_delta)::text || '/' || (metadata->>'reason'), ',' ORDER BY id) "
                                 "FROM ledger_transactions WHERE kind = 'chargeback' "
                                 f"AND metadata->>'deposit' = {sql_text(deposit['id'])}")
    assert taken == "500000/refund,0/dispute", taken
    debt = e2e_sql(service_env, "SELECT -balance FROM ledger_accounts WHERE balance_kind = 'debt' "
                                f"AND player_id = {payer.id} AND currency = 'EUR'")
    assert debt == "4500000", "EUR 45 of the 50 taken back was spent: the player owes it"
    events = e2e_sql(service_env, "SELECT count(*) FROM outbox WHERE subject = 'croupier.payments.chargeback' "
                                  f"AND payload->>'depositId' = {sql_text(deposit['id'])}")
    assert events == "2"
    # The cashier tells the player what they owe and what happens next.
    page = new_page("en")
    session = payer.client.session()
    assert session is not None
    page.context.add_cookies([{"name": PLAYER_SESSION_COOKIE, "value": session.value, "url": base_url}])
    page.goto("/cashier")
    expect(page.get_by_test_id("cashier-debt")).to_have_text(t("en", "cashier.debt").replace("{amount}", "€45.00"))

    # The next deposit pays the debt first.
    status, second = payer.deposit({"gateway": "stripe", "amount": "60", "currency": "EUR"})
    assert status == 201, second
    second_paid = fake_stripe.pay(fake_stripe.session_for(second["id"])["id"])
    assert deliver(base_url, event("checkout.session.completed", second_paid), fake_stripe.webhook_secret)[0] == 200
    wait_until_processed(service_env, second_paid["id"], 1)
    assert payer.real_balance() == "15.00000"
    page.reload()
    expect(page.get_by_test_id("cashier-debt")).to_have_count(0)
    audit_is_clean(server_env)
