-- The people directory, roles, and organisations people typed that are not
-- partner agencies yet. Erased people are never listed.

-- name: CountPeople :one
-- How many people there are (of @agency_id's, when given), counted only up
-- to @count_limit (the page says "more than" beyond it), so that a count
-- costs no more than the pages it may link: in name order, from the list's
-- index alone (00066), never the table.
SELECT count(*) FROM (
    SELECT 1
    FROM users u
    WHERE u.erased_at IS NULL
      AND (sqlc.narg(agency_id)::bigint IS NULL OR u.agency_id = sqlc.narg(agency_id))
    ORDER BY lower(u.full_name), u.id
    LIMIT @count_limit) everyone;

-- name: CountPeopleMatching :one
-- CountPeople for a search: @pattern is a LIKE pattern, lower case, for part
-- of a name, an email address or an agency's name (confirmed or typed). In
-- no order, so that each part is found through its trigram index (00042)
-- and the matches are read, never the people who do not match (walking the
-- names in order read ten thousand people to count a thousand Patels, and
-- every person for a name nobody has). The agencies named are an array,
-- not IN (SELECT ...), so that their people are one more index in the same
-- bitmap. The matches are a materialized CTE, so that they are planned as
-- if all were read (a LIMIT over the table itself makes a scan of it look
-- cheaper whenever many are expected to match) while only @count_limit are.
WITH matching AS MATERIALIZED (
    SELECT 1
    FROM users u
    WHERE u.erased_at IS NULL
      AND (sqlc.narg(agency_id)::bigint IS NULL OR u.agency_id = sqlc.narg(agency_id))
      AND (lower(u.full_name) LIKE @pattern
           OR lower(u.email::text) LIKE @pattern
           OR (u.unlisted_agency_name <> '' AND lower(u.unlisted_agency_name) LIKE @pattern)
           OR u.agency_id = ANY (ARRAY(SELECT a.id FROM agencies a WHERE lower(a.name) LIKE @pattern)))
)
SELECT count(*) FROM (SELECT 1 FROM matching LIMIT @count_limit) counted;

-- name: ListPeople :many
-- A page of CountPeopleMatching's people when there are many (without a
-- search, ListEveryone or ListPeopleOfAgency): found in name order from the index
-- alone (it carries what a search tests, 00066), then each read by its
-- key, so that the people before the page are never read. A search
-- matching few is ListPeopleMatchingFew.
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
           OR m.agency_id = ANY (ARRAY(SELECT a2.id FROM agencies a2 WHERE lower(a2.name) LIKE @pattern)))
    ORDER BY lower(m.full_name), m.id
    LIMIT @max_rows OFFSET @skip_rows
) page
JOIN users u ON u.id = page.id
LEFT JOIN agencies a ON a.id = u.agency_id
ORDER BY lower(u.full_name), u.id;

-- name: CountEveryone :one
-- CountPeople with no agency: its plan is the same for every request, so it
-- is kept (generic) and not made again for each.
SELECT count(*) FROM (
    SELECT 1
    FROM users u
    WHERE u.erased_at IS NULL
    ORDER BY lower(u.full_name), u.id
    LIMIT @count_limit) everyone;

-- name: ListEveryone :many
-- A page of ListPeople with no search and no agency, whose plan is the same
-- for every page and is kept (generic), not made again for each request.
-- Its LIMIT is people.PageSize written out: a kept plan knows nothing of a
-- parameter's LIMIT and counts on a tenth of the table, and then read the
-- page's people by a scan of all of them.
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.email_verified_at,
       coalesce(a.name, '')::text AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (
    SELECT m.id
    FROM users m
    WHERE m.erased_at IS NULL
    ORDER BY lower(m.full_name), m.id
    LIMIT 25 OFFSET @skip_rows
) page
JOIN users u ON u.id = page.id
LEFT JOIN agencies a ON a.id = u.agency_id
ORDER BY lower(u.full_name), u.id;

