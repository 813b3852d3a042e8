-- The retention schedule's record of its runs, and the anonymous counts of
-- places it keeps when it deletes old bookings (internal/privacy).

-- name: CountRetainedPlaces :exec
INSERT INTO retained_place_counts AS r (session_id, agency_id, status, attendance, late, places)
SELECT session_id, agency_id, status, attendance, late, count(*)
FROM bookings WHERE id = ANY(@booking_ids::bigint[])
GROUP BY session_id, agency_id, status, attendance, late
ON CONFLICT ON CONSTRAINT retained_place_counts_key DO UPDATE SET places = r.places + excluded.places;

-- name: StartRetentionRun :one
INSERT INTO retention_runs (started_at) VALUES (@now) RETURNING id;

-- name: FinishRetentionRun :exec
UPDATE retention_runs SET finished_at = @now::timestamptz, counts = @counts, error = @error WHERE id = @id;

-- name: ListRetentionRuns :many
SELECT id, started_at, finished_at, counts, error FROM retention_runs
ORDER BY started_at DESC, id DESC
LIMIT @max_rows;
