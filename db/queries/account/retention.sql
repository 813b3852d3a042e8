-- Account records the retention schedule (internal/privacy) removes, each
-- query handling at most @max_rows and skipping rows another transaction
-- holds (internal/account/retention.go).

-- name: ListUnverifiedAccountsBefore :many
-- Counted from sign-up, or from the last confirmation link sent (a second
-- sign-up with the address sends a new one).
SELECT u.id FROM users u
WHERE u.email_verified_at IS NULL AND u.erased_at IS NULL AND u.created_at < @before
  AND NOT EXISTS (
      SELECT 1 FROM account_tokens t
      WHERE t.user_id = u.id AND t.purpose = 'verify_email' AND t.created_at >= @before)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE SKIP LOCKED;

-- name: ListAccountsToWarn :many
-- Accounts unused since @unused_since and not yet warned, other than anyone
-- still booked on (or waiting for) a session to come.
SELECT u.id, u.email::text AS email, u.full_name
FROM users u
WHERE u.erased_at IS NULL AND u.email_verified_at IS NOT NULL
  AND coalesce(u.last_signed_in_at, u.created_at) < @unused_since::timestamptz
  AND u.inactivity_warned_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM bookings b JOIN sessions s ON s.id = b.session_id
      WHERE b.user_id = u.id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval') AND s.ends_at >= @now)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE OF u SKIP LOCKED;

-- name: MarkInactivityWarned :exec
UPDATE users SET inactivity_warned_at = @now::timestamptz WHERE id = @id;

-- name: ListInactiveAccountsToErase :many
-- Warned before @warned_before and not signed in since the warning.
SELECT u.id FROM users u
WHERE u.erased_at IS NULL
  AND u.inactivity_warned_at < @warned_before::timestamptz
  AND coalesce(u.last_signed_in_at, u.created_at) < u.inactivity_warned_at
  AND NOT EXISTS (
      SELECT 1 FROM bookings b JOIN sessions s ON s.id = b.session_id
      WHERE b.user_id = u.id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval') AND s.ends_at >= @now)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE OF u SKIP LOCKED;

-- name: DeleteSignInAttemptsBatch :execrows
DELETE FROM sign_in_attempts
WHERE id IN (
    SELECT a.id FROM sign_in_attempts a WHERE a.at < @before
    ORDER BY a.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteExpiredWebSessionsBatch :execrows
DELETE FROM web_sessions
WHERE token_hash IN (
    SELECT w.token_hash FROM web_sessions w
    WHERE w.expires_at <= @now OR w.last_seen_at <= @idle_since
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteExpiredAccountTokens :execrows
DELETE FROM account_tokens
WHERE token_hash IN (
    SELECT t.token_hash FROM account_tokens t WHERE t.expires_at < @before
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteEmailActionsBefore :execrows
DELETE FROM email_actions WHERE at < @before;

-- name: DeleteExpiredDeviceTokens :execrows
DELETE FROM device_tokens WHERE expires_at <= @now;
