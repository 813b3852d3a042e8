-- Limits on emails a person can cause, and device cookies for sign-in limits.

-- name: LockEmailLimits :exec
-- Serialises email-sending actions for one address and one IP address, so
-- the limits are exact across app processes.
SELECT pg_advisory_xact_lock(hashtextextended('email:' || lower(@email::text), 0)),
       pg_advisory_xact_lock(hashtextextended('email-ip:' || @ip::text, 0));

-- name: LockPersonEmailLimit :exec
SELECT pg_advisory_xact_lock(hashtextextended('email-person:' || sqlc.arg(user_id)::bigint, 0));

-- name: RecentEmailActions :one
-- What an address was sent and what an IP address asked for, since @since.
SELECT
    count(*) FILTER (WHERE email = sqlc.arg(email)::citext AND sent)::integer AS for_email,
    coalesce(min(at) FILTER (WHERE email = sqlc.arg(email)::citext AND sent), @now)::timestamptz AS oldest_for_email,
    count(*) FILTER (WHERE ip = sqlc.arg(ip)::inet)::integer AS for_ip,
    coalesce(min(at) FILTER (WHERE ip = sqlc.arg(ip)::inet), @now)::timestamptz AS oldest_for_ip
FROM email_actions
WHERE at > @since AND (email = sqlc.arg(email)::citext OR ip = sqlc.arg(ip)::inet)
  AND kind IN ('sign_up', 'reset_password', 'resend_verification');

-- name: RecentPersonEmailActions :one
SELECT count(*)::integer AS sent, coalesce(min(at), @now)::timestamptz AS oldest
FROM email_actions
WHERE user_id = sqlc.arg(user_id)::bigint AND kind = @kind AND at > @since;

-- name: RecordEmailAction :one
INSERT INTO email_actions (kind, email, user_id, ip, sent, at)
VALUES (@kind, sqlc.narg(email), sqlc.narg(user_id), sqlc.narg(ip), @sent, @now)
RETURNING id;

-- name: ClaimPasswordResetAction :one
-- A reset request's job takes its address once, even if the job runs again.
UPDATE email_actions SET handled_at = @now::timestamptz
WHERE id = @id AND kind = 'reset_password' AND sent AND handled_at IS NULL
RETURNING email::text;

-- name: CreateDeviceToken :exec
INSERT INTO device_tokens (token_hash, user_id, created_at, expires_at)
VALUES (@token_hash, @user_id, @now, @expires_at);

-- name: DeviceTokenFor :one
-- The device cookie counts only for the account it was issued to.
SELECT d.token_hash
FROM device_tokens d
JOIN users u ON u.id = d.user_id
WHERE d.token_hash = @token_hash AND d.expires_at > @now AND u.email = @email AND u.erased_at IS NULL;

-- name: DeleteDeviceToken :exec
DELETE FROM device_tokens WHERE token_hash = @token_hash;

-- name: DeleteUserDeviceTokens :exec
DELETE FROM device_tokens WHERE user_id = @user_id;

-- name: LockDeviceSignIns :exec
SELECT pg_advisory_xact_lock(hashtextextended('sign-in-device:' || encode(@device_hash::bytea, 'hex'), 0));

-- name: RecentFailedDeviceSignIns :one
SELECT count(*)::integer AS failures, coalesce(min(at), @now)::timestamptz AS oldest
FROM sign_in_attempts
WHERE device_hash = @device_hash AND NOT succeeded AND at > @since;

-- name: RecordDeviceSignInAttempt :one
INSERT INTO sign_in_attempts (email, ip, device_hash, at) VALUES (@email, @ip, @device_hash, @now) RETURNING id;

-- name: DeleteEmailActionsFor :exec
-- An erased person's address and requests leave no trace in the limits.
DELETE FROM email_actions WHERE email = sqlc.arg(email)::citext OR user_id = sqlc.arg(user_id)::bigint;

-- name: MarkEmailActionNotSent :exec
-- A reset asked for an address with no account sent nothing, so it does not
-- count against the address (whose owner may sign up within the hour).
UPDATE email_actions SET sent = false WHERE id = @id;

-- name: ExportDeviceTokens :many
-- A person's device cookies, for their download: when, never the token's hash.
SELECT created_at, expires_at FROM device_tokens WHERE user_id = @user_id ORDER BY created_at;

-- name: ExportEmailActions :many
-- The emails asked for with the person's address, or by them, still counted
-- by the limits.
SELECT kind, coalesce(host(ip), '')::text AS ip, sent, at
FROM email_actions
WHERE email = sqlc.arg(email)::citext OR user_id = sqlc.arg(user_id)::bigint
ORDER BY at, id;
