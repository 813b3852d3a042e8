-- Bookings: every change to a session's places happens with the session's
-- row locked (LockSessionForBooking), so the changes to one session's
-- bookings take turns and the waiting list is offered in order.

-- name: LockSessionForBooking :one
SELECT s.id, s.course_id, s.course_title, s.status, s.capacity, s.seats_taken, s.starts_at, s.ends_at,
       s.booking_cutoff_at, s.closed_to_agency_id, s.invite_token, s.meeting_url,
       v.name AS venue_name, v.online AS venue_online, s.agency_cap, s.sector_cap, s.caps_release_at
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.id = @id
FOR UPDATE OF s;

-- name: GetPersonForBooking :one
-- FOR SHARE: an erasure of this person (which locks the row FOR NO KEY
-- UPDATE) either finishes first, so the booking sees them erased, or waits
-- until the booking is done and then cancels it.
SELECT id, email, full_name, agency_id, (email_verified_at IS NOT NULL)::boolean AS verified, (erased_at IS NOT NULL)::boolean AS erased
FROM users WHERE id = @id
FOR SHARE;

-- name: FindColleagueByEmail :one
SELECT id, email, full_name, agency_id, (email_verified_at IS NOT NULL)::boolean AS verified, (erased_at IS NOT NULL)::boolean AS erased
FROM users WHERE email = @email AND erased_at IS NULL
FOR SHARE;

-- name: LiveBookingFor :one
SELECT id, status FROM bookings
WHERE session_id = @session_id AND user_id = @user_id AND status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval');

-- name: TakePlace :one
-- A confirmed place, only while the session has a free seat. The caller
-- holds the session's row lock; the trigger counts the seat and the CHECK on
-- sessions refuses an over-filled session whatever the caller did.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                      line_manager_name, line_manager_email, policy_agreed_at, confirmed_at, created_at, updated_at,
                      cap_exceeded_reason)
SELECT s.id, @user_id, sqlc.narg(agency_id), 'confirmed', @booked_by, @access_needs, @dietary_needs,
       @line_manager_name, @line_manager_email, @now::timestamptz, @now::timestamptz, @now::timestamptz, @now::timestamptz,
       @cap_exceeded_reason
FROM sessions s
WHERE s.id = @session_id AND s.seats_taken < s.capacity
RETURNING id;

-- name: JoinWaitingList :one
-- A place on the waiting list, only while the session is full, or while
-- the person's agency or sector holds all the places its cap allows.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                      line_manager_name, line_manager_email, policy_agreed_at, waiting_since, created_at, updated_at)
SELECT s.id, @user_id, sqlc.narg(agency_id), 'waiting', @booked_by, @access_needs, @dietary_needs,
       @line_manager_name, @line_manager_email, @now::timestamptz, @now::timestamptz, @now::timestamptz, @now::timestamptz
FROM sessions s
WHERE s.id = @session_id AND (s.seats_taken >= s.capacity OR @capped::boolean)
RETURNING id;

-- name: WaitingPosition :one
-- Where a waiting booking stands: 1 is next.
SELECT count(*)::int AS position FROM bookings w, bookings b
WHERE b.id = @id AND w.session_id = b.session_id AND w.status = 'waiting'
  AND (w.queue_position, w.id) <= (b.queue_position, b.id);

-- name: OfferFreePlaces :many
-- Offers each free place of a published session to the next person waiting,
-- holding the place until the deadline (never past the cut-off). Nothing is
-- offered once the cut-off has passed.
WITH open_session AS (
    SELECT ss.id AS sid, ss.capacity - ss.seats_taken AS free, ss.booking_cutoff_at AS cutoff FROM sessions ss
    WHERE ss.id = @session_id AND session_open_for_booking(ss.status, ss.booking_cutoff_at, @now::timestamptz)
), next_waiting AS (
    SELECT w.id AS wid FROM bookings w JOIN open_session o ON o.sid = w.session_id
    WHERE w.status = 'waiting'
      -- while caps hold, only the people the caps let in (chosen in Go)
      AND (sqlc.narg(only_ids)::bigint[] IS NULL OR w.id = ANY (sqlc.narg(only_ids)::bigint[]))
    ORDER BY w.queue_position, w.id
    LIMIT (SELECT greatest(free, 0) FROM open_session)
)
UPDATE bookings b
SET status = 'offered', offered_at = @now::timestamptz, offer_expires_at = least(@deadline::timestamptz, o.cutoff),
    updated_at = @now::timestamptz
FROM open_session o, next_waiting n
WHERE b.id = n.wid
RETURNING b.id, b.user_id, b.offer_expires_at;

-- name: GetBooking :one
SELECT * FROM booking_details WHERE id = @id;

-- name: ConfirmOffer :one
-- An offer accepted in time becomes a place, once.
UPDATE bookings SET status = 'confirmed', confirmed_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND status = 'offered' AND offer_expires_at > @now::timestamptz
RETURNING id;

