-- The sandbox gateway's own records (docs/payments.md, "Sandbox"): what a real gateway keeps on
-- its side, kept here because the sandbox is built in. Its hosted checkout page changes a
-- payment's status; the deposit learns of it only through the sandbox's signed webhooks, as it
-- would from a real gateway.
-- Revert: DROP TABLE payments_sandbox_payments;

CREATE TABLE payments_sandbox_payments (
    reference text PRIMARY KEY CHECK (reference ~ '^sbx_[A-Za-z0-9_-]{22}$'),
    deposit_id text NOT NULL UNIQUE,
    currency text NOT NULL,
    gateway_units bigint NOT NULL CHECK (gateway_units > 0),
    return_url text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'declined')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
