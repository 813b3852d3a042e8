-- The people directory, roles, and organisations people typed that are not
-- partner agencies yet. Erased people are never listed.

-- name: CountPeople :one
-- The query matches part of a name, an email address or an agency's name
-- (confirmed or typed), ignoring case; an empty query matches everyone.
SELECT count(*)
FROM users u
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.erased_at IS NULL
  AND (sqlc.narg(agency_id)::bigint IS NULL OR u.agency_id = sqlc.narg(agency_id))
  AND (@query::text = ''
       OR strpos(lower(u.full_name), lower(@query)) > 0
       OR strpos(lower(u.email), lower(@query)) > 0
       OR strpos(lower(coalesce(a.name, u.unlisted_agency_name)), lower(@query)) > 0);

-- name: ListPeople :many
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.email_verified_at,
       coalesce(a.name, '')::text AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM users u
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.erased_at IS NULL
  AND (sqlc.narg(agency_id)::bigint IS NULL OR u.agency_id = sqlc.narg(agency_id))
  AND (@query::text = ''
       OR strpos(lower(u.full_name), lower(@query)) > 0
       OR strpos(lower(u.email), lower(@query)) > 0
       OR strpos(lower(coalesce(a.name, u.unlisted_agency_name)), lower(@query)) > 0)
ORDER BY lower(u.full_name), u.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: CountAgencyPeople :one
-- A coordinator's view: only the people of @agency_id, whatever else is asked.
SELECT count(*)
FROM users u
WHERE u.agency_id = @agency_id::bigint
  AND u.erased_at IS NULL
  AND (@query::text = ''
       OR strpos(lower(u.full_name), lower(@query)) > 0
       OR strpos(lower(u.email), lower(@query)) > 0);

-- name: ListAgencyPeople :many
SELECT u.id, u.email, u.full_name, u.job_title, u.email_verified_at,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM users u
WHERE u.agency_id = @agency_id::bigint
  AND u.erased_at IS NULL
  AND (@query::text = ''
       OR strpos(lower(u.full_name), lower(@query)) > 0
       OR strpos(lower(u.email), lower(@query)) > 0)
ORDER BY lower(u.full_name), u.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: GetAgencyPerson :one
-- A person of @agency_id, or no row: another agency's people and unlisted
-- people are never returned.
SELECT u.id, u.email, u.full_name, u.job_title, u.email_verified_at, a.name AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM users u
JOIN agencies a ON a.id = u.agency_id
WHERE u.id = @id AND u.agency_id = @agency_id::bigint AND u.erased_at IS NULL;

-- name: FindPersonByEmail :one
SELECT id FROM users WHERE email = @email AND erased_at IS NULL;

-- name: LockPerson :one
-- The person a role is granted to or removed from, locked for the rest of the
-- transaction.
SELECT id, agency_id FROM users WHERE id = @id AND erased_at IS NULL FOR UPDATE;

-- name: LockManagers :many
-- Every training manager, locked in one order, so that two managers removing
-- each other's role at the same moment cannot leave the partnership without one.
SELECT user_id FROM user_roles WHERE role = 'manager' ORDER BY user_id FOR UPDATE;

-- name: ListUnlistedPeople :many
-- Everyone waiting for the organisation they typed to be confirmed, grouped by
-- its name ignoring case.
SELECT lower(u.unlisted_agency_name)::text AS organisation_key, u.unlisted_agency_name, u.id, u.email, u.full_name
FROM users u
WHERE u.unlisted_agency_name <> '' AND u.agency_id IS NULL AND u.erased_at IS NULL
ORDER BY lower(u.unlisted_agency_name), lower(u.full_name), u.id;

-- name: ListPeopleOfUnlistedOrganisation :many
SELECT u.id, u.email, u.full_name, u.unlisted_agency_name
FROM users u
WHERE lower(u.unlisted_agency_name) = lower(@name::text)
  AND u.unlisted_agency_name <> '' AND u.agency_id IS NULL AND u.erased_at IS NULL
ORDER BY lower(u.full_name), u.id;
