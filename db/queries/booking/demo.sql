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
