-- Outgoing email written in bulk: everyone a change to a session concerns, in one statement.

-- name: InsertEmails :many
-- One row per element of the arrays, which are all the same length (set-
-- returning functions side by side in a select list advance together); a
-- user id of 0 is an email about no account; a partnership id of 0, one
-- of the acting manager's partnership, else the service's.
INSERT INTO emails (to_address, to_name, subject, body_text, body_html,
                    calendar_method, calendar_ics, calendar_filename, user_id, partnership_id)
SELECT m.to_address, m.to_name, m.subject, m.body_text, m.body_html,
       m.calendar_method, m.calendar_ics, m.calendar_filename, nullif(m.user_id, 0),
       coalesce(nullif(m.partnership_id, 0), acting_partnership_id())
FROM (SELECT unnest(@to_addresses::text[]) AS to_address, unnest(@to_names::text[]) AS to_name,
             unnest(@subjects::text[]) AS subject, unnest(@bodies_text::text[]) AS body_text,
             unnest(@bodies_html::text[]) AS body_html, unnest(@calendar_methods::text[]) AS calendar_method,
             unnest(@calendar_icses::text[]) AS calendar_ics, unnest(@calendar_filenames::text[]) AS calendar_filename,
             unnest(@user_ids::bigint[]) AS user_id, unnest(@partnership_ids::bigint[]) AS partnership_id) AS m
RETURNING id;
