-- Payments: prices, the charge policy, Stripe customers and the ledger of
-- Stripe events.

-- name: RecordStripeEvent :execrows
-- Claims an event for processing; no row means it was processed already (or
-- is being processed by a transaction that has not yet ended, which this one
-- waits for).
INSERT INTO stripe_events (id, type, received_at, processed_at)
VALUES (@id, @type, @now, @now)
ON CONFLICT (id) DO NOTHING;

-- name: StripeEventProcessed :one
SELECT EXISTS (SELECT 1 FROM stripe_events WHERE id = @id);

-- name: PriceCourse :one
SELECT id, slug, title, duration, retired_at FROM courses WHERE id = @id;

-- name: PriceCourseBySlug :one
SELECT id FROM courses WHERE slug = @slug;

-- name: LockPriceCourse :one
SELECT id, title FROM courses WHERE id = @id FOR UPDATE;

-- name: CoursePrices :many
-- The bands that pay for a course; a band with no row is free.
SELECT charging_band, amount_pence FROM course_prices WHERE course_id = @course_id;

-- name: CoursePriceForBand :one
-- A course's price for one band, 0 when none is set.
SELECT coalesce((SELECT amount_pence FROM course_prices
                 WHERE course_id = @course_id AND charging_band = @charging_band), 0)::integer AS amount_pence;

-- name: AllCoursePrices :many
-- Every course (not bespoke, not retired) with its price per band.
SELECT c.id, c.title, c.duration,
       coalesce(p.amount_pence, 0)::integer AS partner,
       coalesce(q.amount_pence, 0)::integer AS contributing,
       coalesce(r.amount_pence, 0)::integer AS non_contributing
FROM courses c
LEFT JOIN course_prices p ON p.course_id = c.id AND p.charging_band = 'partner'
LEFT JOIN course_prices q ON q.course_id = c.id AND q.charging_band = 'contributing'
LEFT JOIN course_prices r ON r.course_id = c.id AND r.charging_band = 'non_contributing'
WHERE c.retired_at IS NULL AND NOT c.bespoke
ORDER BY lower(c.title), c.id;

-- name: SetCoursePrice :exec
INSERT INTO course_prices (course_id, charging_band, amount_pence, updated_at)
VALUES (@course_id, @charging_band, @amount_pence, @now)
ON CONFLICT (course_id, charging_band) DO UPDATE
SET amount_pence = excluded.amount_pence, updated_at = excluded.updated_at;

-- name: DeleteCoursePrice :exec
DELETE FROM course_prices WHERE course_id = @course_id AND charging_band = @charging_band;

-- name: ChargePolicy :many
SELECT kind, duration, charging_band, amount_pence FROM charge_policy
ORDER BY kind DESC, duration DESC, charging_band DESC;

-- name: LockChargePolicy :many
SELECT kind, duration, charging_band, amount_pence FROM charge_policy FOR UPDATE;

-- name: ChargePolicyAmount :one
SELECT amount_pence FROM charge_policy
WHERE kind = @kind AND duration = @duration AND charging_band = @charging_band;

-- name: SetChargePolicyAmount :exec
UPDATE charge_policy SET amount_pence = @amount_pence, updated_at = @now
WHERE kind = @kind AND duration = @duration AND charging_band = @charging_band;

-- name: PlacePrice :one
-- What a place on a course costs an agency (NULL: an organisation not yet
-- listed, which pays as a non-contributing one); booking reads the same
-- function before it takes a place.
SELECT place_price(@course_id, sqlc.narg(agency_id))::int AS amount_pence;

-- name: AgencyBand :one
SELECT charging_band FROM agencies WHERE id = @id;

-- name: LockAgencyBilling :one
SELECT id, name, billing_contact_name, billing_contact_email, stripe_customer_id,
       stripe_customer_email, stripe_customer_name, updated_at
FROM agencies WHERE id = @id FOR UPDATE;

-- name: AgencyBilling :one
-- Read, not locked: Stripe is asked with no row held.
SELECT id, name, billing_contact_name, billing_contact_email, stripe_customer_id,
       stripe_customer_email, stripe_customer_name, updated_at
FROM agencies WHERE id = @id;
