-- Jobs and their failure records the retention schedule (internal/privacy)
-- deletes (internal/queue/retention.go).

-- name: DeleteDealtWithJobs :execrows
-- Jobs whose failure a manager marked dealt with before @before, with that
-- record. (A job tried again is River's again: completed jobs are deleted by
-- River after a day.)
WITH gone AS (
    DELETE FROM river_job j
    WHERE j.id IN (
        SELECT j2.id FROM river_job j2
        JOIN job_failures_dealt_with d ON d.job_id = j2.id AND d.failed_at = j2.finalized_at
        WHERE j2.state IN ('discarded', 'cancelled') AND d.dealt_at < @before
        ORDER BY j2.id
        LIMIT @max_rows
        FOR UPDATE OF j2 SKIP LOCKED)
    RETURNING j.id
)
DELETE FROM job_failures_dealt_with d WHERE d.job_id IN (SELECT id FROM gone);

-- name: DeleteStaleJobFailureRecords :execrows
-- Records of failures dealt with before @before whose job has since gone or
-- run again.
DELETE FROM job_failures_dealt_with d
WHERE d.dealt_at < @before
  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = d.job_id AND j.finalized_at = d.failed_at);

-- name: DeleteCancelledJobsWithoutError :execrows
-- Jobs cancelled with nothing wrong (cancelled by hand, or with nothing left
-- to do): nobody needs them after @before.
DELETE FROM river_job
WHERE id IN (
    SELECT c.id FROM river_job c
    WHERE c.state = 'cancelled' AND coalesce(cardinality(c.errors), 0) = 0 AND c.finalized_at < @before::timestamptz
    ORDER BY c.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);
