"""The crash test's provider (bench/crash/run.sh, bench/README.md): Hub88 calls into a running
server from many threads, every attempt written to a journal, retried with the identical signed
body until it has a definite answer; then the verification of the ledger against the journal.

Independent of the server's code: bodies are built and signed here (e2e/hub88.py, `cryptography`),
the expected balances are computed here from the answers alone, and the ledger is read with psql.

    crashload.py setup  --dir D --psql-db DB --croupier BIN --players N
    crashload.py load   --dir D --url URL --workers W --stop-file F
    crashload.py replay --dir D --url URL
    crashload.py verify --dir D --psql-db DB --killed-at-file F --kind KIND

Definite answer: HTTP 200 with a wallet status other than RS_ERROR_UNKNOWN. Anything else (no
connection, a reset, a timeout, another HTTP status, a body that is not a wallet answer,
RS_ERROR_UNKNOWN) leaves the outcome unknown, and the same bytes are sent again.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import load_pem_private_key

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
import hub88  # noqa: E402  (the e2e suite's Hub88 signing, by import)

PROVIDER = "crash"
GAME = "crash_slot"
CURRENCY = "EUR"
FIRST_PLAYER = 7_000_000
FUNDS = "1000.00"              # per player, credited with `croupier adjust`
BET = hub88.units("1.00")      # Hub88 units; EUR has 5 decimals in the ledger, the same units
WIN = hub88.units("1.90")
RS_OK = "RS_OK"
UNKNOWN = "RS_ERROR_UNKNOWN"
DOES_NOT_EXIST = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
ROLLED_BACK = "RS_ERROR_TRANSACTION_ROLLED_BACK"
GIVE_UP_AFTER = 60.0           # seconds of unknown outcomes before a call counts as unresolved


# ---------------------------------------------------------------------------- helpers


def psql(db: str, sql: str) -> list[list[str]]:
    """Rows of `sql` run by psql against `db` (the services' PostgreSQL), fields split on '|'."""
    port = os.environ["CROUPIER_PG_PORT"]
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                          "-p", port, "-U", "postgres", "-d", db, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:16]


# ---------------------------------------------------------------------------- setup


