-- Counts for GET /metrics, read at each scrape (see db/queries/metrics.sql).

-- name: CountEmailsByOutcome :many
-- sent, failed (given up on), or waiting (not yet sent: kept, or retrying).
SELECT (CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'waiting' END)::text AS outcome,
       count(*) AS emails
FROM emails
GROUP BY 1
ORDER BY 1;
