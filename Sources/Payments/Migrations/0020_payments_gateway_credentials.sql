-- Gateways' credentials kept in PostgreSQL (docs/payments.md, "Gateway credentials"), set by
-- `croupier gateways add` and switched by `… enable|disable` and the console. The API key and
-- the webhook secret are sealed together (AES-GCM under a key derived from CROUPIER_SECRET_KEY,
-- bound to the gateway's code); only their fingerprints are shown.
-- Revert: DROP TABLE payments_gateway_credentials;

CREATE TABLE payments_gateway_credentials (
    gateway text PRIMARY KEY CHECK (gateway IN ('stripe', 'nowpayments')),
    api_url text NOT NULL CHECK (api_url ~ '^https?://'),
    credentials bytea NOT NULL,
    api_key_fingerprint text NOT NULL,
    secret_fingerprint text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);
