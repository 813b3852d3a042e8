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
-- pricing_partnership_id: whose prices a page shows, the managing
-- partnership's or the course's.
SELECT id, slug, title, duration, retired_at,
       coalesce(acting_partnership_id(), partnership_id)::bigint AS pricing_partnership_id
FROM courses WHERE id = @id;

-- name: PriceCourseBySlug :one
SELECT id FROM courses WHERE slug = @slug;

-- name: LockPriceCourse :one
-- A course the pricing partnership (the managing one's, else the course's)
-- offers, its prices held for this change: a transaction lock on them, as
-- FOR UPDATE on the course would need the right to change the course itself,
-- which a partnership offering another's HIPS course does not have.
SELECT c.id, c.title
FROM courses c
JOIN course_offers o ON o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)
CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock(hashtextextended('course_prices ' || o.course_id || ' ' || o.partnership_id, 0))) AS held
WHERE c.id = @id;

-- name: CoursePrices :many
-- The bands that pay for a course; a band with no row is free. The prices are
-- the managing partnership's, or on a page for everyone the course's
-- partnership's.
SELECT charging_band, amount_pence FROM course_prices
WHERE course_id = @course_id
  AND partnership_id = coalesce(acting_partnership_id(), (SELECT pc.partnership_id FROM courses pc WHERE pc.id = @course_id));

-- name: CoursePriceForBand :one
-- A course's price for one band on a session of one partnership, 0 when none
-- is set.
SELECT coalesce((SELECT amount_pence FROM course_prices
                 WHERE course_id = @course_id AND partnership_id = @partnership_id
                   AND charging_band = @charging_band), 0)::integer AS amount_pence;

-- name: AllCoursePrices :many
-- Every course (not bespoke, not retired) with its price per band: the
-- managing partnership's prices, or each course's partnership's.
SELECT c.id, c.title, c.duration,
       coalesce(p.amount_pence, 0)::integer AS partner,
       coalesce(q.amount_pence, 0)::integer AS contributing,
       coalesce(r.amount_pence, 0)::integer AS non_contributing
FROM courses c
LEFT JOIN course_prices p ON p.course_id = c.id AND p.charging_band = 'partner'
     AND p.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)
LEFT JOIN course_prices q ON q.course_id = c.id AND q.charging_band = 'contributing'
     AND q.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)
LEFT JOIN course_prices r ON r.course_id = c.id AND r.charging_band = 'non_contributing'
     AND r.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)
WHERE c.retired_at IS NULL AND NOT c.bespoke
  AND EXISTS (SELECT FROM course_offers o
              WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))
ORDER BY lower(c.title), c.id;

-- name: SetCoursePrice :exec
-- The managing partnership's price (or the course's partnership's).
INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence, updated_at)
VALUES (@course_id, coalesce(acting_partnership_id(), (SELECT pc.partnership_id FROM courses pc WHERE pc.id = @course_id)), @charging_band, @amount_pence, @now)
ON CONFLICT (course_id, partnership_id, charging_band) DO UPDATE
SET amount_pence = excluded.amount_pence, updated_at = excluded.updated_at;

-- name: DeleteCoursePrice :exec
DELETE FROM course_prices
WHERE course_id = @course_id AND charging_band = @charging_band
  AND partnership_id = coalesce(acting_partnership_id(), (SELECT pc.partnership_id FROM courses pc WHERE pc.id = @course_id));

-- name: ChargePolicy :many
-- The managing partnership's policy (or the first's).
SELECT kind, duration, charging_band, amount_pence FROM charge_policy
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
ORDER BY kind DESC, duration DESC, charging_band DESC;

-- name: LockChargePolicy :many
SELECT kind, duration, charging_band, amount_pence FROM charge_policy
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
FOR UPDATE;

-- name: ChargePolicyAmount :one
-- What one partnership's policy charges.
SELECT amount_pence FROM charge_policy
WHERE partnership_id = @partnership_id AND kind = @kind AND duration = @duration AND charging_band = @charging_band;

-- name: SetChargePolicyAmount :exec
UPDATE charge_policy SET amount_pence = @amount_pence, updated_at = @now
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id()) AND kind = @kind AND duration = @duration AND charging_band = @charging_band;

-- name: PlacePrice :one
-- What a place on a session costs an agency (NULL: an organisation not yet
-- listed, which pays as a non-contributing one): the session's partnership's
-- price for its course; booking reads the same function before it takes a
-- place.
SELECT place_price(s.course_id, s.partnership_id, sqlc.narg(agency_id))::int AS amount_pence
FROM sessions s WHERE s.id = @session_id;

-- name: AgencyBand :one
-- The band one partnership gives an agency.
SELECT agency_band(@partnership_id, @id)::text AS charging_band;

-- name: LockAgencyBilling :one
SELECT id, name, billing_contact_name, billing_contact_email, stripe_customer_id,
       stripe_customer_email, stripe_customer_name, updated_at
FROM agencies WHERE id = @id FOR UPDATE;

-- name: AgencyBilling :one
-- Read, not locked: Stripe is asked with no row held.
SELECT id, name, billing_contact_name, billing_contact_email, stripe_customer_id,
       stripe_customer_email, stripe_customer_name, updated_at
FROM agencies WHERE id = @id;
