-- Demo data for an empty database (payment.SeedDemoPricesTx).

-- name: SeedDemoPrices :exec
-- Demo prices: the non-contributing band (private and independent
-- providers) pays £80 a full day and £40 a half day; everyone else is free.
INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence)
SELECT id, partnership_id, 'non_contributing', CASE duration WHEN 'full_day' THEN 8000 ELSE 4000 END
FROM courses WHERE NOT bespoke
ON CONFLICT DO NOTHING;

-- name: AddDemoCharge :execrows
-- A demo charge for an absence or a late cancellation, at the policy's
-- amount for the course's length and the booking agency's band; none when
-- the policy charges nothing (the partner band).
INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, invoice_reference,
                     decided_by, decided_at, created_at, updated_at)
SELECT b.id, b.agency_id, @kind, cp.amount_pence, @status, @waiver_reason, sqlc.narg(invoice_reference),
       sqlc.narg(decided_by), sqlc.narg(decided_at)::timestamptz, @created_at::timestamptz,
       coalesce(sqlc.narg(decided_at)::timestamptz, @created_at::timestamptz)
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
JOIN charge_policy cp ON cp.partnership_id = s.partnership_id AND cp.kind = @kind AND cp.duration = c.duration::text
                     AND cp.charging_band = agency_band(s.partnership_id, b.agency_id)
WHERE b.id = @booking_id AND b.agency_id IS NOT NULL AND cp.amount_pence > 0;

-- name: AddDemoPayment :execrows
-- A demo paid place: paid by card (with a payment intent) or on the
-- agency's invoice (with a purchase order and the finance team's
-- reference), at the course's price for the booking agency's band; none
-- when the place is free.
INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, purchase_order, invoice_reference,
                      created_at, updated_at, paid_at)
SELECT b.id, @method, cp.amount_pence, 'paid', sqlc.narg(payment_intent_id), sqlc.narg(purchase_order),
       sqlc.narg(invoice_reference), @paid_at::timestamptz, @paid_at::timestamptz, @paid_at::timestamptz
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN course_prices cp ON cp.course_id = s.course_id AND cp.partnership_id = s.partnership_id
                      AND cp.charging_band = agency_band(s.partnership_id, b.agency_id)
WHERE b.id = @booking_id AND b.agency_id IS NOT NULL AND cp.amount_pence > 0;
