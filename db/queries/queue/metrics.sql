-- Counts for GET /metrics, read at each scrape (see db/queries/metrics.sql).

-- name: CountJobsByKindAndState :many
SELECT kind, state::text AS state, count(*) AS jobs
FROM river_job
GROUP BY kind, state
ORDER BY kind, state;
