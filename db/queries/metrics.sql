-- Counts for GET /metrics, read at each scrape. Each reads the whole table
-- it counts, which stays small: River deletes completed jobs after a day.

-- name: CountJobsByKindAndState :many
SELECT kind, state::text AS state, count(*) AS jobs
FROM river_job
GROUP BY kind, state
ORDER BY kind, state;

-- name: CountBookingsByStatus :many
SELECT status, count(*) AS bookings
FROM bookings
GROUP BY status
ORDER BY status;

-- name: CountEmailsByOutcome :many
-- sent, failed (given up on), or waiting (not yet sent: kept, or retrying).
SELECT (CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'waiting' END)::text AS outcome,
       count(*) AS emails
FROM emails
GROUP BY 1
ORDER BY 1;
