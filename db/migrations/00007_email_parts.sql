-- +goose Up
-- An email may carry an HTML body and a calendar invite besides its plain
-- text, kept until delivered so a restart can still send them. Once sent
-- the HTML and the .ics go like the text; the method and file name stay to
-- show an invite was attached.
ALTER TABLE emails
    ADD COLUMN body_html         text NOT NULL DEFAULT '',
    ADD COLUMN calendar_method   text NOT NULL DEFAULT ''
        CONSTRAINT emails_calendar_method_check CHECK (calendar_method IN ('', 'REQUEST', 'CANCEL', 'PUBLISH')),
    ADD COLUMN calendar_ics      text NOT NULL DEFAULT '',
    ADD COLUMN calendar_filename text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE emails
    DROP COLUMN calendar_filename,
    DROP COLUMN calendar_ics,
    DROP COLUMN calendar_method,
    DROP COLUMN body_html;