-- name: ListPeopleOfAgency :many
-- ListEveryone for the people of @agency_id (a manager's filter, or a
-- coordinator's own agency), through the agency's index of names.
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.email_verified_at,
       coalesce(a.name, '')::text AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (
    SELECT m.id
    FROM users m
    WHERE m.agency_id = @agency_id::bigint
      AND m.erased_at IS NULL
    ORDER BY lower(m.full_name), m.id
    LIMIT 25 OFFSET @skip_rows
) page
JOIN users u ON u.id = page.id
LEFT JOIN agencies a ON a.id = u.agency_id
ORDER BY lower(u.full_name), u.id;

-- name: ListPeopleMatchingFew :many
-- A page of a search CountPeopleMatching counted in full (a thousand at
-- most): its matches found as it finds them, through their trigram
-- indexes, then put in name order. Walking the names in order would read
-- every person for a name few have.
WITH matching AS MATERIALIZED (
    SELECT m.id, lower(m.full_name) AS sort_name
    FROM users m
    WHERE m.erased_at IS NULL
      AND (sqlc.narg(agency_id)::bigint IS NULL OR m.agency_id = sqlc.narg(agency_id))
      AND (lower(m.full_name) LIKE @pattern
           OR lower(m.email::text) LIKE @pattern
           OR (m.unlisted_agency_name <> '' AND lower(m.unlisted_agency_name) LIKE @pattern)
           OR m.agency_id = ANY (ARRAY(SELECT a2.id FROM agencies a2 WHERE lower(a2.name) LIKE @pattern)))
)
SELECT u.id, u.email, u.full_name, u.job_title, u.agency_id, u.unlisted_agency_name, u.email_verified_at,
       coalesce(a.name, '')::text AS agency_name,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (SELECT id, sort_name FROM matching ORDER BY sort_name, id LIMIT @max_rows OFFSET @skip_rows) page
JOIN users u ON u.id = page.id
LEFT JOIN agencies a ON a.id = u.agency_id
ORDER BY page.sort_name, u.id;

-- name: CountAgencyPeople :one
-- A coordinator's view: only the people of @agency_id, whatever else is
-- asked; counted up to @count_limit, as CountPeople.
SELECT count(*) FROM (
    SELECT 1
    FROM users u
    WHERE u.agency_id = @agency_id::bigint
      AND u.erased_at IS NULL
    ORDER BY lower(u.full_name), u.id
    LIMIT @count_limit) everyone;

-- name: CountAgencyPeopleMatching :one
-- CountAgencyPeople for a search, in no order, as CountPeopleMatching.
WITH matching AS MATERIALIZED (
    SELECT 1
    FROM users u
    WHERE u.agency_id = @agency_id::bigint
      AND u.erased_at IS NULL
      AND (lower(u.full_name) LIKE @pattern OR lower(u.email::text) LIKE @pattern)
)
SELECT count(*) FROM (SELECT 1 FROM matching LIMIT @count_limit) counted;

-- name: ListAgencyPeople :many
-- A page of a coordinator's search that matches many, in name order as
-- ListPeople (without a search, ListPeopleOfAgency).
SELECT u.id, u.email, u.full_name, u.job_title, u.email_verified_at,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (
    SELECT m.id
    FROM users m
    WHERE m.agency_id = @agency_id::bigint
      AND m.erased_at IS NULL
      AND (@pattern::text = ''
           OR lower(m.full_name) LIKE @pattern
           OR lower(m.email::text) LIKE @pattern)
    ORDER BY lower(m.full_name), m.id
    LIMIT @max_rows OFFSET @skip_rows
) page
JOIN users u ON u.id = page.id
ORDER BY lower(u.full_name), u.id;

-- name: ListAgencyPeopleMatchingFew :many
-- A page of a search CountAgencyPeopleMatching counted in full, as
-- ListPeopleMatchingFew.
WITH matching AS MATERIALIZED (
    SELECT m.id, lower(m.full_name) AS sort_name
    FROM users m
    WHERE m.agency_id = @agency_id::bigint
      AND m.erased_at IS NULL
      AND (lower(m.full_name) LIKE @pattern OR lower(m.email::text) LIKE @pattern)
)
SELECT u.id, u.email, u.full_name, u.job_title, u.email_verified_at,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '{}')::text[] AS roles
FROM (SELECT id, sort_name FROM matching ORDER BY sort_name, id LIMIT @max_rows OFFSET @skip_rows) page
JOIN users u ON u.id = page.id
ORDER BY page.sort_name, u.id;

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
