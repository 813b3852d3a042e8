-- The retention schedule (internal/privacy/retention.go): what it needs to
-- know about accounts, the anonymous counts it keeps of bookings it deletes,
-- and the record of each daily run.

-- +goose Up
-- When the person last signed in, for the rule on accounts unused for
-- years; and when they were warned that theirs would be erased.
ALTER TABLE users
    ADD COLUMN last_signed_in_at    timestamptz,
    ADD COLUMN inactivity_warned_at timestamptz;
COMMENT ON COLUMN users.last_signed_in_at IS 'personal: when the person last signed in';
COMMENT ON COLUMN users.inactivity_warned_at IS 'personal: when the person was warned their unused account would be erased';

-- Backfill from what the database already knows: the latest successful
-- sign-in attempt (kept 90 days) or session (12 hours), else nothing (the
-- schedule then counts from sign-up).
UPDATE users u
SET last_signed_in_at = s.at
FROM (
    SELECT u2.id, greatest(
               (SELECT max(a.at) FROM sign_in_attempts a WHERE a.email = u2.email AND a.succeeded),
               (SELECT max(w.created_at) FROM web_sessions w WHERE w.user_id = u2.id)) AS at
    FROM users u2
    WHERE u2.erased_at IS NULL
) s
WHERE s.id = u.id AND s.at IS NOT NULL;

CREATE INDEX users_last_signed_in_idx ON users (coalesce(last_signed_in_at, created_at))
    WHERE erased_at IS NULL;

-- A training request's contact details and messages are removed a while
-- after it is closed; the request itself stays, for the partnership's figures.
ALTER TABLE enquiries ADD COLUMN personal_data_removed_at timestamptz;

-- Places whose bookings the schedule deleted, counted per session, agency
-- and outcome, so the board's figures for old years still add up while
-- nothing says who the people were.
CREATE TABLE retained_place_counts (
    session_id bigint  NOT NULL REFERENCES sessions (id),
    agency_id  bigint  REFERENCES agencies (id),
    status     text    NOT NULL,
    attendance text,
    late       boolean NOT NULL,
    places     integer NOT NULL CHECK (places > 0),
    CONSTRAINT retained_place_counts_key UNIQUE NULLS NOT DISTINCT (session_id, agency_id, status, attendance, late)
);

-- Each run of the retention job: when, what each rule did ({"rule": count}),
-- and the error that stopped a rule, if any.
CREATE TABLE retention_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    counts      jsonb       NOT NULL DEFAULT '{}',
    error       text        NOT NULL DEFAULT ''
);
CREATE INDEX retention_runs_started_idx ON retention_runs (started_at DESC);

-- Views of personal data name everyone they showed (details.people), so a
-- person's download can list who has seen their record.
CREATE INDEX audit_events_viewed_people_idx ON audit_events USING gin ((details -> 'people') jsonb_path_ops)
    WHERE action = 'personal_data_viewed';
CREATE INDEX audit_events_subject_idx ON audit_events (subject_user_id, at DESC);

-- +goose Down
DROP INDEX audit_events_subject_idx;
DROP INDEX audit_events_viewed_people_idx;
DROP TABLE retention_runs;
DROP TABLE retained_place_counts;
ALTER TABLE enquiries DROP COLUMN personal_data_removed_at;
DROP INDEX users_last_signed_in_idx;
ALTER TABLE users DROP COLUMN inactivity_warned_at, DROP COLUMN last_signed_in_at;
