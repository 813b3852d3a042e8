-- People, sign-in, sessions and one-time links.

-- name: CreateUser :one
INSERT INTO users (email, full_name, job_title, agency_id, unlisted_agency_name, password_hash)
VALUES (@email, @full_name, @job_title, sqlc.narg(agency_id), @unlisted_agency_name, @password_hash)
RETURNING id;

-- name: GetUserByEmail :one
SELECT id, email, full_name, password_hash, email_verified_at, erased_at
FROM users
WHERE email = @email;

-- name: GetUser :one
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.requested_agency_id,
       u.email_verified_at, u.erased_at, u.created_at,
       u.line_manager_name, u.line_manager_email::text AS line_manager_email,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(ra.name, '')::text AS requested_agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles,
       coalesce((SELECT r.partnership_id FROM user_roles r WHERE r.user_id = u.id AND r.role = 'manager'), 0)::bigint AS manages_partnership_id
FROM users u
LEFT JOIN agencies a ON a.id = u.agency_id
LEFT JOIN agencies ra ON ra.id = u.requested_agency_id
WHERE u.id = @id;

-- name: GetPasswordHash :one
SELECT password_hash FROM users WHERE id = @id AND erased_at IS NULL;

-- name: SetPasswordHash :exec
UPDATE users SET password_hash = @password_hash, updated_at = now() WHERE id = @id;

-- name: MarkEmailVerified :exec
UPDATE users SET email_verified_at = coalesce(email_verified_at, @now::timestamptz), updated_at = now()
WHERE id = @id;

-- name: UpdateProfile :exec
UPDATE users SET full_name = @full_name, job_title = @job_title, updated_at = now()
WHERE id = @id AND erased_at IS NULL;

-- name: RequestAgencyChange :exec
UPDATE users SET requested_agency_id = sqlc.narg(agency_id), updated_at = now()
WHERE id = @id AND erased_at IS NULL;

-- name: ListAgencyChoices :many
SELECT id, name FROM agencies WHERE retired_at IS NULL ORDER BY name;

-- name: AgencyExists :one
SELECT EXISTS (SELECT 1 FROM agencies WHERE id = @id AND retired_at IS NULL);

-- name: CreateAccountToken :exec
INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, created_at)
VALUES (@token_hash, @user_id, @purpose, @expires_at, @now);

-- name: UseAccountToken :one
-- Spends a link: it works once, before it expires, for its purpose only.
UPDATE account_tokens SET used_at = @now::timestamptz
WHERE token_hash = @token_hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
RETURNING user_id;

-- name: AccountTokenOwner :one
-- Whose a link is, while it still works, without spending it.
SELECT t.user_id, u.email::text AS email
FROM account_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.token_hash = @token_hash AND t.purpose = @purpose AND t.used_at IS NULL AND t.expires_at > @now
  AND u.erased_at IS NULL;

-- name: SpendAccountTokens :exec
-- Older links of the same kind stop working when a new one is sent or used.
UPDATE account_tokens SET used_at = @now::timestamptz
WHERE user_id = @user_id AND purpose = @purpose AND used_at IS NULL;

-- name: LockSignInLimits :exec
-- Serialises attempts for one email and one IP so the limits are exact even
-- across app processes.
SELECT pg_advisory_xact_lock(hashtextextended('sign-in:' || lower(@email::text), 0)),
       pg_advisory_xact_lock(hashtextextended('sign-in-ip:' || @ip::text, 0));

-- name: RecentFailedSignIns :one
SELECT
    count(*) FILTER (WHERE email = @email)::integer AS for_email,
    coalesce(min(at) FILTER (WHERE email = @email), @now)::timestamptz AS oldest_for_email,
    count(*) FILTER (WHERE ip = @ip)::integer AS for_ip,
    coalesce(min(at) FILTER (WHERE ip = @ip), @now)::timestamptz AS oldest_for_ip
FROM sign_in_attempts
WHERE NOT succeeded AND at > @since AND (email = @email OR ip = @ip)
  AND device_hash IS NULL; -- attempts with a device cookie count against the device only

