-- The booking's critical section (internal/booking/book.go): BookingCheck
-- reads, without the session's lock, everything a booking is checked
-- against, and the new booking's id; the email and jobs are written next,
-- for the place the read foresees; TakePlaceAsSeen then takes the lock and
-- the place in one statement, while the session's terms are as BookingCheck
-- read them and the place is the one foreseen. Only the commit follows it.

-- name: BookingCheck :one
-- The person (FOR SHARE: an erasure, which locks the row FOR NO KEY UPDATE,
-- either finishes first, so the booking sees them erased, or waits until the
-- booking is done and then cancels it), the session as a booking email tells
-- of it, and what the checks need: whether they deliver it, their live
-- booking of it, the price for their agency, its approval setting, whether
-- the course has prerequisites, whether the session's reminders are
-- scheduled (they are once it has a confirmed place: the confirmation
-- scheduled them in its transaction, a move schedules them again, and
-- ScheduleMissing makes it so at every start), and the id the booking will have (taken
-- from the sequence of bookings now, so the email can link to it before the
-- place is taken; an id not used is a gap, as a rolled-back insert leaves).
SELECT u.id AS person_id, u.email::text AS person_email, u.full_name AS person_name, u.agency_id AS person_agency_id,
       (u.email_verified_at IS NOT NULL)::boolean AS verified, (u.erased_at IS NOT NULL)::boolean AS erased,
       u.line_manager_name AS remembered_line_manager_name, u.line_manager_email::text AS remembered_line_manager_email,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(a.line_manager_approval, false)::boolean AS agency_approval,
       coalesce(a.approval_hours, 0)::int AS approval_hours,
       s.id, s.course_id, s.course_title, s.status, s.capacity, s.seats_taken, s.starts_at, s.ends_at,
       s.booking_cutoff_at, s.closed_to_agency_id, s.invite_token, s.meeting_url,
       v.name AS venue_name, v.town AS venue_town, v.online AS venue_online, s.agency_cap, s.sector_cap, s.caps_release_at,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address,
       c.slug AS course_slug, c.duration AS course_duration, c.summary AS course_summary, s.sequence AS session_sequence,
       session_booking_terms(s)::text AS terms,
       EXISTS (SELECT 1 FROM session_trainers t WHERE t.session_id = s.id AND t.trainer_id = u.id)::boolean AS delivers,
       coalesce(live.id, 0)::bigint AS live_booking_id, coalesce(live.status::text, '')::text AS live_status,
       place_price(s.course_id, s.partnership_id, u.agency_id)::int AS price_pence,
       EXISTS (SELECT 1 FROM course_prerequisites p WHERE p.course_id = s.course_id)::boolean AS has_prerequisites,
       EXISTS (SELECT 1 FROM bookings cb WHERE cb.session_id = s.id AND cb.status = 'confirmed')::boolean AS reminders_scheduled,
       nextval('bookings_id_seq')::bigint AS next_booking_id,
       s.partnership_id, pp.name AS partnership_name, pp.email AS partnership_email, pp.phone AS partnership_phone,
       pp.configured AS partnership_configured
FROM users u
CROSS JOIN sessions s
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
JOIN partnerships pp ON pp.id = s.partnership_id
LEFT JOIN agencies a ON a.id = u.agency_id
LEFT JOIN LATERAL (
    SELECT b.id, b.status FROM bookings b
    WHERE b.session_id = s.id AND b.user_id = u.id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval')
    LIMIT 1) live ON true
WHERE u.id = @person_id AND s.id = @session_id
FOR SHARE OF u;

-- name: TakePlaceAsSeen :one
-- Locks the session, only while its terms are those BookingCheck read
-- (under READ COMMITTED, FOR UPDATE waits for the lock, then checks the
-- terms and reads seats_taken on the row as it now stands), and takes the
-- place under that lock, with the id BookingCheck took: free_status
-- (confirmed, or held for payment until hold_until) while a seat is free,
-- else a place on the waiting list when asked for; but only the place
-- foreseen (expect_status), the one whose email and jobs are written. The
-- trigger counts the seat and the CHECK on sessions refuses an over-filled
-- session whatever happened. Anything else fails the statement, and so the
-- transaction, when @refuse_otherwise (booking_place_taken, 00075: SQLSTATE
-- BK001, its detail the place the session now gives, '' when full and the
-- person would rather not wait, 'changed' when the terms changed), so that
-- a COMMIT sent in the same pipeline commits only the place foreseen; else
-- it is the row's status ('changed' for the terms) with placed false.
WITH locked AS (
    SELECT ss.id,
           CASE WHEN ss.seats_taken < ss.capacity THEN @free_status::text
                WHEN @join_waiting_list::boolean THEN 'waiting' ELSE '' END AS status
    FROM sessions ss
    WHERE ss.id = @session_id AND session_booking_terms(ss) = @terms::text
    FOR UPDATE
), placed AS (
    INSERT INTO bookings (id, session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                          line_manager_name, line_manager_email, policy_agreed_at, confirmed_at, hold_expires_at,
                          waiting_since, created_at, updated_at)
    OVERRIDING SYSTEM VALUE
    SELECT @booking_id, l.id, @user_id, sqlc.narg(agency_id), l.status::booking_status,
           @booked_by, @access_needs, @dietary_needs, @line_manager_name, @line_manager_email, @now::timestamptz,
           CASE WHEN l.status = 'confirmed' THEN @now::timestamptz END,
           CASE WHEN l.status = 'held' THEN sqlc.narg(hold_until)::timestamptz END,
           CASE WHEN l.status = 'waiting' THEN @now::timestamptz END,
           @now::timestamptz, @now::timestamptz
    FROM locked l
    WHERE l.status = @expect_status::text AND l.status <> ''
    RETURNING id
), took AS (
    SELECT (SELECT l.status FROM locked l) AS status, EXISTS (SELECT 1 FROM placed) AS placed
)
SELECT coalesce(t.status, 'changed')::text AS status,
       booking_place_taken(t.placed, t.status, @refuse_otherwise::boolean)::boolean AS placed
FROM took t;
