-- The calendar feed's token, kept with the account (internal/account/calendar.go)
-- for internal/calendar, which reads it with its own queries.

-- name: EnsureCalendarToken :one
-- Keeps a token already set (two first views at once agree on one).
UPDATE users SET calendar_token = COALESCE(calendar_token, @token)
WHERE id = @id
RETURNING calendar_token::text;

-- name: SetCalendarToken :execrows
UPDATE users SET calendar_token = @token WHERE id = @id;

-- name: ForgetCalendarToken :exec
UPDATE users SET calendar_token = NULL WHERE id = @id;
