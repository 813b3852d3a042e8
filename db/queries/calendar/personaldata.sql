-- Whether a person has a calendar feed, and its erasure
-- (internal/calendar/personaldata.go).

-- name: ExportCalendarFeed :one
-- Whether the person has a feed; never its secret address.
SELECT (calendar_token IS NOT NULL)::boolean AS has_feed FROM users WHERE id = @id;
