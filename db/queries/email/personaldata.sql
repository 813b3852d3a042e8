-- What the outbox holds about a person, for "Download your data", and its
-- erasure (internal/email/personaldata.go).

-- name: ExportEmails :many
SELECT created_at, to_address, to_name, subject, sent_at, failed_at, body_text, body_html,
       calendar_method, calendar_ics, calendar_filename, last_error
FROM emails
WHERE user_id = @user_id OR lower(to_address) = lower(@email::text)
ORDER BY created_at, id;

-- name: AnonymiseEmailsTo :exec
-- A message not yet delivered has no body left, so it is never sent. What
-- stays says only that an email went, when, and whether it carried an invite.
UPDATE emails
SET to_address = @erased_address, to_name = '', subject = '(removed)', body_text = '', body_html = '',
    calendar_ics = '', calendar_filename = '', last_error = ''
WHERE user_id = @user_id OR lower(to_address) = lower(@email::text);

-- name: EraseEmailsMentioning :exec
-- Copies of emails to others that name the person (a coordinator told of
-- their booking, the training team told of their request) lose their text.
UPDATE emails
SET subject = CASE WHEN strpos(lower(subject), lower(@name::text)) > 0 OR strpos(lower(subject), lower(@email::text)) > 0
                   THEN '(removed)' ELSE subject END,
    to_name = CASE WHEN strpos(lower(to_name), lower(@name::text)) > 0 THEN '' ELSE to_name END,
    body_text = '', body_html = '', calendar_ics = ''
WHERE length(@name::text) >= 3 AND (
        strpos(lower(subject), lower(@name::text)) > 0 OR strpos(lower(body_text), lower(@name::text)) > 0
        OR strpos(lower(body_html), lower(@name::text)) > 0 OR strpos(lower(calendar_ics), lower(@name::text)) > 0
        OR strpos(lower(to_name), lower(@name::text)) > 0)
   OR (length(@email::text) >= 3 AND (
        strpos(lower(subject), lower(@email::text)) > 0 OR strpos(lower(body_text), lower(@email::text)) > 0
        OR strpos(lower(body_html), lower(@email::text)) > 0 OR strpos(lower(calendar_ics), lower(@email::text)) > 0));

-- name: EraseEmailErrors :exec
-- A mail server's reply about the person's address (or quoting it).
UPDATE emails SET last_error = ''
WHERE last_error <> '' AND (user_id = @user_id::bigint OR lower(to_address) = lower(@email::text)
                            OR strpos(lower(last_error), lower(@email::text)) > 0);

-- name: EraseEmailsContaining :exec
-- Emails whose text holds one of @exact (as written) or @any_case (in any
-- case) lose their content: copies of what another part erases (a training
-- request's messages and contact details). An email not yet delivered with
-- its text gone is never sent.
UPDATE emails em
SET body_text = '', body_html = '', calendar_ics = ''
WHERE em.body_text <> '' AND (
    EXISTS (SELECT 1 FROM unnest(@exact::text[]) AS x(t) WHERE x.t <> '' AND strpos(em.body_text, x.t) > 0)
    OR EXISTS (SELECT 1 FROM unnest(@any_case::text[]) AS y(t) WHERE y.t <> '' AND strpos(lower(em.body_text), lower(y.t)) > 0));
