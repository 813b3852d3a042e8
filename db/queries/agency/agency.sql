-- Partner agencies, as the training manager keeps them.

-- name: ListAgencies :many
-- A page of the agencies, retired ones too, by name (agencies_by_name_idx),
-- with how many people work for each (users_agency_by_name_idx). The band is
-- the one the managing partnership (or the first) gives each.
SELECT a.id, a.name, a.sector, agency_band(coalesce(acting_partnership_id(), first_partnership_id()), a.id)::text AS charging_band, a.billing_contact_name, a.billing_contact_email, a.retired_at,
       (SELECT count(*) FROM users u WHERE u.agency_id = a.id AND u.erased_at IS NULL) AS people
FROM agencies a
ORDER BY lower(a.name), a.id
LIMIT @page_size OFFSET @skip;

-- name: CountAgencies :one
SELECT count(*) FROM agencies;

-- name: GetAgency :one
SELECT a.id, a.name, a.sector, agency_band(coalesce(acting_partnership_id(), first_partnership_id()), a.id)::text AS charging_band, a.billing_contact_name, a.billing_contact_email, a.retired_at,
       (SELECT count(*) FROM users u WHERE u.agency_id = a.id AND u.erased_at IS NULL) AS people
FROM agencies a
WHERE a.id = @id;

-- name: LockAgency :one
SELECT id, name, sector, agency_band(coalesce(acting_partnership_id(), first_partnership_id()), id)::text AS charging_band,
       billing_contact_name, billing_contact_email, retired_at
FROM agencies
WHERE id = @id
FOR UPDATE;

-- name: AgencyNameTaken :one
-- Whether another agency has @name, ignoring case (agencies_name_key has the
-- last word when two requests race).
SELECT EXISTS (SELECT 1 FROM agencies WHERE lower(name) = lower(@name::text) AND id <> @except_id);

-- name: CreateAgency :one
INSERT INTO agencies (name, sector, charging_band, billing_contact_name, billing_contact_email, created_at, updated_at)
VALUES (@name, @sector, @charging_band, @billing_contact_name, @billing_contact_email, @now, @now)
RETURNING id;

-- name: UpdateAgency :exec
UPDATE agencies
SET name = @name, sector = @sector,
    billing_contact_name = @billing_contact_name, billing_contact_email = @billing_contact_email,
    updated_at = @now
WHERE id = @id;

-- name: SetAgencyBand :exec
-- The band the managing partnership (or the first) gives an agency; a row
-- also puts the agency in that partnership's area.
INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band, created_at, updated_at)
VALUES (coalesce(acting_partnership_id(), first_partnership_id()), @agency_id, @charging_band, @now, @now)
ON CONFLICT (partnership_id, agency_id) DO UPDATE
SET charging_band = excluded.charging_band, updated_at = excluded.updated_at;

-- name: SetAgencyRetired :exec
UPDATE agencies SET retired_at = sqlc.narg(retired_at), updated_at = @now WHERE id = @id;

-- name: AgencyChoosable :one
SELECT EXISTS (SELECT 1 FROM agencies WHERE id = @id AND retired_at IS NULL);

-- name: SetAgencyStripeCustomer :execrows
-- The agency's Stripe customer, and the name and email last sent to it,
-- recorded only while the agency still has that name and billing email (a
-- change made while Stripe answered is sent next time) and not recorded
-- already (a second run, or two at once, record it once).
UPDATE agencies SET stripe_customer_id = @stripe_customer_id, stripe_customer_email = @stripe_customer_email::text,
                    stripe_customer_name = @stripe_customer_name::text, updated_at = @now
WHERE id = @id AND name = @stripe_customer_name::text AND billing_contact_email = @stripe_customer_email::text
  AND (stripe_customer_id IS NULL OR stripe_customer_id = @stripe_customer_id)
  AND (stripe_customer_id IS NULL OR stripe_customer_email IS DISTINCT FROM @stripe_customer_email::text
       OR stripe_customer_name IS DISTINCT FROM @stripe_customer_name::text);

-- name: FindAgenciesByName :many
-- Agencies, retired ones too, whose name holds @pattern (a lower-case LIKE
-- pattern): the one named exactly @exact_name first, then by name.
SELECT a.id, a.name, a.retired_at
FROM agencies a
WHERE lower(a.name) LIKE @pattern::text
ORDER BY (lower(a.name) = lower(@exact_name::text)) DESC, lower(a.name), a.id
LIMIT @max_rows;

-- name: GetAgencyName :one
SELECT a.id, a.name, a.retired_at FROM agencies a WHERE a.id = @id;
