-- The certificate's gate (internal/evaluation): a place's certificate waits
-- for its evaluation while the settings ask it to and the evaluation is open
-- and unanswered.

-- name: CertificateWaits :one
SELECT (st.certificate_needs_evaluation AND e.submitted_at IS NULL AND e.closes_at > @now)::boolean AS waits
FROM evaluations e
CROSS JOIN evaluation_settings st
WHERE e.booking_id = @booking_id;

-- name: CertificatesWaiting :many
-- The person's places whose certificates wait for their evaluation.
SELECT e.booking_id, e.closes_at
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
CROSS JOIN evaluation_settings st
WHERE b.user_id = @user_id AND st.certificate_needs_evaluation AND e.submitted_at IS NULL AND e.closes_at > @now;
