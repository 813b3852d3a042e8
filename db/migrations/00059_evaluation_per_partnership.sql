-- Each partnership's own evaluation (issue 22): its settings (when reminders
-- go, when an evaluation closes, when the follow-up is asked, whether the
-- certificate waits) and its standard questions. A place is evaluated by its
-- session's partnership's. What there was becomes the first partnership's;
-- every other partnership starts with the same settings and a copy of the
-- questions asked now, which it can then change.

-- +goose Up
ALTER TABLE evaluation_settings ADD COLUMN partnership_id bigint REFERENCES partnerships;
UPDATE evaluation_settings SET partnership_id = first_partnership_id();
ALTER TABLE evaluation_settings DROP CONSTRAINT evaluation_settings_pkey;
ALTER TABLE evaluation_settings DROP COLUMN singleton;
ALTER TABLE evaluation_settings
    ALTER COLUMN partnership_id SET NOT NULL,
    ALTER COLUMN partnership_id SET DEFAULT coalesce(acting_partnership_id(), first_partnership_id()),
    ADD PRIMARY KEY (partnership_id);
COMMENT ON TABLE evaluation_settings IS 'Each partnership''s evaluation settings: one row each';

ALTER TABLE evaluation_questions ADD COLUMN partnership_id bigint REFERENCES partnerships;
UPDATE evaluation_questions SET partnership_id = first_partnership_id();
ALTER TABLE evaluation_questions
    ALTER COLUMN partnership_id SET NOT NULL,
    ALTER COLUMN partnership_id SET DEFAULT coalesce(acting_partnership_id(), first_partnership_id());
CREATE INDEX evaluation_questions_partnership ON evaluation_questions (partnership_id, position) WHERE retired_at IS NULL;
COMMENT ON TABLE evaluation_questions IS
    'Each partnership''s standard evaluation questions, every version ever asked';

-- A partnership's evaluation as the first's stands: its settings and a copy
-- of the questions it asks now.
-- +goose StatementBegin
CREATE FUNCTION evaluation_as_the_first(partnership bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO evaluation_settings (partnership_id, reminder_days, close_days, follow_up_weeks, follow_up_close_days,
                                     certificate_needs_evaluation)
    SELECT partnership, reminder_days, close_days, follow_up_weeks, follow_up_close_days, certificate_needs_evaluation
    FROM evaluation_settings WHERE partnership_id = first_partnership_id()
    ON CONFLICT DO NOTHING;
    INSERT INTO evaluation_questions (partnership_id, kind, wording, hint, position)
    SELECT partnership, kind, wording, hint, position
    FROM evaluation_questions
    WHERE partnership_id = first_partnership_id() AND retired_at IS NULL
      AND NOT EXISTS (SELECT FROM evaluation_questions mine WHERE mine.partnership_id = partnership)
    ORDER BY position, id;
$$;
-- +goose StatementEnd
SELECT evaluation_as_the_first(id) FROM partnerships WHERE id <> first_partnership_id();

-- +goose StatementBegin
CREATE FUNCTION partnerships_evaluation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM evaluation_as_the_first(NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER partnerships_evaluation AFTER INSERT ON partnerships
    FOR EACH ROW EXECUTE FUNCTION partnerships_evaluation();

ALTER TABLE evaluation_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON evaluation_settings USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON evaluation_settings TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());
ALTER TABLE evaluation_questions ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON evaluation_questions USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON evaluation_questions TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

-- +goose Down
DROP POLICY own_partnership ON evaluation_questions;
DROP POLICY service ON evaluation_questions;
ALTER TABLE evaluation_questions DISABLE ROW LEVEL SECURITY;
DROP POLICY own_partnership ON evaluation_settings;
DROP POLICY service ON evaluation_settings;
ALTER TABLE evaluation_settings DISABLE ROW LEVEL SECURITY;
DROP TRIGGER partnerships_evaluation ON partnerships;
DROP FUNCTION partnerships_evaluation();
DROP FUNCTION evaluation_as_the_first(bigint);
DELETE FROM evaluation_questions q WHERE q.partnership_id <> first_partnership_id()
    AND NOT EXISTS (SELECT FROM evaluation_answers a WHERE a.question_id = q.id);
UPDATE evaluation_questions SET retired_at = coalesce(retired_at, now()) WHERE partnership_id <> first_partnership_id();
DROP INDEX evaluation_questions_partnership;
ALTER TABLE evaluation_questions DROP COLUMN partnership_id;
DELETE FROM evaluation_settings WHERE partnership_id <> first_partnership_id();
ALTER TABLE evaluation_settings DROP CONSTRAINT evaluation_settings_pkey;
ALTER TABLE evaluation_settings ADD COLUMN singleton boolean NOT NULL DEFAULT true CHECK (singleton);
ALTER TABLE evaluation_settings ADD PRIMARY KEY (singleton);
ALTER TABLE evaluation_settings DROP COLUMN partnership_id;
