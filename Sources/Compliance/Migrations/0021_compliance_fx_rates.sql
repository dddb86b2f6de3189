-- Compliance's FX rates (docs/compliance.md, "FX"): what one whole unit of a currency is worth in
-- whole units of the pivot currency (CROUPIER_PIVOT_CURRENCY), valid from a moment until the
-- next rate of the same currency. The pivot itself needs no row (its rate is 1). A sum over a
-- window converts each movement at the rate valid when it happened; a movement before its
-- currency's first rate has none, and the check that needs it fails closed.
-- Rates are exact decimals (numeric), never floating point: conversions round once, at the end.
-- Revert: DROP TABLE compliance_fx_rates;

CREATE TABLE compliance_fx_rates (
    currency text NOT NULL CHECK (currency ~ '^[A-Z0-9]{3,10}$'),
    valid_from timestamptz NOT NULL,
    rate numeric NOT NULL CHECK (rate > 0 AND rate < 1e12),
    -- Who set it: a staff member's id as text, or `cli`/`import` with the importer's name.
    set_by text NOT NULL CHECK (length(set_by) BETWEEN 1 AND 100),
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (currency, valid_from)
);
