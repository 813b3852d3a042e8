-- Line-manager approval (internal/booking/approval.go): a booking by someone
-- whose agency asks for it waits, taking its seat, until their line manager
-- approves or declines it through a link, or the request expires.

-- name: ApprovalSetting :one
-- Whether the agency's staff need their line manager's approval, and how
-- long the line manager has to answer.
SELECT line_manager_approval, approval_hours FROM agencies WHERE id = @id;

-- name: AwaitApproval :one
-- A place kept while the line manager is asked, only while the session has
-- a free seat (the trigger counts it as taken). The caller holds the
-- session's row lock.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                      line_manager_name, line_manager_email, policy_agreed_at, approval_expires_at, created_at, updated_at)
SELECT s.id, @user_id, sqlc.narg(agency_id), 'awaiting_approval', @booked_by, @access_needs, @dietary_needs,
       @line_manager_name, @line_manager_email, @now::timestamptz, @until::timestamptz, @now::timestamptz, @now::timestamptz
FROM sessions s
WHERE s.id = @session_id AND s.seats_taken < s.capacity
RETURNING id;

-- name: InsertApproval :exec
INSERT INTO booking_approvals (booking_id, line_manager_name, line_manager_email, token_hash, asked_at, expires_at)
VALUES (@booking_id, @line_manager_name, @line_manager_email, @token_hash, @asked_at, @expires_at);

-- name: ApprovalByToken :one
-- The request a link opens, with what its page shows.
SELECT a.booking_id, a.expires_at, a.decided_at, a.decision, b.status, b.session_id, b.user_id,
       u.full_name AS person_name, (u.erased_at IS NOT NULL)::boolean AS person_erased,
       s.course_title, s.starts_at, s.ends_at, v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address
FROM booking_approvals a
JOIN bookings b ON b.id = a.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
WHERE a.token_hash = @token_hash;

-- name: LockApproval :one
-- The request under the caller's lock of its session: two answers take turns.
SELECT booking_id, line_manager_name, coalesce(line_manager_email::text, '')::text AS line_manager_email, expires_at, decided_at, decision, reason
FROM booking_approvals WHERE booking_id = @booking_id
FOR UPDATE;

-- name: DecideApproval :one
UPDATE booking_approvals
SET decided_at = @now::timestamptz, decision = @decision, reason = @reason, decided_by = sqlc.narg(decided_by)
WHERE booking_id = @booking_id AND decided_at IS NULL
RETURNING booking_id;

-- name: ApproveToConfirmed :one
UPDATE bookings
SET status = 'confirmed', confirmed_at = @now::timestamptz, approval_expires_at = NULL, updated_at = @now::timestamptz
WHERE id = @id AND status = 'awaiting_approval' AND approval_expires_at > @now::timestamptz
RETURNING id;

-- name: ApproveToHeld :one
-- A paid place approved: held while its person pays, as any paid place is.
UPDATE bookings
SET status = 'held', hold_expires_at = @hold_until::timestamptz, approval_expires_at = NULL, updated_at = @now::timestamptz
WHERE id = @id AND status = 'awaiting_approval' AND approval_expires_at > @now::timestamptz
RETURNING id;

-- name: SessionsWithExpiredApprovals :many
SELECT DISTINCT session_id FROM bookings
WHERE status = 'awaiting_approval' AND approval_expires_at <= @now::timestamptz
ORDER BY session_id;

-- name: ExpiredApprovalsOfSession :many
SELECT id FROM bookings
WHERE session_id = @session_id AND status = 'awaiting_approval' AND approval_expires_at <= @now::timestamptz
ORDER BY id;

-- name: PendingApprovals :many
-- Requests still waiting, for their expiry jobs (ScheduleMissing).
SELECT id, approval_expires_at::timestamptz AS until
FROM bookings WHERE status = 'awaiting_approval'
ORDER BY id;

-- name: ApprovalDeadlines :many
-- Until when each of the bookings waits for approval (those that wait).
SELECT id, approval_expires_at::timestamptz AS until
FROM bookings WHERE id = ANY (@ids::bigint[]) AND status = 'awaiting_approval';

-- name: ApprovalOfBooking :one
SELECT booking_id, line_manager_name, expires_at, decided_at, decision, reason, (decided_by IS NOT NULL)::boolean AS by_team
FROM booking_approvals WHERE booking_id = @booking_id;

-- name: ForgetFinishedApprovals :execrows
-- The retention rule: once a request is decided or has expired, its line
-- manager's address and the link's fingerprint go.
UPDATE booking_approvals SET line_manager_email = NULL, token_hash = NULL
WHERE booking_id IN (
    SELECT booking_id FROM booking_approvals
    WHERE token_hash IS NOT NULL AND (decided_at IS NOT NULL OR expires_at <= @now::timestamptz)
    ORDER BY booking_id
    LIMIT @max_rows);

-- name: ExportApprovals :many
SELECT a.asked_at, a.expires_at, a.decided_at, a.decision, a.reason, a.line_manager_name,
       coalesce(a.line_manager_email::text, '')::text AS line_manager_email, s.course_title, s.starts_at
FROM booking_approvals a
JOIN bookings b ON b.id = a.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id
ORDER BY a.asked_at, a.booking_id;

-- name: EraseApprovals :exec
UPDATE booking_approvals
SET line_manager_name = '', line_manager_email = NULL, token_hash = NULL, reason = ''
WHERE booking_id IN (SELECT id FROM bookings WHERE user_id = @user_id);

-- name: AwaitApprovalOfOffer :one
-- An offer accepted in time by someone whose agency asks for approval: the
-- place waits for the line manager instead.
UPDATE bookings
SET status = 'awaiting_approval', approval_expires_at = @until::timestamptz, offer_expires_at = NULL, updated_at = @now::timestamptz
WHERE id = @id AND status = 'offered' AND offer_expires_at > @now::timestamptz
RETURNING id;
