-- name: AddDemoBooking :exec
-- A demo booking: a confirmed place, with attendance for a past session.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, line_manager_name, line_manager_email,
                      access_needs, policy_agreed_at, confirmed_at, attendance)
SELECT @session_id, u.id, u.agency_id, 'confirmed', u.id, @line_manager_name, @line_manager_email, @access_needs,
       now(), now(), sqlc.narg(attendance)
FROM users u
WHERE u.email = @email
  AND (SELECT seats_taken < capacity FROM sessions WHERE id = @session_id)
ON CONFLICT DO NOTHING;

-- name: AddDemoPastPlace :batchone
-- A claim on a past session of the demo's past term, as the booking rules
-- would have left it: a place taken and its register mark, a cancellation
-- (late inside the cut-off), a place passed to a colleague or moved to
-- another session (replaced_by), or a waiting list that never got a place
-- (still waiting, or an offer that expired).
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, line_manager_name, line_manager_email,
                      policy_agreed_at, waiting_since, offered_at, offer_expires_at, confirmed_at,
                      ended_at, ended_by, late, end_note, replaced_by, attendance, attendance_by, attendance_at,
                      created_at, updated_at)
SELECT @session_id, u.id, u.agency_id, @status::booking_status, u.id, @line_manager_name, @line_manager_email,
       @booked_at::timestamptz,
       CASE WHEN @status::booking_status IN ('waiting', 'expired') THEN @booked_at::timestamptz END,
       CASE WHEN @status::booking_status = 'expired' THEN sqlc.narg(ended_at)::timestamptz - interval '48 hours' END,
       CASE WHEN @status::booking_status = 'expired' THEN sqlc.narg(ended_at)::timestamptz END,
       CASE WHEN @status::booking_status NOT IN ('waiting', 'expired') THEN @booked_at::timestamptz END,
       sqlc.narg(ended_at)::timestamptz, sqlc.narg(ended_by), @late, @end_note, sqlc.narg(replaced_by),
       sqlc.narg(attendance), sqlc.narg(attendance_by), sqlc.narg(attendance_at)::timestamptz,
       @booked_at::timestamptz, coalesce(sqlc.narg(attendance_at)::timestamptz, sqlc.narg(ended_at)::timestamptz, @booked_at::timestamptz)
FROM users u
WHERE u.id = @user_id
RETURNING id;

-- name: AddDemoAwaitingApproval :one
-- A demo place waiting for the line manager's approval, while the session
-- has a seat (approval.go): the booking and its request, whose link nobody
-- holds (only a fingerprint of a random token is kept).
WITH b AS (
    INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, line_manager_name, line_manager_email,
                          policy_agreed_at, approval_expires_at, created_at, updated_at)
    SELECT @session_id, u.id, u.agency_id, 'awaiting_approval', u.id, @line_manager_name, @line_manager_email,
           @now::timestamptz, @until::timestamptz, @now::timestamptz, @now::timestamptz
    FROM users u
    WHERE u.email = @email
      AND (SELECT seats_taken < capacity FROM sessions WHERE id = @session_id)
    ON CONFLICT DO NOTHING
    RETURNING id
)
INSERT INTO booking_approvals (booking_id, line_manager_name, line_manager_email, token_hash, asked_at, expires_at)
SELECT b.id, @line_manager_name, @line_manager_email, @token_hash, @now::timestamptz, @until::timestamptz FROM b
RETURNING booking_id;
