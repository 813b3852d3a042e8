-- booking's part of the privacy registry: a person's bookings, for "Download
-- your data", and their erasure. Export queries never read a token, a secret
-- or a Stripe page's address.

-- name: EraseBookingDetails :exec
-- The bookings stay, with agency and attendance, for the figures; what the
-- person told us and notes about their place go ("Account deleted" says only
-- why an erasure ended it).
UPDATE bookings
SET access_needs = '', dietary_needs = '', line_manager_name = '', line_manager_email = '',
    end_note = CASE WHEN end_note = 'Account deleted' THEN end_note ELSE '' END,
    -- a place past its agency's cap stays counted as one, without the reason
    cap_exceeded_reason = CASE WHEN cap_exceeded_reason = '' THEN '' ELSE 'Reason removed with the account' END
WHERE user_id = @user_id;

-- name: ExportBookings :many
SELECT b.created_at, s.course_title, s.starts_at, s.ends_at, b.status, b.late, b.attendance,
       b.access_needs, b.dietary_needs, b.line_manager_name, b.line_manager_email::text AS line_manager_email,
       b.end_note, b.cap_exceeded_reason,
       coalesce(a.name, '')::text AS agency_name
FROM bookings b
JOIN sessions s ON s.id = b.session_id
LEFT JOIN agencies a ON a.id = b.agency_id
WHERE b.user_id = @user_id
ORDER BY b.created_at, b.id;
