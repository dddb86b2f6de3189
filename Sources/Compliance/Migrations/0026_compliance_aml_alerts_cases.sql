-- AML alerts, cases and compliance freezes (docs/compliance.md, "AML rules, alerts and cases").
-- - A case gathers one player's alerts; a player has at most one open case, which a new alert
--   joins. Staff assign it, comment, attach and detach alerts, and close it with an outcome.
--   An open case with a blocking alert holds every withdrawal of its player.
-- - An alert is one rule's hit with its evidence (jsonb: the movements' references, amounts,
--   pivot sums, the window), raised once per evidence: `idempotency_key` (rule + player +
--   evidence) is unique, so a scan run again raises nothing new.
-- - A freeze is real money a staff member set aside in `locked` through the ledger's `freeze`
--   (key compliance:freeze:<id>), returned by `unfreeze` (compliance:unfreeze:<id>).
-- Revert: DROP TABLE compliance_freezes, compliance_case_comments, compliance_aml_alerts, compliance_cases;

CREATE TABLE compliance_cases (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    -- A staff member's id (Identity's), or none.
    assignee bigint,
    outcome text CHECK (outcome IN ('cleared', 'confirmed', 'reported')),
    -- The regulator report's reference, for `reported`.
    report_reference text CHECK (length(report_reference) BETWEEN 1 AND 200),
    closing_note text CHECK (length(closing_note) BETWEEN 1 AND 2000),
    closed_by bigint,
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    CHECK ((state = 'open') = (outcome IS NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    CHECK ((outcome = 'reported') = (report_reference IS NOT NULL))
);
CREATE UNIQUE INDEX compliance_cases_one_open ON compliance_cases (player_id) WHERE state = 'open';
CREATE INDEX compliance_cases_by_state ON compliance_cases (state, id);

CREATE TABLE compliance_case_comments (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES compliance_cases (id),
    staff_id bigint NOT NULL,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_case_comments_by_case ON compliance_case_comments (case_id, id);

CREATE TABLE compliance_aml_alerts (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    rule_code text NOT NULL REFERENCES compliance_aml_rules (code),
    -- Whether the rule was blocking when it fired: a blocking alert in an open case holds withdrawals.
    blocking boolean NOT NULL,
    idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    -- Where it was raised: a deposit's completion, a withdrawal's request, the scheduled scan.
    source text NOT NULL CHECK (source IN ('deposit', 'withdrawal', 'schedule')),
    summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 1000),
    evidence jsonb NOT NULL,
    -- The withdrawal it held in review (`wdr_…`), when it was raised on one.
    withdrawal_reference text,
    case_id bigint REFERENCES compliance_cases (id),
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    raised_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_aml_alerts_by_case ON compliance_aml_alerts (case_id);
CREATE INDEX compliance_aml_alerts_by_player ON compliance_aml_alerts (player_id, id);

CREATE TABLE compliance_freezes (
    id bigserial PRIMARY KEY,
    player_id bigint NOT NULL,
    case_id bigint REFERENCES compliance_cases (id),
    currency text NOT NULL,
    units bigint NOT NULL CHECK (units > 0),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    frozen_by bigint NOT NULL,
    frozen_at timestamptz NOT NULL DEFAULT now(),
    unfrozen_by bigint,
    unfrozen_at timestamptz,
    CHECK ((unfrozen_by IS NULL) = (unfrozen_at IS NULL))
);
CREATE INDEX compliance_freezes_by_player ON compliance_freezes (player_id, id);
