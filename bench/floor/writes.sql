-- The rows the same batch writes, and nothing else: per bet a transaction, a transfer to the
-- house, the player's balance and an outbox event (payload as ledger_apply_batch_v2 builds it),
-- in one statement and one commit. No idempotency check, no lock order, no refusals, no hooks:
-- the floor under what a batch of :n bets can cost with this schema. The players and keys are
-- drawn as floor_call draws them (arguments.sql). The rows are a true ledger (the audit after
-- the run passes): the balances come from the update itself, and each client has its own players.
\set draw random(0, 1000000000)
WITH drawn AS MATERIALIZED (
    SELECT g AS m, f.player_id AS player, 'floor-' || nextval('floor_keys') AS key
      FROM generate_series(1, :n::integer) AS g,
           LATERAL (SELECT x.player_id FROM floor_players x
                     WHERE x.position = :client_id::integer * :span::integer + ((:draw::bigint * :n::integer + g) % :span::integer) LIMIT 1) f
     ORDER BY g
), ops AS MATERIALIZED (
    -- Probes by key, as the batch function's: planned for an unknown n, joins became hashes of
    -- the whole table.
    SELECT o.m, o.player, o.key, r.id AS real_id, b.balance AS bonus_now, l.balance AS locked_now,
           nextval(pg_get_serial_sequence('ledger_transactions', 'id')::regclass) AS id
      FROM drawn o,
           LATERAL (SELECT x.id FROM ledger_accounts x
                     WHERE x.player_id = o.player AND x.currency = 'EUR' AND x.balance_kind = 'real' LIMIT 1) r,
           LATERAL (SELECT x.balance FROM ledger_accounts x
                     WHERE x.player_id = o.player AND x.currency = 'EUR' AND x.balance_kind = 'bonus' LIMIT 1) b,
           LATERAL (SELECT x.balance FROM ledger_accounts x
                     WHERE x.player_id = o.player AND x.currency = 'EUR' AND x.balance_kind = 'locked' LIMIT 1) l
     ORDER BY o.m
), house AS (
    SELECT id FROM ledger_accounts WHERE house_code = 'games' || chr(58) || 'bench' AND currency = 'EUR'
), balances AS (
    -- From an array, as the batch function's update: joined to the CTE, planned for an unknown
    -- n, it hashed the whole table.
    UPDATE ledger_accounts a SET balance = a.balance - 1
      FROM unnest((SELECT array_agg(real_id) FROM ops)) AS d(id) WHERE a.id = d.id RETURNING a.id, a.balance
), transactions AS (
    INSERT INTO ledger_transactions (id, idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency,
                                     real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after, metadata)
    OVERRIDING SYSTEM VALUE
    SELECT ops.id, 'floor', ops.key, '\x0001'::bytea, 'bet', ops.player, 'EUR', -1, 0, 0, balances.balance, ops.bonus_now,
           ops.locked_now, '{}'::jsonb
      FROM ops JOIN balances ON balances.id = ops.real_id ORDER BY ops.m
), transfers AS (
    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
    SELECT ops.id, ops.real_id, house.id, 1 FROM ops, house ORDER BY ops.m
)
INSERT INTO outbox (event_id, subject, payload)
SELECT gen_random_uuid(), 'croupier.ledger.bet', jsonb_build_object(
           'transactionId', ops.id, 'kind', 'bet', 'playerId', ops.player, 'currency', 'EUR',
           'idempotencyKey', 'floor' || chr(58) || ops.key, 'delta', jsonb_build_object('real', -1, 'bonus', 0, 'locked', 0),
           'balance', jsonb_build_object('real', balances.balance, 'bonus', ops.bonus_now, 'locked', ops.locked_now),
           'reference', NULL, 'house', 'games' || chr(58) || 'bench', 'metadata', '{}'::jsonb)
  FROM ops JOIN balances ON balances.id = ops.real_id ORDER BY ops.m;