-- name: RecordSignInAttempt :one
INSERT INTO sign_in_attempts (email, ip, at) VALUES (@email, @ip, @now) RETURNING id;

-- name: MarkSignInSucceeded :exec
UPDATE sign_in_attempts SET succeeded = true WHERE id = @id;

-- name: CreateWebSession :exec
INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES (@token_hash, sqlc.narg(user_id), @csrf_token, @now, @now, @expires_at, sqlc.narg(ip), @user_agent);

-- name: GetWebSessionAndUser :one
-- A live login and, once signed in, its person as GetUser reads them: what
-- every request of a signed-in person needs first, in one statement. It reads
-- the same in every partnership's scope (the roles through 00068's functions),
-- so it runs on a connection as the pool gives it (scope.AnyScope).
SELECT w.token_hash, w.user_id, w.csrf_token, w.created_at, w.last_seen_at,
       coalesce(u.email, '')::text AS email, coalesce(u.full_name, '')::text AS full_name,
       coalesce(u.job_title, '')::text AS job_title, u.agency_id, coalesce(u.unlisted_agency_name, '')::text AS unlisted_agency_name,
       u.requested_agency_id, u.email_verified_at, u.erased_at, coalesce(u.created_at, w.created_at)::timestamptz AS user_created_at,
       coalesce(u.line_manager_name, '')::text AS line_manager_name, coalesce(u.line_manager_email, '')::text AS line_manager_email,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(ra.name, '')::text AS requested_agency_name,
       login_roles(w.token_hash)::text[] AS roles,
       login_manages_partnership(w.token_hash)::bigint AS manages_partnership_id
FROM web_sessions w
LEFT JOIN users u ON u.id = w.user_id
LEFT JOIN agencies a ON a.id = u.agency_id
LEFT JOIN agencies ra ON ra.id = u.requested_agency_id
WHERE w.token_hash = @token_hash AND w.expires_at > @now AND w.last_seen_at > @idle_since;

-- name: TouchWebSession :exec
UPDATE web_sessions SET last_seen_at = @now WHERE token_hash = @token_hash;

-- name: DeleteWebSession :exec
DELETE FROM web_sessions WHERE token_hash = @token_hash;

-- name: DeleteUserWebSessions :exec
DELETE FROM web_sessions WHERE user_id = @user_id;

-- name: DeleteOtherWebSessions :exec
DELETE FROM web_sessions WHERE user_id = @user_id AND token_hash <> @keep;

-- name: RecordSignedIn :exec
-- The retention schedule counts an account's disuse from here; signing in
-- also withdraws a warning that it would be erased.
UPDATE users SET last_signed_in_at = @now::timestamptz, inactivity_warned_at = NULL WHERE id = @id;

-- name: SetLineManager :exec
-- The line manager a person gave at their latest booking, remembered for
-- their next booking form; nothing is written when it is the same.
UPDATE users
SET line_manager_name = @line_manager_name, line_manager_email = @line_manager_email, updated_at = now()
WHERE id = @id AND erased_at IS NULL
  AND (line_manager_name, line_manager_email::text) IS DISTINCT FROM (@line_manager_name::text, @line_manager_email::text);

-- name: GrantRole :execrows
INSERT INTO user_roles (user_id, role, granted_by, granted_at)
VALUES (@user_id, @role, @granted_by, @granted_at)
ON CONFLICT (user_id, role) DO NOTHING;

-- name: RemoveRole :execrows
DELETE FROM user_roles WHERE user_id = @user_id AND role = @role;

-- name: MoveUnlistedPeople :many
-- Moves everyone who typed @name (in any case) into @agency_id, returning
-- each person and the name they typed.
UPDATE users u
SET agency_id = @agency_id, unlisted_agency_name = '', updated_at = now()
FROM (
    SELECT id, unlisted_agency_name AS typed
    FROM users
    WHERE lower(unlisted_agency_name) = lower(@name::text)
      AND unlisted_agency_name <> '' AND agency_id IS NULL AND erased_at IS NULL
    FOR UPDATE
) old
WHERE u.id = old.id
RETURNING u.id, old.typed::text AS typed;
