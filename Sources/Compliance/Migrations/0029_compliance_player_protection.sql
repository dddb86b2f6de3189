-- Player protection (docs/player-protection.md): the limits players set on themselves, their
-- time-outs and self-exclusions, their reality-check interval, and Compliance's own daily
-- stake and win counters, which the bet check sums so that it never reads Ledger's or Games'
-- tables. The bet check and the counting follow-up are published as ledger hooks
-- (`PlayerProtection.betCheck`, `PlayerProtection.countPlay`); nothing else calls them.
-- Revert: DROP FUNCTION compliance_count_play_v1, compliance_check_bet_v1;
--         DROP TABLE compliance_play_days, compliance_exclusions, compliance_protection_limits,
--                    compliance_protection_players;

-- One row per player who has set anything: the bet check's single probe. A player without a row
-- has no limit and no exclusion. `excluded_until` is the end of the latest exclusion
-- ('infinity' when permanent); `has_play_limits` says whether a loss or wager limit is in force.
CREATE TABLE compliance_protection_players (
    player_id bigint PRIMARY KEY,
    excluded_until timestamptz,
    exclusion_kind text CHECK (exclusion_kind IN ('timeOut', 'selfExclusion')),
    has_play_limits boolean NOT NULL DEFAULT false,
    reality_check_minutes integer NOT NULL DEFAULT 60 CHECK (reality_check_minutes BETWEEN 5 AND 600),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((excluded_until IS NULL) = (exclusion_kind IS NULL))
);

-- A limit per player, kind, period and currency. `units` is the limit in force (NULL: none in
-- force, only a pending one), in ledger units of `currency` (minutes for `session`, whose
-- currency and period are ''). A raise or removal waits in `pending_*`: `pending_effective_at`
-- set means one waits; `pending_units` NULL then means removal.
CREATE TABLE compliance_protection_limits (
    player_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('deposit', 'loss', 'wager', 'session')),
    period text NOT NULL CHECK (period IN ('day', 'week', 'month', '')),
    currency text NOT NULL,
    units bigint CHECK (units > 0),
    pending_units bigint CHECK (pending_units > 0),
    pending_effective_at timestamptz,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (player_id, kind, period, currency),
    CHECK ((kind = 'session') = (period = '' AND currency = '')),
    CHECK (pending_units IS NULL OR pending_effective_at IS NOT NULL),
    CHECK (units IS NOT NULL OR pending_effective_at IS NOT NULL)
);

-- Every time-out and self-exclusion ever taken; append-only (an exclusion is never shortened).
-- `ends_at` NULL is a permanent self-exclusion.
CREATE TABLE compliance_exclusions (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('timeOut', 'selfExclusion')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz CHECK (ends_at > starts_at)
);
CREATE INDEX compliance_exclusions_player ON compliance_exclusions (player_id, starts_at);

-- Stakes and wins per player, currency and UTC day, as the ledger applied them (bets, wins, and
-- rollbacks with their amounts negative). A week or a month is the sum of its days.
CREATE TABLE compliance_play_days (
    player_id bigint NOT NULL,
    currency text NOT NULL,
    day date NOT NULL,
    stake_units bigint NOT NULL,
    win_units bigint NOT NULL,
    PRIMARY KEY (player_id, currency, day)
);

-- A bet's protection check: NULL to go on; `timedOut` or `selfExcluded` during an exclusion;
-- `limitReached` when the bet would take the player past a loss (stakes − wins) or wager
-- (stakes) limit of the bet's currency in the current UTC day, ISO week or month. A player with
-- no row costs one index probe. With limits, it takes the player's Compliance lock (the one
-- deposits take, `PlayerLock`) until the bet's transaction ends, so two bets of one player are
-- weighed one after the other. VOLATILE so that the sums read after the lock see the latest
-- commit (a STABLE function would keep the snapshot taken before waiting).
CREATE FUNCTION compliance_check_bet_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p record;
    l record;
    v_bet bigint := (p_call->>'bet')::bigint;
    v_currency text := p_call->>'currency';
    v_today date := (now() AT TIME ZONE 'UTC')::date;
    v_from date;
    v_stake bigint;
    v_win bigint;
BEGIN
    SELECT excluded_until, exclusion_kind, has_play_limits INTO p FROM compliance_protection_players WHERE player_id = p_player;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF p.excluded_until > now() THEN
        RETURN CASE p.exclusion_kind WHEN 'timeOut' THEN 'timedOut' ELSE 'selfExcluded' END;
    END IF;
    IF NOT p.has_play_limits THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('compliance.player:' || p_player::text, 0));
    FOR l IN SELECT kind, period, units FROM compliance_protection_limits
              WHERE player_id = p_player AND currency = v_currency AND kind IN ('loss', 'wager') AND units IS NOT NULL LOOP
        v_from := CASE l.period WHEN 'day' THEN v_today
                                WHEN 'week' THEN date_trunc('week', v_today)::date
                                ELSE date_trunc('month', v_today)::date END;
        SELECT coalesce(sum(stake_units), 0), coalesce(sum(win_units), 0) INTO v_stake, v_win
          FROM compliance_play_days WHERE player_id = p_player AND currency = v_currency AND day BETWEEN v_from AND v_today;
        IF l.kind = 'wager' AND v_stake + v_bet > l.units THEN RETURN 'limitReached'; END IF;
        IF l.kind = 'loss' AND v_stake - v_win + v_bet > l.units THEN RETURN 'limitReached'; END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Follow-up of an applied bet, win or rollback: adds the call's `bet` and `win` (negative for a
-- rollback) to the player's day in the call's currency: today, or for a rollback the UTC day of
-- what it reverses (`day`), so that a stake staked before midnight and refunded after it is
-- taken back from the period it was counted in. Runs for every player, so that a limit set
-- mid-period counts the play before it.
CREATE FUNCTION compliance_count_play_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_play_days (player_id, currency, day, stake_units, win_units)
    VALUES (p_player, p_call->>'currency', coalesce((p_call->>'day')::date, (now() AT TIME ZONE 'UTC')::date), (p_call->>'bet')::bigint,
            (p_call->>'win')::bigint)
    ON CONFLICT (player_id, currency, day) DO UPDATE
       SET stake_units = compliance_play_days.stake_units + EXCLUDED.stake_units,
           win_units = compliance_play_days.win_units + EXCLUDED.win_units;
END
$$;
