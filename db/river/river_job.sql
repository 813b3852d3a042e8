-- River's job table, as River's own migrations (rivermigrate, run after ours
-- at start-up) leave it at River v0.51: for sqlc only, so that our few
-- queries over River's jobs (the Needs attention page, the retention
-- schedule, the metrics) are compiled and checked like every other. It is
-- never applied; River creates and migrates the real table.
CREATE TYPE river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);

CREATE TABLE river_job (
    id           bigserial PRIMARY KEY,
    state        river_job_state NOT NULL DEFAULT 'available',
    attempt      smallint    NOT NULL DEFAULT 0,
    max_attempts smallint    NOT NULL,
    attempted_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finalized_at timestamptz,
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    priority     smallint    NOT NULL DEFAULT 1,
    args         jsonb       NOT NULL,
    attempted_by text[],
    errors       jsonb[],
    kind         text        NOT NULL,
    metadata     jsonb       NOT NULL DEFAULT '{}',
    queue        text        NOT NULL DEFAULT 'default',
    tags         varchar(255)[] NOT NULL DEFAULT '{}',
    unique_key   bytea,
    unique_states bit(8)
);
