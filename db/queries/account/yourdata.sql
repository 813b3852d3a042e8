-- A person's own data: their profile, a change of agency, a copy of
-- everything held about them, erasure, and how long records are kept.

-- name: LockProfile :one
SELECT full_name, job_title, line_manager_name, line_manager_email::text AS line_manager_email
FROM users
WHERE id = @id AND erased_at IS NULL
FOR UPDATE;

-- name: SetProfile :exec
UPDATE users
SET full_name = @full_name, job_title = @job_title, line_manager_name = @line_manager_name,
    line_manager_email = @line_manager_email, updated_at = now()
WHERE id = @id;

-- name: LockAgencyOfUser :one
SELECT agency_id, unlisted_agency_name, requested_agency_id
FROM users
WHERE id = @id AND erased_at IS NULL
FOR UPDATE;

-- name: SetAgencyRequest :exec
-- A NULL agency withdraws the request.
UPDATE users
SET requested_agency_id = sqlc.narg(agency_id), agency_requested_at = sqlc.narg(requested_at), updated_at = now()
WHERE id = @id;

-- name: AgencyNames :many
SELECT id, name FROM agencies WHERE id = ANY (@ids::bigint[]);

-- name: DecideAgencyChange :one
-- Confirms or declines a person's request to change agency, if the actor may:
-- a training manager any request, an agency coordinator only a request to
-- join their own agency. The right is checked here, in the statement that
-- makes the change, so no request can be decided by someone who may not.
-- No row: no such request, or not the actor's to decide.
WITH target AS (
    SELECT u.id, u.agency_id, u.unlisted_agency_name, u.requested_agency_id
    FROM users u
    JOIN users actor ON actor.id = @actor_id AND actor.erased_at IS NULL
    WHERE u.id = @user_id
      AND u.erased_at IS NULL
      AND u.requested_agency_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = actor.id AND r.role = @as_role::text)
      AND (@as_role::text = 'manager'
           OR (@as_role::text = 'coordinator' AND actor.agency_id = u.requested_agency_id))
    FOR UPDATE OF u
)
UPDATE users u
SET agency_id            = CASE WHEN @confirm::boolean THEN t.requested_agency_id ELSE u.agency_id END,
    unlisted_agency_name = CASE WHEN @confirm::boolean THEN '' ELSE u.unlisted_agency_name END,
    requested_agency_id  = NULL,
    agency_requested_at  = NULL,
    updated_at           = now()
FROM target t
WHERE u.id = t.id
RETURNING u.email, u.full_name, t.agency_id AS from_agency_id, t.unlisted_agency_name AS from_unlisted_name,
          t.requested_agency_id AS to_agency_id;

-- name: ListAgencyChanges :many
-- The requests the actor may decide (see DecideAgencyChange), oldest first.
SELECT u.id, u.full_name, u.email, u.job_title, u.agency_requested_at,
       coalesce(a.name, u.unlisted_agency_name)::text AS current_agency,
       (u.agency_id IS NULL)::boolean AS current_unlisted,
       ra.name AS requested_agency
FROM users u
JOIN users actor ON actor.id = @actor_id AND actor.erased_at IS NULL
JOIN agencies ra ON ra.id = u.requested_agency_id
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.erased_at IS NULL
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = actor.id AND r.role = @as_role::text)
  AND (@as_role::text = 'manager'
       OR (@as_role::text = 'coordinator' AND actor.agency_id = u.requested_agency_id))
ORDER BY u.agency_requested_at NULLS FIRST, u.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: CountAgencyChanges :one
SELECT count(*)
FROM users u
JOIN users actor ON actor.id = @actor_id AND actor.erased_at IS NULL
WHERE u.erased_at IS NULL
  AND u.requested_agency_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = actor.id AND r.role = @as_role::text)
  AND (@as_role::text = 'manager'
       OR (@as_role::text = 'coordinator' AND actor.agency_id = u.requested_agency_id));

-- name: ExportProfile :one
-- This and the Export queries below read everything held about a person, for
-- "Download your data": never a password hash, a token or a token's hash.
SELECT u.email, u.full_name, u.job_title, u.unlisted_agency_name, u.email_verified_at, u.created_at, u.updated_at,
       u.agency_requested_at, u.last_signed_in_at, u.inactivity_warned_at,
       u.line_manager_name, u.line_manager_email::text AS line_manager_email,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(ra.name, '')::text AS requested_agency_name
FROM users u
LEFT JOIN agencies a ON a.id = u.agency_id
LEFT JOIN agencies ra ON ra.id = u.requested_agency_id
WHERE u.id = @id AND u.erased_at IS NULL;

-- name: ExportRoles :many
SELECT role, granted_at FROM user_roles WHERE user_id = @user_id ORDER BY role;

-- name: ExportWebSessions :many
SELECT created_at, last_seen_at, expires_at, coalesce(host(ip), '')::text AS ip, user_agent
FROM web_sessions
WHERE user_id = @user_id
ORDER BY created_at, last_seen_at;

-- name: ExportEmailLinks :many
SELECT purpose, created_at, expires_at, used_at
FROM account_tokens
WHERE user_id = @user_id
ORDER BY created_at;

-- name: ExportSignInAttempts :many
SELECT at, host(ip)::text AS ip, succeeded
FROM sign_in_attempts
WHERE email = @email
ORDER BY at, id;

-- name: LockUserForErasure :one
-- NO KEY UPDATE: a booking being made for the person at the same moment
-- (which holds its session's lock and takes a key-share lock on the user
-- for its foreign key) does not deadlock with the erasure.
SELECT email, full_name, agency_id
FROM users
WHERE id = @id AND erased_at IS NULL
FOR NO KEY UPDATE;

-- name: EraseUser :one
-- The row stays, with its agency, so anonymous figures per agency still add
-- up; everything that says who the person was goes. '!' is no password hash
-- any password matches.
UPDATE users
SET email                = 'deleted-' || id || '@deleted.invalid',
    full_name            = 'Deleted person',
    job_title            = '',
    unlisted_agency_name = '',
    line_manager_name    = '',
    line_manager_email   = '',
    requested_agency_id  = NULL,
    agency_requested_at  = NULL,
    password_hash        = '!',
    last_signed_in_at    = NULL,
    inactivity_warned_at = NULL,
    erased_at            = @now::timestamptz,
    updated_at           = now()
WHERE id = @id
RETURNING email::text;

-- name: DeleteUserRoles :many
DELETE FROM user_roles WHERE user_id = @user_id RETURNING role;

-- name: DeleteUserAccountTokens :exec
DELETE FROM account_tokens WHERE user_id = @user_id;

-- name: DeleteSignInAttemptsFor :exec
DELETE FROM sign_in_attempts WHERE email = @email;
