-- Fair places: a session's caps on the places one agency or one sector may
-- hold until its release date. The seat-counting trigger refuses a place
-- beyond a cap; these read the shares so the application can say why, keep
-- the waiting list fair, and show each agency's share.

-- name: CapShare :one
-- The places an agency, and its sector, hold on a session (places, holds and
-- offers), with the agency's name and sector.
SELECT ag.name, ag.sector,
       (SELECT count(*) FROM bookings b
        WHERE b.session_id = @session_id AND b.agency_id = ag.id AND booking_status_takes_seat(b.status))::int AS agency_places,
       (SELECT count(*) FROM bookings b JOIN agencies a ON a.id = b.agency_id
        WHERE b.session_id = @session_id AND a.sector = ag.sector AND booking_status_takes_seat(b.status))::int AS sector_places
FROM agencies ag WHERE ag.id = @agency_id;

-- name: SeatsByAgency :many
-- The places each agency holds on a session, with its sector.
SELECT b.agency_id::bigint AS agency_id, a.sector, count(*)::int AS places
FROM bookings b JOIN agencies a ON a.id = b.agency_id
WHERE b.session_id = @session_id AND booking_status_takes_seat(b.status)
GROUP BY b.agency_id, a.sector;

-- name: WaitingWithAgency :many
-- A session's waiting list in order, with each person's agency and sector.
SELECT w.id, w.agency_id, coalesce(a.sector, '')::text AS sector
FROM bookings w LEFT JOIN agencies a ON a.id = w.agency_id
WHERE w.session_id = @session_id AND w.status = 'waiting'
ORDER BY w.queue_position, w.id;

-- name: SessionShares :many
-- A session's caps, and each agency's share of it, for its page and the
-- manager's list: the places it holds (and how many of them a manager let
-- past a cap), and how many of its people are waiting. One row with no
-- share (shared false) when nobody holds or waits for a place; none when
-- there is no such session.
SELECT s.agency_cap, s.sector_cap, s.caps_release_at, (sh.places IS NOT NULL)::boolean AS shared,
       coalesce(sh.agency_name, '')::text AS agency_name, coalesce(sh.sector, '')::text AS sector,
       coalesce(sh.places, 0)::int AS places, coalesce(sh.over_cap, 0)::int AS over_cap,
       coalesce(sh.waiting, 0)::int AS waiting
FROM sessions s
LEFT JOIN LATERAL (
    SELECT coalesce(a.name, u.unlisted_agency_name, '') AS agency_name, coalesce(a.sector, '') AS sector,
           count(*) FILTER (WHERE booking_status_takes_seat(b.status)) AS places,
           count(*) FILTER (WHERE booking_status_takes_seat(b.status) AND b.cap_exceeded_reason <> '') AS over_cap,
           count(*) FILTER (WHERE b.status = 'waiting') AS waiting
    FROM bookings b
    JOIN users u ON u.id = b.user_id
    LEFT JOIN agencies a ON a.id = b.agency_id
    WHERE b.session_id = s.id AND (booking_status_takes_seat(b.status) OR b.status = 'waiting')
    GROUP BY 1, 2
) sh ON true
WHERE s.id = @id
ORDER BY sh.places DESC, sh.agency_name;

-- name: SessionsWithCapsReleased :many
-- Published sessions whose caps lifted in the window, with people waiting
-- and places free: the places go to the waiting list in order.
SELECT s.id FROM sessions s
WHERE s.status = 'published' AND s.caps_release_at > @since::timestamptz AND s.caps_release_at <= @now::timestamptz
  AND s.seats_taken < s.capacity
  AND EXISTS (SELECT 1 FROM bookings w WHERE w.session_id = s.id AND w.status = 'waiting')
ORDER BY s.id;

-- name: CapExceededReason :one
SELECT cap_exceeded_reason FROM bookings WHERE id = @id;
