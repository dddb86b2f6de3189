-- The house account each movement names (docs/events.md, ledger events from PostgreSQL migration
-- 0049 on); '' for a movement that names none, and for movements loaded before.
-- One ADD COLUMN per ALTER: the migrator takes a re-run's "already exists" as done (see 0004).
-- Revert: ALTER TABLE money_movements DROP COLUMN house;
ALTER TABLE money_movements ADD COLUMN house String DEFAULT '';
