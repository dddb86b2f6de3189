-- Compliance's AML rules as data (docs/compliance.md, "AML rules, alerts and cases"): one row per
-- rule the engine knows, with whether it runs, whether a hit holds a withdrawal, and its
-- parameters. Staff with `risk.manage` edit them in the console (audited). Thresholds are
-- decimal text in whole units of the pivot currency (CROUPIER_PIVOT_CURRENCY), never floats.
-- The defaults and their sources are in docs/compliance.md and AMLRule.swift.
-- Revert: DROP TABLE compliance_aml_rules;

CREATE TABLE compliance_aml_rules (
    code text PRIMARY KEY CHECK (code IN ('deposits_24h', 'low_wagering', 'structuring', 'payment_methods',
                                          'shared_destination', 'high_risk_country', 'dormant_account')),
    enabled boolean NOT NULL DEFAULT true,
    blocking boolean NOT NULL DEFAULT false,
    -- Whole pivot units (deposits_24h, structuring, dormant_account).
    threshold numeric CHECK (threshold > 0 AND threshold < 1e12),
    -- The window summed over, in hours (deposits_24h, low_wagering, structuring, payment_methods).
    window_hours integer CHECK (window_hours BETWEEN 1 AND 8784),
    -- Stakes needed per unit deposited (low_wagering).
    ratio numeric CHECK (ratio >= 0 AND ratio <= 1000),
    -- How many movements or methods make a hit (structuring, payment_methods).
    min_count integer CHECK (min_count BETWEEN 2 AND 1000),
    -- How far under the threshold "just under" reaches, in percent (structuring).
    margin_percent integer CHECK (margin_percent BETWEEN 1 AND 99),
    -- Days without any ledger activity that make an account dormant (dormant_account).
    dormant_days integer CHECK (dormant_days BETWEEN 1 AND 3660),
    -- ISO 3166-1 alpha-2 codes (high_risk_country).
    countries text[] NOT NULL DEFAULT '{}' CHECK (array_position(countries, NULL) IS NULL),
    updated_by text NOT NULL DEFAULT 'migration',
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO compliance_aml_rules (code, enabled, blocking, threshold, window_hours, ratio, min_count, margin_percent, dormant_days, countries)
VALUES
    -- EU AMLD4 (Directive 2015/849) recital 21 and art. 11(d): CDD for gambling transactions of EUR 2,000 or more.
    ('deposits_24h', true, false, 2000, 24, NULL, NULL, NULL, NULL, '{}'),
    -- Deposit, then withdraw with little play: an industry red flag (UKGC risk assessments); 1× the deposits of 30 days.
    ('low_wagering', true, true, NULL, 720, 1, NULL, NULL, NULL, '{}'),
    -- Structuring: 3 deposits in 7 days each within 20% under EUR 2,000 (FATF and UKGC red flags).
    ('structuring', true, false, 2000, 168, NULL, 3, 20, NULL, '{}'),
    -- Many payment methods or destinations: 4 in 7 days (UKGC emerging AML risks, February 2024).
    ('payment_methods', true, false, NULL, 168, NULL, 4, NULL, NULL, '{}'),
    -- A withdrawal destination another player used: accounts linked by money.
    ('shared_destination', true, true, NULL, NULL, NULL, NULL, NULL, NULL, '{}'),
    -- FATF "high-risk jurisdictions subject to a call for action" (June 2025): DPRK, Iran, Myanmar.
    ('high_risk_country', true, true, NULL, NULL, NULL, NULL, NULL, NULL, '{KP,IR,MM}'),
    -- A dormant account (no ledger activity for 180 days) moving EUR 1,000 or more (UKGC: transfers over EUR 1,000).
    ('dormant_account', true, false, 1000, NULL, NULL, NULL, NULL, 180, '{}');
