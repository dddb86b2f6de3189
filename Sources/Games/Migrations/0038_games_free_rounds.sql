-- Free rounds (docs/games/originals.md "Free rounds"): the operator awards a player N rounds of
-- a stake on one game under its reward id, through Originals' operator API; each round Originals
-- plays from it is a Hub88 bet with `is_free` and that `reward_uuid`. The wallet keeps the reward
-- of a free bet, so that its win can be told apart from a provider's own promotion.
-- Revert: DROP TABLE originals_free_rounds; ALTER TABLE originals_rounds DROP COLUMN reward;
--         ALTER TABLE games_free_transactions DROP COLUMN reward_uuid;

ALTER TABLE games_free_transactions ADD COLUMN reward_uuid text;

CREATE TABLE originals_free_rounds (
    reward text PRIMARY KEY CHECK (length(reward) BETWEEN 1 AND 100),
    player text NOT NULL,
    game_code text NOT NULL,
    currency text NOT NULL,
    -- One round's stake in Hub88 units.
    bet_units bigint NOT NULL CHECK (bet_units > 0),
    rounds integer NOT NULL CHECK (rounds > 0),
    used integer NOT NULL DEFAULT 0 CHECK (used BETWEEN 0 AND rounds),
    valid_until timestamptz NOT NULL,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX originals_free_rounds_player ON originals_free_rounds (player, game_code) WHERE cancelled_at IS NULL;

-- The reward a free round was played from (nil for a paid round).
ALTER TABLE originals_rounds ADD COLUMN reward text;
