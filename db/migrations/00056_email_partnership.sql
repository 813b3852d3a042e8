-- Each partnership's emails (issue 22): an email about a session, booking
-- or request is its partnership's, and only that partnership's managers see
-- it in the list of emails; an email about an account alone (a sign-in link,
-- a password reset) is the service's, and every manager sees it as before.
-- Emails from before partnerships were all the first partnership's.

-- +goose Up
ALTER TABLE emails ADD COLUMN partnership_id bigint REFERENCES partnerships;
UPDATE emails SET partnership_id = first_partnership_id();
CREATE INDEX emails_partnership_created ON emails (partnership_id, created_at DESC, id DESC);

ALTER TABLE emails ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON emails USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON emails TO booktraining_manager
    USING (partnership_id IS NULL OR partnership_id = acting_partnership_id())
    WITH CHECK (partnership_id IS NULL OR partnership_id = acting_partnership_id());

-- +goose Down
DROP POLICY own_partnership ON emails;
DROP POLICY service ON emails;
ALTER TABLE emails DISABLE ROW LEVEL SECURITY;
DROP INDEX emails_partnership_created;
ALTER TABLE emails DROP COLUMN partnership_id;
