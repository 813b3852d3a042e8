-- A person's places for their calendar feed (internal/booking; the feed is
-- internal/calendar's).

-- name: FeedBookings :many
-- A person's places for their feed, in one query however many: confirmed,
-- on sessions not cancelled, ending since @since.
SELECT * FROM booking_details
WHERE user_id = @user_id AND status = 'confirmed' AND session_status <> 'cancelled' AND ends_at >= @since
ORDER BY starts_at, id;
