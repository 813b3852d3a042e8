-- The people directory, roles, and organisations people typed that are not
-- partner agencies yet. Erased people are never listed.

-- name: CountPeople :one
-- How many people match, counted only up to @count_limit (the page says
-- "more than" beyond it), so that a count costs no more than the pages it
-- may link. @pattern is a LIKE pattern, lower case ('' matches everyone):
-- part of a name, an email address or an agency's name (confirmed or
-- typed). Each part has its own index (00042).
SELECT count(*) FROM (
    SELECT 1
    FROM users u
    WHERE u.erased_at IS NULL
      AND (sqlc.narg(agency_id)::bigint IS NULL OR u.agency_id = sqlc.narg(agency_id))
      AND (@pattern::text = ''
           OR lower(u.full_name) LIKE @pattern
           OR lower(u.email::text) LIKE @pattern
           OR (u.unlisted_agency_name <> '' AND lower(u.unlisted_agency_name) LIKE @pattern)
           OR u.agency_id IN (SELECT a.id FROM agencies a WHERE lower(a.name) LIKE @pattern))
    ORDER BY lower(u.full_name), u.id -- the list's index, never the table
    LIMIT @count_limit) matching;

-- name: ListPeople :many
-- A page of CountPeople's people: found in name order from the index alone
-- (it carries what a search tests, 00066), then each read by its key, so
-- that the people before the page are never read.
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.email_verified_at,
       coalesce(a.name, '')::text AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (
    SELECT m.id
    FROM users m
    WHERE m.erased_at IS NULL
      AND (sqlc.narg(agency_id)::bigint IS NULL OR m.agency_id = sqlc.narg(agency_id))
      AND (@pattern::text = ''
           OR lower(m.full_name) LIKE @pattern
           OR lower(m.email::text) LIKE @pattern
           OR (m.unlisted_agency_name <> '' AND lower(m.unlisted_agency_name) LIKE @pattern)
           OR m.agency_id IN (SELECT a2.id FROM agencies a2 WHERE lower(a2.name) LIKE @pattern))
    ORDER BY lower(m.full_name), m.id
    LIMIT @max_rows OFFSET @skip_rows
) page
JOIN users u ON u.id = page.id
LEFT JOIN agencies a ON a.id = u.agency_id
ORDER BY lower(u.full_name), u.id;

-- name: CountAgencyPeople :one
-- A coordinator's view: only the people of @agency_id, whatever else is
-- asked; counted up to @count_limit, as CountPeople.
SELECT count(*) FROM (
    SELECT 1
    FROM users u
    WHERE u.agency_id = @agency_id::bigint
      AND u.erased_at IS NULL
      AND (@pattern::text = ''
           OR lower(u.full_name) LIKE @pattern
           OR lower(u.email::text) LIKE @pattern)
    ORDER BY lower(u.full_name), u.id
    LIMIT @count_limit) matching;

-- name: ListAgencyPeople :many
SELECT u.id, u.email, u.full_name, u.job_title, u.email_verified_at,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM users u
WHERE u.agency_id = @agency_id::bigint
  AND u.erased_at IS NULL
  AND (@pattern::text = ''
       OR lower(u.full_name) LIKE @pattern
       OR lower(u.email::text) LIKE @pattern)
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
