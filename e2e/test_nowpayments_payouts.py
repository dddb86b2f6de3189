"""NOWPayments payouts end to end (docs/payments.md, "NOWPayments"), against the fake NOWPayments
API (e2e/fake_nowpayments_api.py).

A player holds USDT from a sandbox deposit made in the cashier (so a withdrawal up to USDT 100 is
approved by itself) and asks the JSON API for a withdrawal to a Tron address, confirmed with the
code mailed through the SMTP relay. The payout service logs in at the fake, creates the batch and
verifies it with the 2FA code, which the fake checks with its own RFC 6238 code (Python's hmac,
hashlib, struct and base64), never the server's. The batch's status then decides when staff press
"Check with the payment method": finished posts the hold, failed voids it. A create call that
hangs past the server's timeout or answers 500 leaves the payout held as `unknown`, however often
staff check. A payout IPN signed by Python's hmac is stored and left to reconciliation. A
malformed address, and a currency NOWPayments does not move that way, are refused by name and
write nothing; the cashier offers the coins for payouts only and says what a Tron address looks
like. `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import SMTPInbox, e2e_sql
from fake_nowpayments_api import HANG_S, FakeNOWPaymentsAPI
from players import sql_text
from strings import t
from play import play_through
from test_cashier import Depositor, back_at_the_cashier, depositor, open_cashier, start_deposit  # noqa: F401 (fixture)
from test_payments_nowpayments import ipn, signature, shuffled
from test_payments_stripe import audit_is_clean
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, cli_env, open_admin, server_secret_key, sign_in, staff_factory)
from test_withdrawals import balances, email_of, queued, wait_for, withdrawal

TRON_ADDRESS = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def tron_address(player_id: int) -> str:
    """The player's own Tron address (one another player withdrew to would hold the withdrawal
    for AML, `shared_destination`): the fixed one with its tail made of the player's id."""
    tail = "".join(BASE58[int(d)] for d in f"{player_id:08d}")
    return TRON_ADDRESS[:-8] + tail


def usdt_rate(service_env: dict[str, str]) -> None:
    """USDT's rate to EUR, so the AML rules can sum USDT deposits (a missing rate fails closed)."""
    e2e_sql(service_env, "INSERT INTO compliance_fx_rates (currency, valid_from, rate, set_by) "
                         "VALUES ('USDT', '1970-01-01T00:00:00Z', 0.9, 'e2e') ON CONFLICT DO NOTHING")
# How long the payout service may take to send an approved payout (it looks every second).
SENT_WITHIN_S = 60


def fund_usdt(page: Page, base_url: str, depositor: Depositor, amount: str, service_env: dict[str, str]) -> None:
    """A completed sandbox USDT deposit (the player's money came through a gateway) that the
    player then plays through once (play.py), as a player does before withdrawing."""
    usdt_rate(service_env)
    open_cashier(page, base_url, depositor)
    start_deposit(page, "sandbox:USDT", amount=amount)
    with page.expect_navigation():
        page.get_by_test_id("sandbox-pay").click()
    back_at_the_cashier(page, "completed")
    play_through(service_env, depositor.id, amount, "USDT")


def request(depositor: Depositor, body: dict[str, str]) -> tuple[int, Any]:
    csrf = depositor.client.ok("GET", "/api/v1/me")["csrfToken"]
    status, answer, _ = depositor.client.call("POST", "/api/v1/withdrawals", body, headers={"X-CSRF-Token": csrf})
    return status, answer


def withdraw_usdt(depositor: Depositor, smtp_inbox: SMTPInbox, service_env: dict[str, str], amount: str) -> str:
    """Asks for a USDT withdrawal through NOWPayments and confirms it with the mailed code."""
    mark = smtp_inbox.mark()
    status, asked = request(depositor, {"gateway": "nowpayments", "amount": amount, "currency": "USDT",
                                        "destination": tron_address(depositor.id)})
    assert status == 201 and asked["status"] == "awaitingConfirmation", asked
    assert asked["fee"] == "2.00000000", asked
    code = smtp_inbox.wait_for_code(email_of(service_env, depositor.id), after=mark)
    csrf = depositor.client.ok("GET", "/api/v1/me")["csrfToken"]
    status, confirmed, _ = depositor.client.call("POST", f"/api/v1/withdrawals/{asked['id']}/confirm", {"code": code},
                                                 headers={"X-CSRF-Token": csrf})
    assert status == 200 and confirmed["status"] in ("approved", "processing", "unknown"), confirmed
    return asked["id"]


def reference(service_env: dict[str, str], withdrawal_id: str) -> str:
    return e2e_sql(service_env, "SELECT coalesce(gateway_reference, '') FROM payments_withdrawals "
                                f"WHERE public_id = {sql_text(withdrawal_id)}")


