-- The practitioner's booking pages: the session a booking form is for.

-- name: SessionForBookingForm :one
-- The session as its booking form shows it to person @person_id, in one
-- statement (the form, and the answer to a booking that found it full):
-- its course and venue, the agency it is closed to, the person's live
-- booking of it, whether they deliver it, their agency, and what a place
-- costs that agency (as payment's PlacePrice: the same SQL function).
SELECT s.id, s.course_id, s.course_title, c.slug AS course_slug, s.status, s.capacity, s.seats_taken, s.starts_at, s.ends_at,
       s.booking_cutoff_at, s.closed_to_agency_id, coalesce(a.name, '')::text AS closed_to_agency_name,
       s.cancelled_reason, v.name AS venue_name, v.town AS venue_town, v.online AS venue_online,
       s.agency_cap, s.sector_cap, s.caps_release_at,
       u.agency_id AS person_agency_id,
       coalesce(live.id, 0)::bigint AS live_booking_id, coalesce(live.status::text, '')::text AS live_status,
       EXISTS (SELECT 1 FROM session_trainers t WHERE t.session_id = s.id AND t.trainer_id = @person_id)::boolean AS delivers,
       place_price(s.course_id, s.partnership_id, u.agency_id)::int AS price_pence
FROM sessions s
JOIN courses c ON c.id = s.course_id
JOIN venues v ON v.id = s.venue_id
LEFT JOIN agencies a ON a.id = s.closed_to_agency_id
LEFT JOIN users u ON u.id = @person_id
LEFT JOIN LATERAL (
    SELECT b.id, b.status FROM bookings b
    WHERE b.session_id = s.id AND b.user_id = @person_id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval')
    LIMIT 1) live ON true
WHERE s.id = @id;

-- name: SessionIDByInviteToken :one
SELECT id FROM sessions WHERE invite_token = @invite_token::text;
