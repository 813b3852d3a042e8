-- The payment sweeps' look at River's jobs (db/river/river_job.sql is its
-- table as sqlc sees it).

-- name: PaymentsWithJobs :many
-- Which of @payment_ids have a job of @kind in one of @states.
SELECT DISTINCT (args->>'payment_id')::bigint AS payment_id
FROM river_job
WHERE kind = @kind AND state::text = ANY(@states::text[])
  AND (args->>'payment_id')::bigint = ANY(@payment_ids::bigint[]);

-- name: InvoiceJobsInStates :many
-- The session and agency of each invoice job in one of @states.
SELECT (args->>'session_id')::bigint AS session_id, (args->>'agency_id')::bigint AS agency_id
FROM river_job
WHERE kind = @kind AND state::text = ANY(@states::text[]);