-- name: EndBooking :one
-- Ends a live booking (from one of the given states) for a reason.
UPDATE bookings
SET status = @status, ended_at = @now::timestamptz, ended_by = sqlc.narg(ended_by), late = @late, end_note = @end_note,
    replaced_by = sqlc.narg(replaced_by), updated_at = @now::timestamptz,
    -- a session cancelled after its register was taken: no place, no mark
    attendance = NULL, attendance_by = NULL, attendance_at = NULL
WHERE id = @id AND status::text = ANY (@from_states::text[])
RETURNING id;

-- name: SetReplacedBy :exec
UPDATE bookings SET replaced_by = @replaced_by, updated_at = now() WHERE id = @id;

-- name: ExpiredOfferSessions :many
SELECT DISTINCT session_id FROM bookings WHERE status = 'offered' AND offer_expires_at <= @now::timestamptz;

-- name: ExpireOffers :many
UPDATE bookings SET status = 'expired', ended_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE session_id = @session_id AND status = 'offered' AND offer_expires_at <= @now::timestamptz
RETURNING id;

-- name: LiveBookingsOfSession :many
SELECT id, status FROM bookings
WHERE session_id = @session_id AND status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval')
ORDER BY id;

-- name: FutureLiveBookingsOf :many
-- A person's live bookings of sessions that have not started.
SELECT b.id, b.session_id FROM bookings b JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval') AND s.starts_at > @now::timestamptz
ORDER BY b.session_id;

-- name: MyBookings :many
-- Everything a person has booked or waited for, newest session first.
SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at, b.waiting_since, b.ended_at,
       b.hold_expires_at, b.end_note,
       s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.status AS session_status,
       v.name AS venue_name, v.online AS venue_online, c.slug AS course_slug, c.duration AS course_duration,
       b.ended_by, s.cancelled_reason AS session_cancelled_reason,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = b.ended_by AND r.role = 'manager')::boolean AS ended_by_manager,
       CASE WHEN b.status = 'waiting' THEN (
           SELECT count(*) FROM bookings w
           WHERE w.session_id = b.session_id AND w.status = 'waiting'
             AND (w.queue_position, w.id) <= (b.queue_position, b.id))
       ELSE 0 END::int AS position
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
WHERE b.user_id = @user_id
ORDER BY s.starts_at DESC, b.id DESC;

-- name: SessionBookingList :many
-- A session's list: places, offers and the waiting list in order, then the
-- bookings that ended.
SELECT b.id, b.user_id, b.status, b.late, b.attendance, b.access_needs, b.dietary_needs,
       b.line_manager_name, b.line_manager_email::text AS line_manager_email,
       b.offer_expires_at, b.waiting_since, b.confirmed_at, b.ended_at, b.end_note, b.queue_position,
       b.hold_expires_at, b.cap_exceeded_reason,
       u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
       coalesce(a.name, u.unlisted_agency_name, '')::text AS agency_name
FROM bookings b
JOIN users u ON u.id = b.user_id
LEFT JOIN agencies a ON a.id = b.agency_id
WHERE b.session_id = @session_id
ORDER BY CASE b.status WHEN 'confirmed' THEN 0 WHEN 'held' THEN 1 WHEN 'awaiting_approval' THEN 1 WHEN 'offered' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END,
         CASE WHEN b.status IN ('confirmed', 'offered', 'waiting') THEN b.queue_position END,
         u.full_name, b.id;

-- name: AgencyBookingList :many
-- An agency's bookings, for its coordinator.
SELECT b.id, b.session_id, b.user_id, b.status, b.late, b.attendance, b.offer_expires_at, b.ended_at,
       u.full_name, u.email::text AS email, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at,
       s.status AS session_status, v.name AS venue_name, v.online AS venue_online
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
WHERE b.agency_id = @agency_id
ORDER BY s.starts_at DESC, u.full_name, b.id;

-- name: WaitingCounts :many
SELECT session_id, count(*)::int AS waiting FROM bookings
WHERE session_id = ANY (@session_ids::bigint[]) AND status = 'waiting'
GROUP BY session_id;

-- name: ForgetBookingDetails :exec
-- An erased person's needs and line manager go; the bookings stay, anonymous.
UPDATE bookings SET access_needs = '', dietary_needs = '', line_manager_name = '', line_manager_email = ''
WHERE user_id = @user_id;

-- name: CapOfferDeadlines :many
-- A session moved earlier: no offer may run past its new cut-off. Returns
-- each offer's new deadline, for its expiry job.
UPDATE bookings b SET offer_expires_at = s.booking_cutoff_at, updated_at = now()
FROM sessions s
WHERE s.id = @session_id AND b.session_id = s.id AND b.status = 'offered' AND b.offer_expires_at > s.booking_cutoff_at
RETURNING b.offer_expires_at::timestamptz AS deadline;
