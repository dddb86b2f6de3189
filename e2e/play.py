"""Play for the e2e tests: a player who deposits and withdraws without playing is held by the AML
rule `low_wagering` (docs/compliance.md), as a real casino would hold them. Tests of the
withdrawal path that are not about AML first play their deposit through once.

The stakes are real ledger operations (`ledger_apply`, the one function every wallet movement
goes through): a bet of the amount on a house account `games:e2e` and a win naming it that pays
the same amount back, so the balance is unchanged, the stakes count, and `croupier audit` stays
clean. Playing the whole deposit in the browser would take hundreds of dice rounds and could lose
the money the test then withdraws.
"""
from __future__ import annotations

import secrets
from decimal import Decimal

from conftest import e2e_sql

SCALES = {"EUR": 5, "USD": 5, "RUB": 5, "USDT": 8, "BTC": 8}


def play_through(service_env: dict[str, str], player_id: int, amount: str, currency: str = "EUR") -> None:
    units = int(Decimal(amount) * 10 ** SCALES[currency])
    key = secrets.token_hex(8)
    bet = e2e_sql(service_env, f"SELECT code FROM ledger_apply('e2e', 'bet:{key}', '\\x00', 'bet', {player_id}, '{currency}', "
                               f"{units}, 'games:e2e', NULL, NULL, '{{}}')")
    assert bet == "ok", f"the bet of {amount} {currency} was refused: {bet}"
    win = e2e_sql(service_env, f"SELECT code FROM ledger_apply('e2e', 'win:{key}', '\\x01', 'win', {player_id}, '{currency}', "
                               f"{units}, 'games:e2e', 'e2e', 'bet:{key}', '{{}}')")
    assert win == "ok", f"the win of {amount} {currency} was refused: {win}"
