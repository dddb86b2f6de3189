-- Compliance's KYC (docs/compliance.md, "Levels", "Profile"): the player's compliance profile
-- (legal name, date of birth, country of residence, address: kept apart from the Telegram
-- profile Identity holds), the levels L0–L3 as data (what each needs and its four limits in
-- whole units of the pivot currency, NULL = no limit), and each player's level (no row = L0).
-- A player row in Identity exists only once its e-mail is confirmed, so every player starts at L0.
-- Defaults and their sources: docs/compliance.md. Staff change levels through `KYCLevels.update`.
-- Revert: DROP TABLE compliance_player_levels, compliance_levels, compliance_profiles;

CREATE TABLE compliance_profiles (
    player_id bigint PRIMARY KEY,
    legal_name text CHECK (length(legal_name) BETWEEN 1 AND 200),
    date_of_birth date CHECK (date_of_birth >= DATE '1900-01-01'),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    address text CHECK (length(address) BETWEEN 1 AND 500),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE compliance_levels (
    level smallint PRIMARY KEY CHECK (level BETWEEN 0 AND 3),
    -- The fixed vocabulary of `KYCRequirement`; each level lists all it needs, not only what it adds.
    requirements text[] NOT NULL CHECK (requirements <@ ARRAY['emailConfirmed', 'legalName', 'dateOfBirth', 'country', 'address',
        'identityDocument', 'selfie', 'proofOfAddress', 'sourceOfFunds']),
    deposits_day numeric CHECK (deposits_day >= 0),
    deposits_30_days numeric CHECK (deposits_30_days >= 0),
    withdrawals_day numeric CHECK (withdrawals_day >= 0),
    withdrawals_30_days numeric CHECK (withdrawals_30_days >= 0),
    updated_by text NOT NULL DEFAULT 'migration',
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO compliance_levels (level, requirements, deposits_day, deposits_30_days, withdrawals_day, withdrawals_30_days) VALUES
    (0, ARRAY['emailConfirmed'], 100, 250, 50, 100),
    (1, ARRAY['emailConfirmed', 'legalName', 'dateOfBirth', 'country'], 500, 1500, 500, 1500),
    (2, ARRAY['emailConfirmed', 'legalName', 'dateOfBirth', 'country', 'identityDocument', 'selfie'], 5000, 20000, 5000, 20000),
    (3, ARRAY['emailConfirmed', 'legalName', 'dateOfBirth', 'country', 'identityDocument', 'selfie', 'address', 'proofOfAddress',
        'sourceOfFunds'], NULL, NULL, NULL, NULL);

CREATE TABLE compliance_player_levels (
    player_id bigint PRIMARY KEY,
    level smallint NOT NULL CHECK (level BETWEEN 0 AND 3),
    -- `staff:<id>` or `application:<public id>` (approved by staff, who are in the audit log).
    set_by text NOT NULL CHECK (length(set_by) BETWEEN 1 AND 100),
    set_at timestamptz NOT NULL DEFAULT now()
);
