-- The retention schedule (internal/privacy): each query handles at most
-- @max_rows records, so a rule runs in short transactions, and skips rows
-- another transaction holds (the next batch or the next day takes them).

-- name: ListUnverifiedAccountsBefore :many
-- Counted from sign-up, or from the last confirmation link sent (a second
-- sign-up with the address sends a new one).
SELECT u.id FROM users u
WHERE u.email_verified_at IS NULL AND u.erased_at IS NULL AND u.created_at < @before
  AND NOT EXISTS (
      SELECT 1 FROM account_tokens t
      WHERE t.user_id = u.id AND t.purpose = 'verify_email' AND t.created_at >= @before)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE SKIP LOCKED;

-- name: ListAccountsToWarn :many
-- Accounts unused since @unused_since and not yet warned, other than anyone
-- still booked on (or waiting for) a session to come.
SELECT u.id, u.email::text AS email, u.full_name
FROM users u
WHERE u.erased_at IS NULL AND u.email_verified_at IS NOT NULL
  AND coalesce(u.last_signed_in_at, u.created_at) < @unused_since::timestamptz
  AND u.inactivity_warned_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM bookings b JOIN sessions s ON s.id = b.session_id
      WHERE b.user_id = u.id AND b.status IN ('held', 'waiting', 'offered', 'confirmed') AND s.ends_at >= @now)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE OF u SKIP LOCKED;

-- name: MarkInactivityWarned :exec
UPDATE users SET inactivity_warned_at = @now::timestamptz WHERE id = @id;

-- name: ListInactiveAccountsToErase :many
-- Warned before @warned_before and not signed in since the warning.
SELECT u.id FROM users u
WHERE u.erased_at IS NULL
  AND u.inactivity_warned_at < @warned_before::timestamptz
  AND coalesce(u.last_signed_in_at, u.created_at) < u.inactivity_warned_at
  AND NOT EXISTS (
      SELECT 1 FROM bookings b JOIN sessions s ON s.id = b.session_id
      WHERE b.user_id = u.id AND b.status IN ('held', 'waiting', 'offered', 'confirmed') AND s.ends_at >= @now)
ORDER BY u.id
LIMIT @max_rows
FOR UPDATE OF u SKIP LOCKED;

-- name: ClearNeedsOfPastSessions :execrows
UPDATE bookings SET access_needs = '', dietary_needs = '', updated_at = @now
WHERE id IN (
    SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before AND (b.access_needs <> '' OR b.dietary_needs <> '')
    ORDER BY b.id
    LIMIT @max_rows
    FOR UPDATE OF b SKIP LOCKED);

-- name: ClearLineManagersOfPastSessions :execrows
UPDATE bookings SET line_manager_name = '', line_manager_email = '', updated_at = @now
WHERE id IN (
    SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before AND (b.line_manager_name <> '' OR b.line_manager_email <> '')
    ORDER BY b.id
    LIMIT @max_rows
    FOR UPDATE OF b SKIP LOCKED);

-- name: RemoveClosedEnquiriesPersonalData :many
-- A request is closed when accepted or declined; an accepted one only once
-- the last of its sessions is over too.
UPDATE enquiries
SET contact_name = 'Removed', contact_email = 'removed-' || id || '@deleted.invalid', contact_phone = '',
    access_needs = '', personal_data_removed_at = @now::timestamptz
WHERE id IN (
    SELECT e.id FROM enquiries e
    WHERE e.status IN ('accepted', 'declined') AND e.personal_data_removed_at IS NULL
      AND e.updated_at < @closed_before
      AND NOT EXISTS (
          SELECT 1 FROM enquiry_sessions es JOIN sessions s ON s.id = es.session_id
          WHERE es.enquiry_id = e.id AND s.ends_at >= @closed_before)
    ORDER BY e.id
    LIMIT @max_rows
    FOR UPDATE OF e SKIP LOCKED)
RETURNING id;

-- name: DeleteEnquiryMessages :exec
DELETE FROM enquiry_messages WHERE enquiry_id = ANY(@enquiry_ids::bigint[]);

