-- One batch of :n bets through the procedure the batcher calls (migration 0056), as one round trip.
\set draw random(0, 1000000000)
SELECT keys, players FROM floor_batch(:n, :client_id, :span, :draw) \gset
CALL ledger_apply_batch_committed(
  array_fill('floor'::text, ARRAY[:n::integer]), :keys::text[],
  array_fill('\x0001'::bytea, ARRAY[:n::integer]), array_fill('bet'::text, ARRAY[:n::integer]),
  :players::bigint[], array_fill('EUR'::text, ARRAY[:n::integer]), array_fill(1::bigint, ARRAY[:n::integer]),
  array_fill('games' || chr(58) || 'bench', ARRAY[:n::integer]),
  array_fill(''::text, ARRAY[:n::integer]), array_fill(''::text, ARRAY[:n::integer]),
  array_fill('{}'::text, ARRAY[:n::integer]), array_fill('{}'::text, ARRAY[:n::integer]),
  array_fill('{}'::text, ARRAY[:n::integer]), array_fill('{}'::text, ARRAY[:n::integer]));
