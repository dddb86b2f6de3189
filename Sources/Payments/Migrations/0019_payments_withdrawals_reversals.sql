-- Withdrawals (docs/payments.md, "Withdrawals").
--
-- awaiting_confirmation → (review | pending_approval | approved) → processing → paid | failed | unknown
-- unknown → paid | failed (reconciliation); review → pending_approval | approved | rejected;
-- pending_approval → approved | rejected; pending_approval and approved go back to review when a
-- refund or dispute takes money back; and until processing starts the player may cancel.
-- The trigger below refuses any other move. Funds are held (real → locked) when the player
-- confirms with the e-mailed code, in the same transaction as the move out of
-- awaiting_confirmation; paid posts the hold, failed/rejected/cancelled void it, unknown keeps it.
--
-- Deposits also learn what their gateway took back (refunds and disputes): the gateway's running
-- totals, in ledger units, and how much of them the ledger has charged back (docs/payments.md,
-- "Refunds and chargebacks").
-- Revert: DROP TABLE payments_sandbox_payouts, payments_withdrawals;
--         DROP FUNCTION payments_refuse_backward_withdrawal;
--         ALTER TABLE payments_deposits DROP COLUMN refunded_units, DROP COLUMN disputed_units, DROP COLUMN reversed_units;

ALTER TABLE payments_deposits
    ADD COLUMN refunded_units bigint NOT NULL DEFAULT 0 CHECK (refunded_units >= 0),
    ADD COLUMN disputed_units bigint NOT NULL DEFAULT 0 CHECK (disputed_units >= 0),
    ADD COLUMN reversed_units bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT payments_deposits_reversed_within CHECK (reversed_units BETWEEN 0 AND units);

CREATE TABLE payments_withdrawals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id text NOT NULL UNIQUE CHECK (public_id ~ '^wdr_[A-Za-z0-9_-]{22}$'),
    player_id bigint NOT NULL,
    gateway text NOT NULL CHECK (gateway ~ '^[a-z][a-z0-9_]{0,39}$'),
    currency text NOT NULL,
    -- Ledger units: what leaves the player's balance, and of it the gateway's fee.
    units bigint NOT NULL CHECK (units > 0),
    fee_units bigint NOT NULL CHECK (fee_units >= 0 AND fee_units < units),
    -- What the destination receives, in the gateway's own units.
    payout_gateway_units bigint NOT NULL CHECK (payout_gateway_units > 0),
    destination text NOT NULL CHECK (length(destination) BETWEEN 1 AND 128),
    state text NOT NULL DEFAULT 'awaiting_confirmation' CHECK (state IN (
        'awaiting_confirmation', 'review', 'pending_approval', 'approved', 'processing', 'unknown', 'paid', 'failed', 'rejected',
        'cancelled')),
    -- Why it waits, failed, was rejected or cancelled, in words the player can act on (English),
    -- and the same as a code the pages say in the player's language (NULL: staff's own words).
    reason text,
    reason_code text CHECK (reason_code ~ '^[a-zA-Z]{1,40}$'),
    -- Above the second threshold two different staff members approve (four eyes).
    approvals_needed smallint NOT NULL DEFAULT 1 CHECK (approvals_needed IN (1, 2)),
    first_approver bigint,
    second_approver bigint CHECK (second_approver IS NULL OR second_approver <> first_approver),
    gateway_reference text,
    -- When reconciliation asks the gateway next about a payout in processing or unknown.
    next_check_at timestamptz,
    checks integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    settled_at timestamptz,
    CHECK ((state IN ('paid', 'failed', 'rejected', 'cancelled')) = (settled_at IS NOT NULL))
);
CREATE INDEX payments_withdrawals_player ON payments_withdrawals (player_id, id);
CREATE INDEX payments_withdrawals_open ON payments_withdrawals (state, id)
    WHERE state IN ('review', 'pending_approval', 'approved', 'processing', 'unknown');

CREATE FUNCTION payments_refuse_backward_withdrawal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = NEW.state THEN RETURN NEW; END IF;
    IF (OLD.state = 'awaiting_confirmation' AND NEW.state IN ('review', 'pending_approval', 'approved', 'failed', 'cancelled'))
       OR (OLD.state = 'review' AND NEW.state IN ('pending_approval', 'approved', 'rejected', 'cancelled'))
       OR (OLD.state = 'pending_approval' AND NEW.state IN ('review', 'approved', 'rejected', 'cancelled'))
       OR (OLD.state = 'approved' AND NEW.state IN ('review', 'processing', 'cancelled'))
       OR (OLD.state = 'processing' AND NEW.state IN ('paid', 'failed', 'unknown'))
       OR (OLD.state = 'unknown' AND NEW.state IN ('paid', 'failed')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'withdrawal % cannot go from % to %', OLD.public_id, OLD.state, NEW.state
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER payments_withdrawals_forward_only BEFORE UPDATE OF state ON payments_withdrawals
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_backward_withdrawal();

-- The sandbox's own record of the payouts it was asked for (what a real gateway keeps).
CREATE TABLE payments_sandbox_payouts (
    withdrawal_id text PRIMARY KEY,
    reference text NOT NULL UNIQUE CHECK (reference ~ '^sbp_[A-Za-z0-9_-]{22}$'),
    destination text NOT NULL,
    currency text NOT NULL,
    gateway_units bigint NOT NULL CHECK (gateway_units > 0),
    status text NOT NULL CHECK (status IN ('paid', 'failed')),
    created_at timestamptz NOT NULL DEFAULT now()
);
