-- Payments (docs/payments.md): deposits and the webhook inbox.
--
-- A deposit moves only along created → pending → completed | failed | expired (the trigger
-- below refuses anything else), so no event, however late or repeated, moves it backwards.
-- Completion credits the player through Ledger's API in the same transaction, keyed by the
-- deposit's id: a second credit for one deposit is a ledger replay, never new money.
--
-- The inbox keeps every verified webhook exactly as it arrived (raw bytes), once per
-- (gateway, event id); a background service processes it with retries.
-- Revert: DROP TABLE payments_webhook_events, payments_deposits;
--         DROP FUNCTION payments_refuse_backward_deposit;

CREATE TABLE payments_deposits (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the player and the gateway see: unguessable, so one player cannot probe another's.
    public_id text NOT NULL UNIQUE CHECK (public_id ~ '^dep_[A-Za-z0-9_-]{22}$'),
    player_id bigint NOT NULL,
    gateway text NOT NULL CHECK (gateway ~ '^[a-z][a-z0-9_]{0,39}$'),
    currency text NOT NULL,
    -- Ledger units of the currency (its scale), and the same amount in the gateway's own units.
    units bigint NOT NULL CHECK (units > 0),
    gateway_units bigint NOT NULL CHECK (gateway_units > 0),
    state text NOT NULL DEFAULT 'created' CHECK (state IN ('created', 'pending', 'completed', 'failed', 'expired')),
    -- The gateway's id for this payment (a Checkout Session id), once it answered.
    gateway_reference text,
    redirect_url text,
    reason text,
    first_deposit boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    UNIQUE (gateway, gateway_reference),
    CHECK ((state = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX payments_deposits_player ON payments_deposits (player_id, id);
-- At most one completed deposit can be a player's first.
CREATE UNIQUE INDEX payments_deposits_one_first ON payments_deposits (player_id) WHERE first_deposit;

CREATE FUNCTION payments_refuse_backward_deposit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = NEW.state THEN RETURN NEW; END IF;
    IF (OLD.state = 'created' AND NEW.state IN ('pending', 'failed'))
       OR (OLD.state = 'pending' AND NEW.state IN ('completed', 'failed', 'expired')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'deposit % cannot go from % to %', OLD.public_id, OLD.state, NEW.state
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER payments_deposits_forward_only BEFORE UPDATE OF state ON payments_deposits
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_backward_deposit();

CREATE TABLE payments_webhook_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gateway text NOT NULL,
    event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type text NOT NULL,
    -- The body exactly as received and verified.
    payload bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- received: waiting; processed: its effect is done (or it had none to do); failed: retries
    -- exhausted, waiting for staff to re-process it.
    state text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'processed', 'failed')),
    -- What processing did, in words staff can read (credited, ignored because ..., error ...).
    outcome text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    UNIQUE (gateway, event_id)
);
CREATE INDEX payments_webhook_events_due ON payments_webhook_events (next_attempt_at, id) WHERE state = 'received';
