-- Outgoing email: written with its cause, delivered by a job, kept for /admin/emails.

-- name: InsertEmail :one
INSERT INTO emails (to_address, to_name, subject, body_text, body_html,
                    calendar_method, calendar_ics, calendar_filename, user_id)
VALUES (@to_address, @to_name, @subject, @body_text, @body_html,
        @calendar_method, @calendar_ics, @calendar_filename, sqlc.narg(user_id))
RETURNING id;

-- name: GetEmail :one
SELECT id, to_address, to_name, subject, body_text, user_id, created_at, sent_at, attempts, last_error,
       body_html, calendar_method, calendar_ics, calendar_filename
FROM emails
WHERE id = @id;

-- name: MarkEmailSent :execrows
-- Once delivered, the bodies go: they may hold a single-use link. The
-- invite's method and file name stay to show one was sent.
UPDATE emails
SET sent_at = now(), attempts = attempts + 1, last_error = '',
    body_text = '', body_html = '', calendar_ics = ''
WHERE id = @id AND sent_at IS NULL;

-- name: RecordEmailFailure :exec
UPDATE emails
SET attempts = attempts + 1, last_error = @last_error
WHERE id = @id AND sent_at IS NULL;

-- name: ListEmails :many
-- Newest first, without the bodies.
SELECT id, to_address, to_name, subject, created_at, sent_at, attempts, last_error
FROM emails
ORDER BY created_at DESC, id DESC
LIMIT @max_rows OFFSET @skip_rows;

-- name: CountEmails :one
SELECT count(*) FROM emails;
