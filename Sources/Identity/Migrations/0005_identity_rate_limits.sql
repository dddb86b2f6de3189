-- Fixed-window counters for sign-in endpoints, shared by every server copy (docs/identity.md).
-- Revert: DROP TABLE identity_rate_limits;
CREATE TABLE identity_rate_limits (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
