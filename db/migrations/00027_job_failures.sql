-- The Needs attention page (internal/queue): a background job that failed
-- for good (River's discarded jobs, and cancelled ones with an error) is
-- shown to training managers until one of them tries it again or marks it
-- dealt with. This records who marked which failure dealt with, and when;
-- their note goes into the audit event (audit_events.details), whose erasure
-- and retention already cover it.

-- +goose Up
CREATE TABLE job_failures_dealt_with (
    -- river_job.id: River's tables are migrated after ours, so there is no
    -- foreign key; the retention schedule deletes a record with its job.
    job_id    bigint      NOT NULL,
    -- The job's finalized_at when it was dealt with: should the same job be
    -- run again (from River UI) and fail again, that later failure needs
    -- attention of its own.
    failed_at timestamptz NOT NULL,
    dealt_by  bigint      NOT NULL REFERENCES users (id),
    dealt_at  timestamptz NOT NULL,
    PRIMARY KEY (job_id, failed_at)
);
CREATE INDEX job_failures_dealt_with_at_idx ON job_failures_dealt_with (dealt_at);

-- +goose Down
DROP TABLE job_failures_dealt_with;
