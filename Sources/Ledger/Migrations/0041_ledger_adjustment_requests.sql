-- Manual adjustments with four eyes (docs/ledger.md "Adjustment requests"): one staff member
-- asks for a credit or debit of a player's real balance, another approves it, and only then does
-- the ledger move the money, keyed `adjustment_request:<id>` in the approval's transaction. The
-- ledger knows staff only as actor strings (`staff:<id>`), as in every transaction's metadata.
-- `requires_owner` is decided when asked (the amount against the operator's threshold) and
-- checked when approved. A request past `expires_at` is expired: it can no longer be decided.
-- Revert: DROP TABLE ledger_adjustment_requests;

CREATE TABLE ledger_adjustment_requests (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    currency text NOT NULL REFERENCES ledger_currencies (code),
    -- Positive credits, negative debits; never zero.
    units bigint NOT NULL CHECK (units <> 0),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    requested_by text NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 100),
    -- The requester's idempotency key: a retried request answers the first.
    request_key text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
    requires_owner boolean NOT NULL,
    requested_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL CHECK (expires_at > requested_at),
    state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'rejected')),
    decided_by text CHECK (decided_by <> requested_by OR state = 'rejected'),
    decided_at timestamptz,
    transaction_id bigint UNIQUE REFERENCES ledger_transactions (id),
    -- Whether the approver was an owner, as the caller said; the transaction's metadata says it too.
    approver_is_owner boolean,
    UNIQUE (requested_by, request_key),
    -- Approved means money moved; a decision names who made it.
    CHECK ((state = 'approved') = (transaction_id IS NOT NULL)),
    CHECK ((state = 'requested') = (decided_by IS NULL AND decided_at IS NULL)),
    CHECK ((state = 'approved') = (approver_is_owner IS NOT NULL)),
    CHECK (state <> 'approved' OR NOT requires_owner OR approver_is_owner)
);

CREATE INDEX ledger_adjustment_requests_open ON ledger_adjustment_requests (expires_at) WHERE state = 'requested';
CREATE INDEX ledger_adjustment_requests_player ON ledger_adjustment_requests (player_id, id DESC);
