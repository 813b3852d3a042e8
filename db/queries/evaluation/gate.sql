-- The certificate's gate (internal/evaluation): a place's certificate waits
-- for its evaluation while the settings ask it to and the evaluation is open
-- and unanswered.

-- name: CertificateWaits :one
SELECT (st.certificate_needs_evaluation AND e.submitted_at IS NULL AND e.closes_at > @now)::boolean AS waits
FROM evaluations e
CROSS JOIN evaluation_settings st
WHERE e.booking_id = @booking_id;
