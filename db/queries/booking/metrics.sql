-- Counts for GET /metrics, read at each scrape. Each reads the whole table
-- it counts, which stays small: River deletes completed jobs after a day.

-- name: CountBookingsByStatus :many
SELECT status, count(*) AS bookings
FROM bookings
GROUP BY status
ORDER BY status;
