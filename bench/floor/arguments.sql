-- What the floor benchmark installs in its own scratch database (never in a migration): its
-- players, and the procedure that draws one batch of n bets and applies it. A batch's players are
-- one for each bet, from the `span` players of pgbench's client `client` (client × span on): each
-- client has its own, as two batches the batcher keeps in flight never share one, so no two
-- batches wait on each other. Its keys are new every call.
CREATE SEQUENCE floor_keys;
CREATE TABLE floor_players AS
SELECT (row_number() OVER (ORDER BY player_id) - 1)::integer AS position, player_id
  FROM ledger_accounts WHERE player_id IS NOT NULL AND currency = 'EUR' AND balance_kind = 'real';
CREATE UNIQUE INDEX ON floor_players (position);
ANALYZE floor_players;

-- One batch through the procedure the batcher calls (migration 0056), in the round trip of its
-- own CALL, as the batcher's is one.
CREATE PROCEDURE floor_call(n integer, client integer, span integer, draw bigint)
LANGUAGE plpgsql AS $$
DECLARE
    keys text[];
    players bigint[];
    -- The procedure's answer, one array per column (unread here; PL/pgSQL passes them as variables).
    ordinals integer[]; refusals text[]; codes text[]; transaction_ids bigint[];
    real_balances bigint[]; bonus_balances bigint[]; locked_balances bigint[]; replays boolean[];
BEGIN
    -- One probe a bet, whatever plan the connection keeps (a join was planned as a hash of the table).
    SELECT array_agg('floor-' || nextval('floor_keys') ORDER BY g), array_agg(f.player_id ORDER BY g) INTO keys, players
      FROM generate_series(1, n) AS g,
           LATERAL (SELECT x.player_id FROM floor_players x WHERE x.position = client * span + ((draw * n + g) % span) LIMIT 1) f;
    CALL ledger_apply_batch_committed(
        array_fill('floor'::text, ARRAY[n]), keys, array_fill('\x0001'::bytea, ARRAY[n]), array_fill('bet'::text, ARRAY[n]),
        players, array_fill('EUR'::text, ARRAY[n]), array_fill(1::bigint, ARRAY[n]), array_fill('games:bench'::text, ARRAY[n]),
        array_fill(''::text, ARRAY[n]), array_fill(''::text, ARRAY[n]), array_fill('{}'::text, ARRAY[n]),
        array_fill('{}'::text, ARRAY[n]), array_fill('{}'::text, ARRAY[n]), array_fill('{}'::text, ARRAY[n]),
        ordinals, refusals, codes, transaction_ids, real_balances, bonus_balances, locked_balances, replays);
END
$$;
