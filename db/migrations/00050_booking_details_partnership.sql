-- Each partnership's letters in its own name (issue 22): a booking's details
-- say whose session it is, so its confirmation, reminders and invitations are
-- signed by that partnership and come from its training team.
--
-- The views read their tables as the one reading the view (security_invoker),
-- so a training manager sees through them only their partnership's rows, as
-- the row-level security policies of migration 00049 say; a view otherwise
-- reads as its owner, whom the policies do not hold.

-- +goose Up
CREATE OR REPLACE VIEW booking_details WITH (security_invoker = true) AS
SELECT b.id, b.session_id, b.user_id, b.agency_id, b.status, b.booked_by, b.access_needs, b.dietary_needs,
       b.line_manager_name, b.line_manager_email::text AS line_manager_email, b.policy_agreed_at,
       b.waiting_since, b.offered_at, b.offer_expires_at, b.confirmed_at, b.ended_at, b.late, b.end_note,
       b.replaced_by, b.attendance, b.created_at,
       u.email::text AS person_email, u.full_name AS person_name, (u.erased_at IS NOT NULL)::boolean AS person_erased,
       s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.status AS session_status,
       s.meeting_url, s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address, coalesce(a.name, '')::text AS agency_name,
       c.slug AS course_slug, c.duration AS course_duration, c.summary AS course_summary, s.sequence AS session_sequence,
       -- who ended it, for "cancelled by you" and "cancelled for you", and the partnership's reason
       b.ended_by, s.cancelled_reason AS session_cancelled_reason,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = b.ended_by AND r.role = 'manager')::boolean AS ended_by_manager,
       -- a place on the agency's invoice: its price, purchase order and where it stands
       coalesce(inv.amount_pence, 0)::bigint AS invoice_pence, coalesce(inv.purchase_order, '')::text AS invoice_purchase_order,
       coalesce(inv.status, '')::text AS invoice_status,
       -- the booking this one took over when the person was moved (0 for none), whose invite is to be cancelled
       coalesce((SELECT o.id FROM bookings o WHERE o.user_id = b.user_id AND o.replaced_by = b.id AND o.status = 'moved'
                 ORDER BY o.id DESC LIMIT 1), 0)::bigint AS moved_from_id,
       b.hold_expires_at,
       -- money: what was paid by card for the place, and what of it is to be (or was) refunded
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.method = 'card'
                 AND p.status IN ('paid', 'refunded') ORDER BY p.id DESC LIMIT 1), 0)::bigint AS paid_pence,
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.refund_requested_at IS NOT NULL
                 ORDER BY p.id DESC LIMIT 1), 0)::bigint AS refund_pence,
       -- the partnership whose session it is: its letters and invitations are in its name
       s.partnership_id, pp.name AS partnership_name, pp.email AS partnership_email, pp.phone AS partnership_phone,
       pp.configured AS partnership_configured
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
JOIN partnerships pp ON pp.id = s.partnership_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN LATERAL (
    SELECT p.amount_pence, p.purchase_order, p.status FROM payments p
    WHERE p.booking_id = b.id AND p.method = 'invoice' ORDER BY p.id DESC LIMIT 1) inv ON true;
ALTER VIEW training_validity SET (security_invoker = true);

-- +goose Down
ALTER VIEW training_validity RESET (security_invoker);
DROP VIEW booking_details;
CREATE VIEW booking_details AS
SELECT b.id, b.session_id, b.user_id, b.agency_id, b.status, b.booked_by, b.access_needs, b.dietary_needs,
       b.line_manager_name, b.line_manager_email::text AS line_manager_email, b.policy_agreed_at,
       b.waiting_since, b.offered_at, b.offer_expires_at, b.confirmed_at, b.ended_at, b.late, b.end_note,
       b.replaced_by, b.attendance, b.created_at,
       u.email::text AS person_email, u.full_name AS person_name, (u.erased_at IS NOT NULL)::boolean AS person_erased,
       s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.status AS session_status,
       s.meeting_url, s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address, coalesce(a.name, '')::text AS agency_name,
       c.slug AS course_slug, c.duration AS course_duration, c.summary AS course_summary, s.sequence AS session_sequence,
       -- who ended it, for "cancelled by you" and "cancelled for you", and the partnership's reason
       b.ended_by, s.cancelled_reason AS session_cancelled_reason,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = b.ended_by AND r.role = 'manager')::boolean AS ended_by_manager,
       -- a place on the agency's invoice: its price, purchase order and where it stands
       coalesce(inv.amount_pence, 0)::bigint AS invoice_pence, coalesce(inv.purchase_order, '')::text AS invoice_purchase_order,
       coalesce(inv.status, '')::text AS invoice_status,
       -- the booking this one took over when the person was moved (0 for none), whose invite is to be cancelled
       coalesce((SELECT o.id FROM bookings o WHERE o.user_id = b.user_id AND o.replaced_by = b.id AND o.status = 'moved'
                 ORDER BY o.id DESC LIMIT 1), 0)::bigint AS moved_from_id,
       b.hold_expires_at,
       -- money: what was paid by card for the place, and what of it is to be (or was) refunded
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.method = 'card'
                 AND p.status IN ('paid', 'refunded') ORDER BY p.id DESC LIMIT 1), 0)::bigint AS paid_pence,
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.refund_requested_at IS NOT NULL
                 ORDER BY p.id DESC LIMIT 1), 0)::bigint AS refund_pence
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN LATERAL (
    SELECT p.amount_pence, p.purchase_order, p.status FROM payments p
    WHERE p.booking_id = b.id AND p.method = 'invoice' ORDER BY p.id DESC LIMIT 1) inv ON true;
