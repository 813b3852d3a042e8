-- Emails the retention schedule (internal/privacy) clears or deletes
-- (internal/email/retention.go).

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
