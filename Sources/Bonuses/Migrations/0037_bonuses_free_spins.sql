-- Free-spin campaigns (docs/bonuses.md "Free spins"): a grant of this kind starts with no money;
-- the provider keeps the spins (awarded through its operator API under the reward id below), and
-- each win of a spin becomes bonus money of the grant, wagered ×N of what was won.
-- Revert: DROP TABLE bonuses_free_spin_wins, bonuses_free_spins;
--         ALTER TABLE bonuses_grants DROP CONSTRAINT bonuses_grants_units_check, ADD CHECK (units > 0);
--         ALTER TABLE bonuses_campaigns DROP COLUMN spins, DROP COLUMN spin_game, DROP COLUMN spin_days,
--           DROP CONSTRAINT bonuses_campaigns_kind_check, ADD CHECK (kind IN ('deposit_match', 'fixed'));

ALTER TABLE bonuses_campaigns DROP CONSTRAINT bonuses_campaigns_kind_check,
    ADD CONSTRAINT bonuses_campaigns_kind_check CHECK (kind IN ('deposit_match', 'fixed', 'free_spins')),
    -- For `free_spins`: how many, on which game, valid how many days; `amount_units` is one spin's stake.
    ADD COLUMN spins integer CHECK (spins BETWEEN 1 AND 500),
    ADD COLUMN spin_game text CHECK (spin_game ~ '^[a-z0-9-]{1,64}$'),
    ADD COLUMN spin_days integer,
    ADD CONSTRAINT bonuses_campaigns_spin_days CHECK (spin_days BETWEEN 1 AND expiry_days),
    ADD CONSTRAINT bonuses_campaigns_free_spins_terms
        CHECK ((kind = 'free_spins') = (spins IS NOT NULL AND spin_game IS NOT NULL AND spin_days IS NOT NULL));

-- A free-spin grant holds nothing until a spin wins; its units and requirement grow with each
-- win (by the campaign's multiplier: terms never change, so the campaign's is the grant's).
ALTER TABLE bonuses_grants DROP CONSTRAINT bonuses_grants_units_check,
    ADD CONSTRAINT bonuses_grants_units_check CHECK (units >= 0);

-- The spins of a free-spin grant as Bonuses knows them: the reward id the provider keeps them
-- under, and whether they are over (all played, expired, or cancelled with the grant).
CREATE TABLE bonuses_free_spins (
    grant_id bigint PRIMARY KEY REFERENCES bonuses_grants (id),
    reward text NOT NULL UNIQUE,
    provider text NOT NULL,
    game_code text NOT NULL,
    spins integer NOT NULL CHECK (spins > 0),
    spin_units bigint NOT NULL CHECK (spin_units > 0),
    valid_until timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX bonuses_free_spins_open ON bonuses_free_spins (valid_until) WHERE ended_at IS NULL;

-- Each win of a spin, once: its ledger `bonus_grant` (keyed `bonuses:spin-win:<provider>:<transaction>`)
-- and what it added to the grant. The auditor checks each row against the ledger and that a
-- free-spin grant's units are their sum.
CREATE TABLE bonuses_free_spin_wins (
    provider text NOT NULL,
    transaction_uuid text NOT NULL,
    grant_id bigint NOT NULL REFERENCES bonuses_grants (id),
    units bigint NOT NULL CHECK (units > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, transaction_uuid)
);
CREATE INDEX bonuses_free_spin_wins_grant ON bonuses_free_spin_wins (grant_id);
