-- The Bonuses context (docs/bonuses.md): campaigns, grants and their wagering, and the two hooks
-- the ledger runs inside a Hub88 bet's transaction (docs/ledger.md "Hooks"). Money itself lives
-- in the ledger (`bonus_grant`, `bonus_convert`, `bonus_forfeit`); these tables hold the terms
-- and the progress. Nothing here names another context's tables.
-- Revert: DROP FUNCTION bonuses_record_wager_v1, bonuses_check_bet_v1;
--         DROP TABLE bonuses_codes_entered, bonuses_grant_requests, bonuses_grants, bonuses_game_contributions, bonuses_campaigns;

CREATE TABLE bonuses_campaigns (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    currency text NOT NULL,
    -- `deposit_match`: match_percent of the deposit, at most amount_units; `fixed`: amount_units.
    kind text NOT NULL CHECK (kind IN ('deposit_match', 'fixed')),
    match_percent integer CHECK (match_percent BETWEEN 1 AND 1000),
    amount_units bigint NOT NULL CHECK (amount_units > 0),
    -- `first_deposit`: the player's first completed deposit; `code`: a deposit after entering `code`.
    eligibility text NOT NULL CHECK (eligibility IN ('first_deposit', 'code')),
    code text UNIQUE CHECK (code ~ '^[A-Z0-9]{3,32}$'),
    wagering_multiplier integer NOT NULL CHECK (wagering_multiplier BETWEEN 0 AND 100),
    wagering_base text NOT NULL CHECK (wagering_base IN ('bonus', 'bonus_and_deposit')),
    max_bet_units bigint CHECK (max_bet_units > 0),
    expiry_days integer NOT NULL CHECK (expiry_days BETWEEN 1 AND 365),
    max_conversion_units bigint CHECK (max_conversion_units > 0),
    enabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'deposit_match') = (match_percent IS NOT NULL)),
    CHECK ((eligibility = 'code') = (code IS NOT NULL))
);

-- What a bet on a game counts towards wagering, by the longest matching game-code prefix;
-- a game no prefix matches counts 100 % (slots). Data, since Games' catalogue is Games' own.
CREATE TABLE bonuses_game_contributions (
    game_prefix text PRIMARY KEY CHECK (length(game_prefix) BETWEEN 1 AND 100),
    percent integer NOT NULL CHECK (percent BETWEEN 0 AND 100)
);

-- A grant copies its campaign's terms, so that editing a campaign never changes a running bonus.
CREATE TABLE bonuses_grants (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    currency text NOT NULL,
    campaign_id bigint NOT NULL REFERENCES bonuses_campaigns (id),
    -- What caused it, once: `deposit:<deposit id>` or `manual:<request id>`.
    source text NOT NULL UNIQUE,
    units bigint NOT NULL CHECK (units > 0),
    required_units bigint NOT NULL CHECK (required_units >= 0),
    -- Every contribution, not capped at what is required, so that a bet's rollback takes back
    -- exactly what the bet added.
    wagered_units bigint NOT NULL DEFAULT 0 CHECK (wagered_units >= 0),
    max_bet_units bigint,
    max_conversion_units bigint,
    expires_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'converted', 'forfeited', 'expired')),
    converted_units bigint NOT NULL DEFAULT 0 CHECK (converted_units >= 0),
    forfeited_units bigint NOT NULL DEFAULT 0 CHECK (forfeited_units >= 0),
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz,
    CHECK ((state = 'active') = (settled_at IS NULL))
);
-- One running bonus per player and currency: the ledger has one `bonus` account there, so two
-- would share money no rule could tell apart.
CREATE UNIQUE INDEX bonuses_grants_one_active ON bonuses_grants (player_id, currency) WHERE state = 'active';
CREATE INDEX bonuses_grants_due ON bonuses_grants (expires_at) WHERE state = 'active';

-- A manual grant asked by one staff member and decided by another (four eyes), within 24 hours.
CREATE TABLE bonuses_grant_requests (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    campaign_id bigint NOT NULL REFERENCES bonuses_campaigns (id),
    deposit_units bigint NOT NULL DEFAULT 0 CHECK (deposit_units >= 0),
    note text NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
    requested_by bigint NOT NULL,
    requested_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'rejected')),
    decided_by bigint CHECK (decided_by <> requested_by),
    decided_at timestamptz,
    grant_id bigint REFERENCES bonuses_grants (id),
    CHECK ((state = 'requested') = (decided_by IS NULL))
);
CREATE INDEX bonuses_grant_requests_open ON bonuses_grant_requests (requested_at) WHERE state = 'requested';

-- The code a player typed in the cashier, claimed by their next completed deposit.
CREATE TABLE bonuses_codes_entered (
    player_id bigint NOT NULL,
    currency text NOT NULL,
    code text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (player_id, currency)
);

-- Check before a bet: while a bonus runs in the bet's currency, a stake above its maximum is
-- refused with `bonusMaxBet`. STABLE: it reads only.
CREATE FUNCTION bonuses_check_bet_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1 FROM bonuses_grants
     WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active'
       AND max_bet_units IS NOT NULL AND (p_call->>'bet')::bigint > max_bet_units;
    RETURN CASE WHEN FOUND THEN 'bonusMaxBet' END;
END
$$;

-- Follow-up of an applied bet: its contribution (the stake × the game's percent, rounded down)
-- advances the running bonus's wagering; of a bet's rollback (a negative `bet`, the rolled-back
-- bet's game), the same contribution is taken back. The row lock it takes is the grant's, which
-- only this player's calls touch.
CREATE FUNCTION bonuses_record_wager_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    game text := coalesce(p_call->>'game', '');
    contribution numeric;
BEGIN
    IF (p_call->>'bet')::bigint = 0 THEN RETURN; END IF;
    -- div(): an exact integer division (numeric's `/` rounds large quotients to its own scale),
    -- of the stake's size, so that a rollback takes back exactly what its bet added.
    contribution := sign((p_call->>'bet')::numeric) * div(abs((p_call->>'bet')::numeric) * coalesce(
        (SELECT c.percent FROM bonuses_game_contributions c
          WHERE left(game, length(c.game_prefix)) = c.game_prefix ORDER BY length(c.game_prefix) DESC LIMIT 1), 100), 100);
    UPDATE bonuses_grants
       SET wagered_units = greatest(0, least(9223372036854775807, wagered_units + contribution))::bigint
     WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active';
END
$$;
