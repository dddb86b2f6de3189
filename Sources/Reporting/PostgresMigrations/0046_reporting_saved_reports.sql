-- Saved reports and their schedules (docs/reports.md "Saved reports", "Schedules"). Reporting's
-- PostgreSQL tables; its ClickHouse migrations live in ../Migrations, another database and
-- another sequence. A saved report keeps a spec as JSON (checked by the compiler when saved and
-- again on every run) and, optionally, a range relative to the day it runs. Staff are known by
-- id only (Identity's, never joined). A report has at most one schedule; each run of a schedule
-- is one row keyed by (report, due time), written in the transaction that queues its mail, so a
-- due time is sent at most once whichever copy runs it.
-- Revert: DROP TABLE reporting_schedule_runs, reporting_schedules, reporting_saved_reports;

CREATE TABLE reporting_saved_reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    owner_staff_id bigint NOT NULL,
    spec jsonb NOT NULL,
    relative_range text CHECK (relative_range IN ('today', 'yesterday', 'last_7_days', 'last_30_days', 'month_to_date', 'previous_month')),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
-- Names are unique regardless of case: two reports called "Daily KPIs" and "daily kpis" confuse.
CREATE UNIQUE INDEX reporting_saved_reports_name ON reporting_saved_reports (lower(name));

CREATE TABLE reporting_schedules (
    report_id bigint PRIMARY KEY REFERENCES reporting_saved_reports (id) ON DELETE CASCADE,
    cadence text NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    -- ISO weekday, 1 = Monday; only for weekly schedules.
    weekday smallint CHECK (weekday BETWEEN 1 AND 7),
    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    format text NOT NULL CHECK (format IN ('csv', 'xlsx', 'json')),
    recipients text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 10),
    -- The mail's language: the console's of whoever set the schedule.
    language text NOT NULL CHECK (language IN ('ru', 'en')),
    next_due_at timestamptz NOT NULL,
    updated_by bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((cadence = 'weekly') = (weekday IS NOT NULL))
);
CREATE INDEX reporting_schedules_due ON reporting_schedules (next_due_at);

CREATE TABLE reporting_schedule_runs (
    report_id bigint NOT NULL REFERENCES reporting_saved_reports (id) ON DELETE CASCADE,
    due_at timestamptz NOT NULL,
    ran_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('sent', 'failed')),
    -- The rows sent, or why the run failed (a refusal's name, "reportingUnavailable", ...).
    rows integer,
    detail text NOT NULL DEFAULT '' CHECK (length(detail) <= 500),
    PRIMARY KEY (report_id, due_at)
);
