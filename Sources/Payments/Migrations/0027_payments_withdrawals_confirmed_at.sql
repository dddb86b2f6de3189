-- When the player confirmed a withdrawal with the mailed code and its funds were held
-- (docs/payments.md, "Withdrawals"). Limits and AML rules count a withdrawal from then, not from
-- when it was asked for: a request may wait for its code (and ask for new codes) for any time,
-- and counting it from the asking would let an old request slip out of a 24-hour window the
-- moment it is confirmed. NULL while the request waits for its code, or when it ended before.
-- Revert: ALTER TABLE payments_withdrawals DROP COLUMN confirmed_at;

ALTER TABLE payments_withdrawals ADD COLUMN confirmed_at timestamptz;
