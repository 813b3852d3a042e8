-- Outgoing email: written with its cause, delivered by a job, kept for /admin/emails.

-- name: InsertEmail :one
-- An email names its partnership, else it is the acting manager's, else
-- the service's (NULL).
INSERT INTO emails (to_address, to_name, subject, body_text, body_html,
                    calendar_method, calendar_ics, calendar_filename, user_id, partnership_id)
VALUES (@to_address, @to_name, @subject, @body_text, @body_html,
        @calendar_method, @calendar_ics, @calendar_filename, sqlc.narg(user_id),
        coalesce(sqlc.narg(partnership_id)::bigint, acting_partnership_id()))
RETURNING id;

-- name: GetEmail :one
SELECT id, to_address, to_name, subject, body_text, user_id, created_at, sent_at, attempts, last_error,
       body_html, calendar_method, calendar_ics, calendar_filename, message_token, failed_at, claimed_until, partnership_id
FROM emails
WHERE id = @id;

-- name: ClaimEmails :many
-- The workers about to deliver emails claim them until @lease_seconds from
-- now (longer than one SMTP conversation may take), in a statement of its
-- own: no lock or connection is held while the mail server answers. The
-- workers that start together (River hands a queue's workers their jobs in
-- one fetch) claim their emails in one statement. It returns the emails
-- claimed; one missing is gone, sent, failed for good, or claimed by
-- another worker whose lease has not run out.
UPDATE emails
SET claimed_until = now() + make_interval(secs => @lease_seconds::double precision)
WHERE id = ANY(@ids::bigint[]) AND sent_at IS NULL AND failed_at IS NULL
  AND (claimed_until IS NULL OR claimed_until <= now())
RETURNING id, to_address, to_name, subject, body_text, user_id, created_at, sent_at, attempts, last_error,
          body_html, calendar_method, calendar_ics, calendar_filename, message_token, failed_at, claimed_until, partnership_id;

-- name: MarkEmailsSent :exec
-- Once delivered, the bodies go: they may hold a single-use link. The
-- invite's method and file name stay to show one was sent. Emails delivered
-- together are marked in one statement.
UPDATE emails
SET sent_at = now(), attempts = attempts + 1, last_error = '', claimed_until = NULL,
    body_text = '', body_html = '', calendar_ics = ''
WHERE id = ANY(@ids::bigint[]) AND sent_at IS NULL AND failed_at IS NULL;

-- name: RecordEmailFailure :exec
-- A failure worth retrying.
UPDATE emails
SET attempts = attempts + 1, last_error = @last_error, claimed_until = NULL
WHERE id = @id AND sent_at IS NULL AND failed_at IS NULL;

-- name: RecordEmailFailed :exec
-- The email will never be sent: its address was refused for good, or every
-- retry failed. The bodies go as after delivery, since nothing will send them.
UPDATE emails
SET failed_at = now(), attempts = attempts + @attempted::integer, last_error = @last_error, claimed_until = NULL,
    body_text = '', body_html = '', calendar_ics = ''
WHERE id = @id AND sent_at IS NULL AND failed_at IS NULL;

-- name: ListEmails :many
-- Newest first, without the bodies; only the failed ones if asked.
SELECT id, to_address, to_name, subject, created_at, sent_at, attempts, last_error, failed_at
FROM emails
WHERE (NOT @failed_only::boolean OR failed_at IS NOT NULL)
ORDER BY created_at DESC, id DESC
LIMIT @max_rows OFFSET @skip_rows;

-- name: CountEmails :one
-- Counted only up to @count_limit: the list says "more than" beyond it, so
-- a page costs the same however many emails the service has kept.
SELECT count(*) FROM (
    SELECT 1
    FROM emails
    WHERE (NOT @failed_only::boolean OR failed_at IS NOT NULL)
    ORDER BY created_at DESC, id DESC -- the list's index, never the table
    LIMIT @count_limit) counted;

-- name: CountEmailsFailedSince :one
SELECT count(*)
FROM emails
WHERE failed_at >= @since::timestamptz;
