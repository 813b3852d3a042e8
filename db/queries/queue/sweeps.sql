-- The safety-net sweeps' record (internal/queue).

-- name: StartSweepRun :one
INSERT INTO sweep_runs (sweep, process, started_at) VALUES (@sweep, @process, @now)
RETURNING id;

-- name: FinishSweepRun :exec
UPDATE sweep_runs SET finished_at = @now, found = @found, error = @error WHERE id = @id;

-- name: PruneSweepRuns :execrows
-- Runs older than @before are of no more use to anyone.
DELETE FROM sweep_runs WHERE sweep = @sweep AND started_at < @before;

-- name: LastSweepRuns :many
-- The latest run of each sweep.
SELECT DISTINCT ON (sweep) id, sweep, process, started_at, finished_at, found, error
FROM sweep_runs
ORDER BY sweep, started_at DESC;
