-- The certificate's gate (internal/evaluation): a place's certificate waits
-- for its evaluation while the settings ask it to and the evaluation is open
-- and unanswered.

-- name: CertificateWaits :one
SELECT (st.certificate_needs_evaluation AND e.submitted_at IS NULL AND e.closes_at > @now)::boolean AS waits
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_settings st ON st.partnership_id = s.partnership_id
WHERE e.booking_id = @booking_id;