-- name: ClearOldEmailText :execrows
UPDATE emails SET body_text = '', body_html = '', calendar_ics = ''
WHERE id IN (
    SELECT m.id FROM emails m
    WHERE m.created_at < @before AND (m.body_text <> '' OR m.body_html <> '' OR m.calendar_ics <> '')
    ORDER BY m.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteOldEmails :execrows
DELETE FROM emails
WHERE id IN (
    SELECT m.id FROM emails m WHERE m.created_at < @before
    ORDER BY m.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: ClearPastTimeOffReasons :execrows
UPDATE trainer_commitments SET reason = ''
WHERE id IN (
    SELECT t.id FROM trainer_commitments t
    WHERE t.session_id IS NULL AND t.reason <> '' AND upper(t.during) <= @now::timestamptz
    ORDER BY t.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteSignInAttemptsBatch :execrows
DELETE FROM sign_in_attempts
WHERE id IN (
    SELECT a.id FROM sign_in_attempts a WHERE a.at < @before
    ORDER BY a.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteExpiredWebSessionsBatch :execrows
DELETE FROM web_sessions
WHERE token_hash IN (
    SELECT w.token_hash FROM web_sessions w
    WHERE w.expires_at <= @now OR w.last_seen_at <= @idle_since
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteExpiredAccountTokens :execrows
DELETE FROM account_tokens
WHERE token_hash IN (
    SELECT t.token_hash FROM account_tokens t WHERE t.expires_at < @before
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteAuditEventsBatch :execrows
DELETE FROM audit_events
WHERE id IN (
    SELECT e.id FROM audit_events e WHERE e.at < @before
    ORDER BY e.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

-- name: DeleteChargesOfSessionsBefore :execrows
DELETE FROM charges
WHERE id IN (
    SELECT c.id FROM charges c JOIN bookings b ON b.id = c.booking_id JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before
    ORDER BY c.id
    LIMIT @max_rows
    FOR UPDATE OF c SKIP LOCKED);

-- name: DeletePaymentsOfSessionsBefore :execrows
DELETE FROM payments
WHERE id IN (
    SELECT p.id FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before
    ORDER BY p.id
    LIMIT @max_rows
    FOR UPDATE OF p SKIP LOCKED);

-- name: ListBookingsOfSessionsBefore :many
-- Bookings whose payments and charges have gone already (the payments rule
-- runs first).
SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
WHERE s.ends_at < @ended_before
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.booking_id = b.id)
ORDER BY b.id
LIMIT @max_rows
FOR UPDATE OF b SKIP LOCKED;

-- name: CountRetainedPlaces :exec
INSERT INTO retained_place_counts AS r (session_id, agency_id, status, attendance, late, places)
SELECT session_id, agency_id, status, attendance, late, count(*)
FROM bookings WHERE id = ANY(@booking_ids::bigint[])
GROUP BY session_id, agency_id, status, attendance, late
ON CONFLICT ON CONSTRAINT retained_place_counts_key DO UPDATE SET places = r.places + excluded.places;

-- name: UnlinkReplacedBookings :exec
UPDATE bookings SET replaced_by = NULL WHERE replaced_by = ANY(@booking_ids::bigint[]);

-- name: DeleteBookings :execrows
DELETE FROM bookings WHERE id = ANY(@booking_ids::bigint[]);

-- name: StartRetentionRun :one
INSERT INTO retention_runs (started_at) VALUES (@now) RETURNING id;

-- name: FinishRetentionRun :exec
UPDATE retention_runs SET finished_at = @now::timestamptz, counts = @counts, error = @error WHERE id = @id;

-- name: ListRetentionRuns :many
SELECT id, started_at, finished_at, counts, error FROM retention_runs
ORDER BY started_at DESC, id DESC
LIMIT @max_rows;

-- name: DeleteDealtWithJobs :execrows
-- Jobs whose failure a manager marked dealt with before @before, with that
-- record. (A job tried again is River's again: completed jobs are deleted by
-- River after a day.)
WITH gone AS (
    DELETE FROM river_job j
    WHERE j.id IN (
        SELECT j2.id FROM river_job j2
        JOIN job_failures_dealt_with d ON d.job_id = j2.id AND d.failed_at = j2.finalized_at
        WHERE j2.state IN ('discarded', 'cancelled') AND d.dealt_at < @before
        ORDER BY j2.id
        LIMIT @max_rows
        FOR UPDATE OF j2 SKIP LOCKED)
    RETURNING j.id
)
DELETE FROM job_failures_dealt_with d WHERE d.job_id IN (SELECT id FROM gone);

-- name: DeleteStaleJobFailureRecords :execrows
-- Records of failures dealt with before @before whose job has since gone or
-- run again.
DELETE FROM job_failures_dealt_with d
WHERE d.dealt_at < @before
  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = d.job_id AND j.finalized_at = d.failed_at);

-- name: DeleteCancelledJobsWithoutError :execrows
-- Jobs cancelled with nothing wrong (cancelled by hand, or with nothing left
-- to do): nobody needs them after @before.
DELETE FROM river_job
WHERE id IN (
    SELECT c.id FROM river_job c
    WHERE c.state = 'cancelled' AND coalesce(cardinality(c.errors), 0) = 0 AND c.finalized_at < @before::timestamptz
    ORDER BY c.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);