def check_with_the_gateway(page: Page, withdrawal_id: str) -> None:
    """Staff's "Check with the payment method" on /admin/withdrawals."""
    open_admin(page, "/admin/withdrawals")
    with page.expect_navigation():
        queued(page, withdrawal_id).get_by_test_id("reconcile").click()
    expect(page.get_by_test_id("withdrawals-notice")).to_have_text(t("en", "admin.withdrawals.results.reconciled"))


@pytest.fixture
def finance_page(new_page: Callable[..., Page], staff_factory: StaffFactory) -> Page:
    page = new_page("en", name="finance")
    sign_in(page, staff_factory.create("finance"))
    return page


@pytest.fixture
def payout_mode(fake_nowpayments: FakeNOWPaymentsAPI) -> Iterator[Callable[[str], None]]:
    """Sets how the fake's POST /v1/payout behaves; back to normal after the test."""
    def set_mode(mode: str) -> None:
        fake_nowpayments.payout_mode = mode
    yield set_mode
    fake_nowpayments.payout_mode = "normal"


def test_a_usdt_payout_is_verified_with_the_2fa_code_and_paid_once_the_batch_finishes(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        fake_nowpayments: FakeNOWPaymentsAPI, finance_page: Page, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    fund_usdt(new_page("en"), base_url, depositor, "100", service_env)
    withdrawal_id = withdraw_usdt(depositor, smtp_inbox, service_env, "50")
    wait_for(lambda: reference(service_env, withdrawal_id) != "", "the payout was not sent to NOWPayments",
             within_s=SENT_WITHIN_S)

    batch = fake_nowpayments.batch_for(withdrawal_id)
    sent = next(r for r in fake_nowpayments.payout_requests
                if r["json"]["withdrawals"][0]["unique_external_id"] == withdrawal_id)
    # 50 less the fee of 2, written as the exact decimal JSON number.
    assert '"amount":48.000000,' in sent["raw"], sent["raw"]
    item = sent["json"]["withdrawals"][0]
    assert item["amount"] == Decimal("48") and item["currency"] == "usdttrc20" and item["address"] == tron_address(depositor.id), item
    assert item["ipn_callback_url"] == f"{base_url}/webhooks/nowpayments", item
    tried = [v for v in fake_nowpayments.verifications if v["batch"] == batch["id"]]
    assert [v["valid"] for v in tried] == [True], tried
    assert reference(service_env, withdrawal_id) == batch["id"]
    assert withdrawal(depositor, withdrawal_id)["status"] == "processing"
    usdt = balances(depositor, "USDT")
    assert (usdt["real"], usdt["locked"]) == ("50.00000000", "50.00000000"), usdt

    # NOWPayments still sending: a check changes nothing.
    check_with_the_gateway(finance_page, withdrawal_id)
    assert withdrawal(depositor, withdrawal_id)["status"] == "processing"

    finished = fake_nowpayments.set_batch(batch["id"], "finished")
    check_with_the_gateway(finance_page, withdrawal_id)
    assert withdrawal(depositor, withdrawal_id)["status"] == "paid"
    usdt = balances(depositor, "USDT")
    assert (usdt["real"], usdt["locked"]) == ("50.00000000", "0.00000000"), usdt
    posted = e2e_sql(service_env, "SELECT count(*) FROM ledger_transactions WHERE kind = 'withdrawal_post' "
                                  f"AND metadata->>'withdrawal' = {sql_text(withdrawal_id)}")
    assert posted == "1"

    # NOWPayments' IPN about the payout, signed as NOWPayments signs: stored once, left to reconciliation.
    notice = {**finished["withdrawals"][0]}
    status, answer = ipn(base_url, shuffled(notice), signature(fake_nowpayments.ipn_secret, notice))
    assert (status, answer) == (200, {"received": True}), answer
    status, answer = ipn(base_url, shuffled(notice), signature(fake_nowpayments.ipn_secret, notice))
    assert (status, answer) == (200, {"received": True, "duplicate": True}), answer
    event_id = f"payout:{notice['id']}:FINISHED"
    query = ("SELECT state || '|' || coalesce(outcome, '') FROM payments_webhook_events "
             f"WHERE gateway = 'nowpayments' AND event_id = {sql_text(event_id)}")
    wait_for(lambda: e2e_sql(service_env, query).startswith("processed|"), f"the payout IPN {event_id} was not processed")
    assert e2e_sql(service_env, query) == "processed|ignored: a payout notice: reconciliation asks the payout's status"
    forged = {**notice, "amount": "4800"}
    status, answer = ipn(base_url, json.dumps(forged).encode(), signature(fake_nowpayments.ipn_secret, notice))
    assert (status, answer["error"]["code"]) == (400, "webhookSignatureInvalid"), answer
    assert withdrawal(depositor, withdrawal_id)["status"] == "paid"
    audit_is_clean(server_env)


def test_a_failed_batch_voids_the_hold(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        fake_nowpayments: FakeNOWPaymentsAPI, finance_page: Page, service_env: dict[str, str],
        server_env: dict[str, str]) -> None:
    fund_usdt(new_page("en"), base_url, depositor, "100", service_env)
    withdrawal_id = withdraw_usdt(depositor, smtp_inbox, service_env, "30")
    wait_for(lambda: reference(service_env, withdrawal_id) != "", "the payout was not sent to NOWPayments",
             within_s=SENT_WITHIN_S)
    assert balances(depositor, "USDT")["locked"] == "30.00000000"
    fake_nowpayments.set_batch(fake_nowpayments.batch_for(withdrawal_id)["id"], "failed", error="Insufficient balance")
    check_with_the_gateway(finance_page, withdrawal_id)
    failed = withdrawal(depositor, withdrawal_id)
    assert failed["status"] == "failed", failed
    assert failed["reason"] == ("The payment method could not send it: Insufficient balance. "
                                "The money is back in your balance."), failed
    usdt = balances(depositor, "USDT")
    assert (usdt["real"], usdt["locked"]) == ("100.00000000", "0.00000000"), usdt
    audit_is_clean(server_env)


@pytest.mark.parametrize("mode", ["hang", "error"])
def test_a_payout_whose_create_call_never_answers_stays_held_as_unknown(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, smtp_inbox: SMTPInbox,
        fake_nowpayments: FakeNOWPaymentsAPI, finance_page: Page, payout_mode: Callable[[str], None],
        service_env: dict[str, str], server_env: dict[str, str], mode: str) -> None:
    fund_usdt(new_page("en"), base_url, depositor, "100", service_env)
    payout_mode(mode)
    withdrawal_id = withdraw_usdt(depositor, smtp_inbox, service_env, "40")
    wait_for(lambda: withdrawal(depositor, withdrawal_id)["status"] == "unknown",
             f"the payout whose create call {'hung' if mode == 'hang' else 'failed'} did not become unknown",
             within_s=SENT_WITHIN_S + HANG_S)
    # The batch may well exist at NOWPayments: nothing here may call it failed.
    assert fake_nowpayments.batch_for(withdrawal_id)["withdrawals"][0]["status"] == "CREATING"
    assert reference(service_env, withdrawal_id) == "", "the lost answer named no batch"
    check_with_the_gateway(finance_page, withdrawal_id)
    held = withdrawal(depositor, withdrawal_id)
    assert held["status"] == "unknown" and "stays held" in held["reason"], held
    usdt = balances(depositor, "USDT")
    assert (usdt["real"], usdt["locked"]) == ("60.00000000", "40.00000000"), usdt
    audit_is_clean(server_env)


@pytest.mark.parametrize("body, code", [
    ({"currency": "USDT", "destination": "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe"}, "destinationInvalid"),
    ({"currency": "USDT", "destination": TRON_ADDRESS[:-1]}, "destinationInvalid"),
    ({"currency": "BTC", "amount": "0.001", "destination": "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"}, "destinationInvalid"),
    ({"currency": "EUR", "destination": TRON_ADDRESS}, "unsupportedCurrency"),
])
def test_a_destination_or_currency_nowpayments_cannot_pay_is_refused_by_name(
        depositor: Depositor, service_env: dict[str, str], body: dict[str, str], code: str) -> None:
    status, answer = request(depositor, {"gateway": "nowpayments", "amount": "25", **body})
    assert (status, answer["error"]["code"]) == (400, code), answer
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}") == "0"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_cashier_offers_coins_for_payouts_only_and_says_what_an_address_looks_like(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str], lang: str) -> None:
    page = new_page(lang)
    open_cashier(page, base_url, depositor)
    assert page.locator('#deposit-method option[value="nowpayments:EUR"]').count() == 1
    assert page.locator('#deposit-method option[value="nowpayments:USDT"]').count() == 0
    assert page.locator('#withdrawal-method option[value="nowpayments:EUR"]').count() == 0
    page.goto("/cashier#withdraw")
    page.select_option("#withdrawal-method", "nowpayments:USDT")
    page.fill("#withdrawal-amount", "25")
    page.fill("#withdrawal-destination", "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe")
    with page.expect_navigation():
        page.get_by_test_id("withdrawal-submit").click()
    expect(page.get_by_test_id("withdrawal-error")).to_have_text(t(lang, "cashier.withdrawals.destinations.nowpayments.USDT"))
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}") == "0"


def test_nowpayments_takes_no_deposits_in_the_coins_it_pays_out(depositor: Depositor, service_env: dict[str, str]) -> None:
    csrf = depositor.client.ok("GET", "/api/v1/me")["csrfToken"]
    status, answer, _ = depositor.client.call("POST", "/api/v1/deposits",
                                              {"gateway": "nowpayments", "amount": "25", "currency": "USDT"},
                                              headers={"X-CSRF-Token": csrf})
    assert (status, answer["error"]["code"]) == (400, "unsupportedCurrency"), answer
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {depositor.id}") == "0"
