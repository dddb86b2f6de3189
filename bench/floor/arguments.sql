-- A helper the floor benchmark installs in its own scratch database (never in a migration): the
-- arguments of one batch of n bets, one per player, for pgbench's client `client`, whose players
-- are the `span` from client × span. Each client has its own players, as two batches the
-- batcher keeps in flight never share one, so no two batches wait on each other. The keys are
-- new every call.
CREATE SEQUENCE floor_keys;
CREATE TABLE floor_players AS
SELECT (row_number() OVER (ORDER BY player_id) - 1)::integer AS position, player_id, id AS account_id
  FROM ledger_accounts WHERE player_id IS NOT NULL AND currency = 'EUR' AND balance_kind = 'real';
CREATE UNIQUE INDEX ON floor_players (position);
ANALYZE floor_players;

CREATE FUNCTION floor_batch(n integer, client integer, span integer, draw bigint, OUT keys text[], OUT players bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    -- One probe a bet, whatever plan the connection keeps (a join was planned as a hash of the table).
    SELECT array_agg('floor-' || nextval('floor_keys') ORDER BY g), array_agg(f.player_id ORDER BY g) INTO keys, players
      FROM generate_series(1, n) AS g,
           LATERAL (SELECT x.player_id FROM floor_players x WHERE x.position = client * span + ((draw * n + g) % span) LIMIT 1) f;
END
$$;
