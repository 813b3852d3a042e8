-- The Needs attention page (internal/queue): jobs that failed for good.
-- A failure needs attention while its job is discarded (every attempt
-- failed), or cancelled with an error (its worker refused it for good), and
-- nobody has marked that failure dealt with.

-- name: CountJobFailures :one
SELECT count(*)
FROM river_job j
WHERE (j.state = 'discarded' OR (j.state = 'cancelled' AND coalesce(cardinality(j.errors), 0) > 0))
  AND NOT EXISTS (
      SELECT 1 FROM job_failures_dealt_with d WHERE d.job_id = j.id AND d.failed_at = j.finalized_at);

-- name: ListJobFailures :many
-- Newest first.
SELECT j.id, j.kind, j.state::text AS state, j.args, j.attempt, j.max_attempts,
       coalesce(j.finalized_at, j.created_at)::timestamptz AS failed_at,
       coalesce(j.errors[cardinality(j.errors)] ->> 'error', '')::text AS last_error
FROM river_job j
WHERE (j.state = 'discarded' OR (j.state = 'cancelled' AND coalesce(cardinality(j.errors), 0) > 0))
  AND NOT EXISTS (
      SELECT 1 FROM job_failures_dealt_with d WHERE d.job_id = j.id AND d.failed_at = j.finalized_at)
ORDER BY j.finalized_at DESC, j.id DESC
LIMIT @max_rows OFFSET @skip_rows;

-- name: LockJobFailure :one
-- One job, locked until the end of the transaction that retries it or marks
-- it dealt with, with whether it still needs attention: a second manager (or
-- a second click) waits here, then finds it handled.
SELECT j.id, j.kind, j.state::text AS state, j.args, j.attempt, j.max_attempts,
       coalesce(j.finalized_at, j.created_at)::timestamptz AS failed_at,
       coalesce(j.errors[cardinality(j.errors)] ->> 'error', '')::text AS last_error,
       ((j.state = 'discarded' OR (j.state = 'cancelled' AND coalesce(cardinality(j.errors), 0) > 0))
        AND NOT EXISTS (
            SELECT 1 FROM job_failures_dealt_with d WHERE d.job_id = j.id AND d.failed_at = j.finalized_at))::boolean AS needs_attention
FROM river_job j
WHERE j.id = @id
FOR UPDATE;

-- name: MarkJobFailureDealtWith :execrows
INSERT INTO job_failures_dealt_with (job_id, failed_at, dealt_by, dealt_at)
VALUES (@job_id, @failed_at, @dealt_by, @now)
ON CONFLICT DO NOTHING;
