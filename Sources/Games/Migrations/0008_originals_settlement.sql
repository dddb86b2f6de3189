-- Croupier Originals records a round before sending its win, so a win the wallet did not
-- answer is sent again until it is (docs/games/originals.md).
-- Revert: DROP INDEX originals_rounds_unsettled; ALTER TABLE originals_rounds DROP COLUMN settled_at, DROP COLUMN operator_token;

ALTER TABLE originals_rounds ADD COLUMN operator_token text, ADD COLUMN settled_at timestamptz;
UPDATE originals_rounds SET settled_at = created_at;
CREATE INDEX originals_rounds_unsettled ON originals_rounds (created_at) WHERE settled_at IS NULL;
