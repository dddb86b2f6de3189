-- Analytics learns of the games catalogued before Games published `game_changed`
-- (docs/events.md): one event per game, as of now, dated when its row last changed in
-- `occurred_at` (0043). The relay publishes them like any other event.
-- Revert: nothing to undo (events once published stay published).
INSERT INTO outbox (event_id, subject, payload, occurred_at)
SELECT gen_random_uuid(), 'croupier.games.game_changed',
       jsonb_build_object('provider', provider, 'game', code, 'name', name, 'category', category), updated_at
  FROM games_catalog ORDER BY provider, code;
