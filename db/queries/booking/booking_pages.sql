-- The practitioner's booking pages: the session a booking form is for.

-- name: SessionForBookingForm :one
SELECT s.id, s.course_id, s.course_title, c.slug AS course_slug, s.status, s.capacity, s.seats_taken, s.starts_at, s.ends_at,
       s.booking_cutoff_at, s.closed_to_agency_id, coalesce(a.name, '')::text AS closed_to_agency_name,
       s.cancelled_reason, v.name AS venue_name, v.town AS venue_town, v.online AS venue_online,
       s.agency_cap, s.sector_cap, s.caps_release_at
FROM sessions s
JOIN courses c ON c.id = s.course_id
JOIN venues v ON v.id = s.venue_id
LEFT JOIN agencies a ON a.id = s.closed_to_agency_id
WHERE s.id = @id;

-- name: SessionIDByInviteToken :one
SELECT id FROM sessions WHERE invite_token = @invite_token::text;

-- name: AgencyOfPerson :one
SELECT agency_id FROM users WHERE id = @id;