def setup(args: argparse.Namespace) -> None:
    """Provider `crash` with a fresh key pair, its game, funded players, one session each."""
    directory = Path(args.dir)
    provider = hub88.generate_key_pair(directory / "keys", "provider")
    operator = hub88.generate_key_pair(directory / "keys", "operator")
    env = dict(os.environ)
    subprocess.run([args.croupier, "providers", "add", "--code", PROVIDER, "--name", "Crash test provider",
                    "--api-url", "http://127.0.0.1:9", "--operator-id", "1", "--provider-key", str(provider.public_pem),
                    "--operator-key", str(operator.private_pem), "--currencies", CURRENCY],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    ids = list(range(FIRST_PLAYER, FIRST_PLAYER + args.players))
    tokens = {pid: uuid.uuid4().hex + uuid.uuid4().hex for pid in ids}
    sessions = ", ".join(
        f"('\\x{hashlib.sha256(tokens[pid].encode()).hexdigest()}'::bytea, {pid}, '{PROVIDER}', '{GAME}', '{CURRENCY}', "
        "now(), now() + interval '1 day')" for pid in ids)
    psql(args.psql_db, f"""
        INSERT INTO games_catalog (provider, code, name, category) VALUES ('{PROVIDER}', '{GAME}', 'Crash slot', 'video-slots');
        INSERT INTO identity_players (id, telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
        OVERRIDING SYSTEM VALUE
        SELECT id, id, 'crash' || id || '@bench.invalid', now(), now(), now() FROM unnest(ARRAY{ids}::bigint[]) AS id;
        INSERT INTO games_sessions (token_hash, player_id, provider, game_code, currency, created_at, expires_at)
        VALUES {sessions};""")
    for pid in ids:
        # Its stderr only on failure: the command warns when it leases a connection early.
        funded = subprocess.run([args.croupier, "adjust", f"--player={pid}", f"--currency={CURRENCY}",
                                 f"--amount={FUNDS}", "--reason=crash test funding", f"--key=crash-fund-{pid}"],
                                env=env, capture_output=True, text=True)
        if funded.returncode != 0:
            sys.exit(f"croupier adjust for player {pid} failed:\n{funded.stdout}{funded.stderr}")
    (directory / "setup.json").write_text(json.dumps({
        "players": {str(pid): tokens[pid] for pid in ids},
        "initial": hub88.units(FUNDS),
        "provider_key": str(provider.private_pem),
    }))
    print(f"setup: provider {PROVIDER}, {len(ids)} players funded with {FUNDS} {CURRENCY} each, one session each")


# ---------------------------------------------------------------------------- the provider's calls


class Caller:
    """One worker's connection, its journal, and the retry loop."""

    def __init__(self, url: str, key: Any, journal: Path, worker: int, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.key = key
        self.journal = journal.open("a", buffering=1)
        self.worker = worker
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.journal.close()

    def attempt(self, endpoint: str, body: bytes, signature: str) -> tuple[int | None, dict | None, str | None]:
        """One POST: (HTTP status, answer, error). A failed connection is dropped, the next attempt opens another."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request("POST", f"/providers/{PROVIDER}/{endpoint}", body=body,
                              headers={"Content-Type": "application/json", hub88.SIGNATURE_HEADER: signature})
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            return None, None, f"{type(error).__name__}: {error}"
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
            return response.status, None, f"not a wallet answer: {raw[:120]!r}"
        return response.status, answer, None

    def call(self, endpoint: str, payload: dict, op: str, replay: bool = False, once: bool = False) -> dict | None:
        """Sends the call until a definite answer (or only once with `once`); returns it, None when
        it stayed unknown. Every attempt sends the same bytes with the same signature."""
        body = hub88.encode(payload)
        signature = hub88.sign(body, self.key)
        first = time.time()
        attempt = 0
        pause = 0.05
        while True:
            attempt += 1
            sent = time.time()
            status, answer, error = self.attempt(endpoint, body, signature)
            done = time.time()
            definite = status == 200 and answer is not None and answer["status"] != UNKNOWN
            entry = {"w": self.worker, "op": op, "ep": endpoint, "attempt": attempt, "sent": sent, "done": done,
                     "http": status, "status": answer["status"] if answer else None,
                     "balance": answer.get("balance") if answer else None, "error": error, "definite": definite,
                     "hash": digest(body)}
            if replay:
                entry["replay"] = True
            if attempt == 1:
                entry["body"] = body.decode()
            self.journal.write(json.dumps(entry) + "\n")
            if definite:
                return answer
            if once or done - first > GIVE_UP_AFTER:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def worker(index: int, args: argparse.Namespace, config: dict, key: Any, stop: threading.Event,
           problems: list[str]) -> None:
    rng = random.Random(args.seed * 1000 + index)
    players = sorted(config["players"])
    caller = Caller(args.url, key, Path(args.dir) / f"journal-{index:02d}.jsonl", index, args.timeout)
    try:
        while not stop.is_set():
            player = rng.choice(players)
            token = config["players"][player]
            round_id = f"crash-{uuid.uuid4()}"
            bet_uuid = str(uuid.uuid4())
            common = {"user": player, "token": token, "round": round_id, "game_code": GAME, "currency": CURRENCY,
                      "supplier_transaction_id": round_id, "meta": {"crash": True}}
            roll = rng.randrange(10)
            # Hub88 answers a bet whose outcome it does not know with a rollback of it; half the
            # rounds do so here (the bet is sent again afterwards), the others retry the bet.
            rollback_on_unknown = rng.random() < 0.5
            bet = {**common, "transaction_uuid": bet_uuid, "request_uuid": str(uuid.uuid4()), "amount": BET,
                   "round_closed": False}
            rollback_uuid = str(uuid.uuid4())
            rollback = {"user": player, "token": token, "round": round_id, "game_code": GAME,
                        "transaction_uuid": rollback_uuid, "reference_transaction_uuid": bet_uuid,
                        "request_uuid": str(uuid.uuid4()), "round_closed": True}
            answer = caller.call("transaction/bet", bet, bet_uuid, once=rollback_on_unknown)
            if answer is None and rollback_on_unknown:
                if caller.call("transaction/rollback", rollback, rollback_uuid) is None:
                    problems.append(f"rollback {rollback_uuid} unresolved")
                    return
                answer = caller.call("transaction/bet", bet, bet_uuid)
                if answer is None:
                    problems.append(f"bet {bet_uuid} unresolved")
                    return
                continue
            if answer is None:
                problems.append(f"bet {bet_uuid} unresolved")
                return
            if answer["status"] != RS_OK:
                continue
            if roll == 0:
                settled = caller.call("transaction/rollback", rollback, rollback_uuid)
                what = rollback_uuid
            else:
                win_uuid = str(uuid.uuid4())
                win = {**common, "transaction_uuid": win_uuid, "request_uuid": str(uuid.uuid4()),
                       "reference_transaction_uuid": bet_uuid, "amount": WIN if roll <= 5 else 0, "round_closed": True}
                settled = caller.call("transaction/win", win, win_uuid)
                what = win_uuid
            if settled is None:
                problems.append(f"call {what} unresolved")
                return
    finally:
        caller.close()


def load(args: argparse.Namespace) -> None:
    config = json.loads((Path(args.dir) / "setup.json").read_text())
    key = load_pem_private_key(Path(config["provider_key"]).read_bytes(), password=None)
    stop = threading.Event()
    problems: list[str] = []
    threads = [threading.Thread(target=worker, args=(i, args, config, key, stop, problems), daemon=True)
               for i in range(args.workers)]
    started = time.time()
    for thread in threads:
        thread.start()
    stop_file = Path(args.stop_file)
    while not stop_file.exists():
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    print(f"load: {args.workers} workers ran {time.time() - started:.1f} s, then finished their calls in flight")
    for problem in problems:
        print(f"load: {problem}")
    sys.exit(1 if problems else 0)


# ---------------------------------------------------------------------------- the journal


def read_journal(directory: Path) -> tuple[dict[str, dict], list[dict]]:
    """Every call by transaction_uuid (its body, attempts, final answer), and the replays."""
    ops: dict[str, dict] = {}
    replays: list[dict] = []
    for path in sorted(directory.glob("journal-*.jsonl")):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("replay"):
                replays.append(entry)
                continue
            op = ops.setdefault(entry["op"], {"attempts": []})
            if "body" in entry:
                op["payload"] = json.loads(entry["body"])
                op["ep"] = entry["ep"]
            op["attempts"].append(entry)
    for op in ops.values():
        op["attempts"].sort(key=lambda e: e["sent"])
        definite = [a for a in op["attempts"] if a["definite"]]
        op["final"] = definite[-1] if definite else None
        op["answers"] = {(a["status"], a["balance"]) for a in definite}
        op["hashes"] = {a["hash"] for a in op["attempts"]}
    return ops, replays


def replay(args: argparse.Namespace) -> None:
    """Sends every call that had a definite answer once more, as a provider's late retry: each
    must get the same status again and change nothing (verify checks the ledger afterwards)."""
    directory = Path(args.dir)
    config = json.loads((directory / "setup.json").read_text())
    key = load_pem_private_key(Path(config["provider_key"]).read_bytes(), password=None)
    ops, _ = read_journal(directory)
    answered = [(op_id, op) for op_id, op in ops.items() if op["final"]]
    caller = Caller(args.url, key, directory / "journal-replay.jsonl", -1, 30.0)
    differing = 0
    try:
        for op_id, op in answered:
            answer = caller.call(op["ep"], op["payload"], op_id, replay=True)
            if answer is None:
                print(f"replay: {op['ep']} {op_id} has no definite answer after {GIVE_UP_AFTER:.0f} s; replays stopped")
                sys.exit(1)
            if answer["status"] != op["final"]["status"]:
                differing += 1
                if differing <= 5:
                    print(f"replay: {op['ep']} {op_id} first answered {op['final']['status']}, then {answer}")
    finally:
        caller.close()
    print(f"replayed {len(answered)} answered calls: {len(answered) - differing} answered the same status again, "
          f"{differing} not")


# ---------------------------------------------------------------------------- verification


def verify(args: argparse.Namespace) -> None:
    directory = Path(args.dir)
    config = json.loads((directory / "setup.json").read_text())
    killed_at = float(Path(args.killed_at_file).read_text().strip())
    ops, replays = read_journal(directory)
    failures: list[str] = []

    # The journal alone: what the provider was told, and the balances that follow from it.
    unresolved = [op_id for op_id, op in ops.items() if op["final"] is None]
    changed_bodies = [op_id for op_id, op in ops.items() if len(op["hashes"]) != 1]
    contradicting = [op_id for op_id, op in ops.items() if len(op["answers"]) > 1]
    acked = {op_id for op_id, op in ops.items() if op["final"] and op["final"]["status"] == RS_OK}
    statuses = Counter(op["final"]["status"] if op["final"] else "unresolved" for op in ops.values())
    unknown = {op_id for op_id, op in ops.items() if any(not a["definite"] for a in op["attempts"])}
    retries = sum(len(op["attempts"]) - 1 for op in ops.values())
    acked_before = sum(1 for op_id in acked if ops[op_id]["final"]["done"] < killed_at)
    errors = Counter()
    for op in ops.values():
        for a in op["attempts"]:
            if not a["definite"]:
                errors[a["error"].split(":")[0] if a["error"] else f"HTTP {a['http']} {a['status']}"] += 1

    bets = {op["payload"]["transaction_uuid"]: op for op in ops.values() if op["ep"] == "transaction/bet"}
    expected_delta: dict[str, int] = defaultdict(int)
    expected_rows: dict[str, tuple[str, int]] = {}   # key -> (kind, real delta): the ledger's transactions
    expected_free: set[str] = set()                   # zero wins: Games' free transactions
    rollbacks: dict[str, str] = {}                    # acknowledged rollbacks by their bet
    tombstoned: dict[str, str] = {}                   # rollbacks answered DOES_NOT_EXIST by their bet
    for op_id, op in ops.items():
        if op["ep"] == "transaction/rollback" and op["final"] and op["final"]["status"] == DOES_NOT_EXIST:
            tombstoned[op["payload"]["reference_transaction_uuid"]] = op_id
        if op_id not in acked:
            continue
        payload, player = op["payload"], op["payload"]["user"]
        if op["ep"] == "transaction/bet":
            expected_delta[player] -= payload["amount"]
            expected_rows[op_id] = ("bet", -payload["amount"])
        elif op["ep"] == "transaction/win" and payload["amount"] > 0:
            expected_delta[player] += payload["amount"]
            expected_rows[op_id] = ("win", payload["amount"])
        elif op["ep"] == "transaction/win":
            expected_free.add(op_id)
        else:
            rollbacks[payload["reference_transaction_uuid"]] = op_id

    # The ledger, read with psql.
    db = args.psql_db
    rows = psql(db, f"""SELECT substr(idempotency_key, {len(PROVIDER) + 2}), kind, player_id, real_delta + bonus_delta,
                               created_at < to_timestamp({killed_at}), count(*) OVER (PARTITION BY idempotency_key)
                          FROM ledger_transactions WHERE idempotency_scope = 'hub88'""")
    ledger = {r[0]: (r[1], int(r[2]), int(r[3]), r[4] == "t") for r in rows}
    applied_twice = sum(1 for r in rows if int(r[5]) > 1)
    settlements = psql(db, """SELECT count(*) FROM (SELECT reference_id FROM ledger_transactions
                                WHERE idempotency_scope = 'hub88' AND kind IN ('win', 'rollback')
                                GROUP BY reference_id HAVING count(*) > 1) s""")[0][0]
    applied_twice += int(settlements)
    tombstones = {r[0][len(PROVIDER) + 1:] for r in psql(db, "SELECT rollback_key FROM ledger_tombstones "
                                                              "WHERE rollback_scope = 'hub88'")}
    free = {r[0]: r[1] for r in psql(db, f"SELECT transaction_uuid, status FROM games_free_transactions "
                                         f"WHERE provider = '{PROVIDER}'")}
    balances = {int(r[0]): int(r[1]) for r in psql(db, f"""
        SELECT player_id, sum(balance) FROM ledger_accounts
         WHERE player_id >= {FIRST_PLAYER} AND currency = '{CURRENCY}' AND balance_kind IN ('real', 'bonus')
         GROUP BY player_id""")}

    # A rollback answered RS_OK reversed its bet: the bet applied (acknowledged, or it committed
    # while its answer was lost and the rollback came first; then both are in the ledger and the
    # money is back where it was). One answered RS_ERROR_TRANSACTION_DOES_NOT_EXIST found no bet
    # and left a tombstone (docs/providers/hub88.md), so the bet never applies.
    for bet_uuid, op_id in rollbacks.items():
        amount = bets[bet_uuid]["payload"]["amount"]
        if bet_uuid in acked:
            expected_delta[bets[bet_uuid]["payload"]["user"]] += amount
        else:
            expected_rows[bet_uuid] = ("bet", -amount)
        expected_rows[op_id] = ("rollback", amount)
    expected_tombstones = set(tombstoned.values())
    refused_after_tombstone = [b for b in tombstoned
                               if not bets[b]["final"] or bets[b]["final"]["status"] != ROLLED_BACK]

    lost = [k for k, (kind, delta) in expected_rows.items()
            if k not in ledger or ledger[k][0] != kind or ledger[k][2] != delta]
    lost += [k for k in expected_tombstones if k not in tombstones]
    lost += [k for k in expected_free if free.get(k) != RS_OK]
    # Applied, yet the provider's final answer was a refusal (or the call was never sent): money
    # moved that the provider does not know of.
    unacknowledged = [k for k in ledger if k not in expected_rows]
    mismatched = []
    for player in config["players"]:
        want = config["initial"] + expected_delta[player]
        got = balances.get(int(player))
        if got != want:
            mismatched.append(f"player {player}: ledger {got}, journal says {want}")
    committed_unanswered = sum(1 for k in unknown if k in ledger and ledger[k][3]
                               and not any(a["definite"] and a["done"] < killed_at for a in ops[k]["attempts"]))
    replayed: dict[str, list[dict]] = defaultdict(list)
    for r in replays:
        replayed[r["op"]].append(r)
    replay_differing = sum(1 for op_id, attempts in replayed.items()
                           if not attempts[-1]["definite"] or attempts[-1]["status"] != ops[op_id]["final"]["status"]
                           or any(r["hash"] not in ops[op_id]["hashes"] for r in attempts))
    # A refusal shows the balance of the moment; an RS_OK replay the balance of the first answer.
    replay_balance = Counter(ops[r["op"]]["ep"] for r in replays if r["definite"] and r["status"] == RS_OK
                             and r["balance"] != ops[r["op"]]["final"]["balance"])

    after = [a for op in ops.values() for a in op["attempts"] if a["sent"] > killed_at]
    first_ok = min((a["done"] for a in after if a["status"] == RS_OK), default=None)
    last_unknown = max((a["done"] for a in after if not a["definite"]), default=None)
    kind = args.kind
    print(f"calls sent: {len(ops)} ({sum(len(op['attempts']) for op in ops.values())} attempts); "
          f"final answers: {', '.join(f'{s}={n}' for s, n in sorted(statuses.items()))}")
    print(f"acknowledged (RS_OK) before the crash: {acked_before}; acknowledged in all: {len(acked)}")
    print(f"unknown outcomes: {len(unknown)} calls ({', '.join(f'{e} ×{n}' for e, n in errors.most_common())}); "
          f"{sum(1 for k in unknown if k in ledger and ledger[k][3])} of them had committed before the crash "
          f"({committed_unanswered} with no answer before it), {sum(1 for k in unknown if k in acked)} ended RS_OK")
    slowest = max(a["done"] - a["sent"] for op in ops.values() for a in op["attempts"])
    print(f"after the kill: first RS_OK at +{first_ok - killed_at:.1f} s, last unknown outcome at "
          f"+{(last_unknown - killed_at) if last_unknown else 0:.1f} s; slowest attempt {slowest:.1f} s"
          if first_ok else "after the kill: no RS_OK at all")
    print(f"retried: {retries} attempts after the first; rollbacks sent for bets of unknown outcome: "
          f"{sum(1 for op in ops.values() if op['ep'] == 'transaction/rollback' and op['payload']['reference_transaction_uuid'] in unknown)}")
    print(f"replays of answered calls: {len(replayed)}, {replay_differing} answered another status; "
          f"RS_OK with another balance than the first answer's: "
          f"{', '.join(f'{e} ×{n}' for e, n in sorted(replay_balance.items())) or 'none'}")
    print(f"ledger: {len(ledger)} hub88 transactions, {len(tombstones)} tombstones, {len(free)} zero wins; "
          f"players whose balance differs from the journal's arithmetic: {len(mismatched)}")
    for name, items in (("unresolved (no definite answer)", unresolved), ("sent with a changed body", changed_bodies),
                        ("answered two ways", contradicting), ("applied though not acknowledged", unacknowledged),
                        ("lost (acknowledged, not in the ledger)", lost), ("balance mismatch", mismatched),
                        ("bets not refused after their rollback's tombstone", refused_after_tombstone)):
        if items:
            failures.append(f"{len(items)} {name}")
            for item in items[:5]:
                print(f"  {name}: {item}")
    if applied_twice:
        failures.append(f"{applied_twice} applied twice")
    if replay_differing:
        failures.append(f"{replay_differing} replays answered another status")
    if args.audit_violations != "0":
        failures.append(f"audit: {args.audit_violations} violations")
    print(f"crash {kind}: {len(lost)} lost, {applied_twice} applied twice, audit {args.audit_violations} violations")
    for failure in failures:
        print(f"crash {kind}: FAIL {failure}")
    sys.exit(1 if failures else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--dir", required=True)
    p.add_argument("--psql-db", required=True)
    p.add_argument("--croupier", required=True)
    p.add_argument("--players", type=int, default=32)
    p.set_defaults(func=setup)
    p = sub.add_parser("load")
    p.add_argument("--dir", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds one attempt waits for its answer before the call's outcome is unknown")
    p.add_argument("--stop-file", required=True)
    p.set_defaults(func=load)
    p = sub.add_parser("replay")
    p.add_argument("--dir", required=True)
    p.add_argument("--url", required=True)
    p.set_defaults(func=replay)
    p = sub.add_parser("verify")
    p.add_argument("--dir", required=True)
    p.add_argument("--psql-db", required=True)
    p.add_argument("--killed-at-file", required=True)
    p.add_argument("--kind", required=True)
    p.add_argument("--audit-violations", required=True, help="the count `croupier audit` printed")
    p.set_defaults(func=verify)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
