-- Evaluation: every attended place is asked how well the session met each of
-- its course's learning outcomes (confidence before, in hindsight, and now),
-- the partnership's standard questions, and, about three months later, how
-- the learning has shown in practice, from the person and their line manager
-- (internal/evaluation).
--
-- Questions are versioned: a question is never changed in place. Editing one
-- retires its row and adds the next version of the same lineage, so an answer
-- keeps the wording it was given. The learning outcomes an answer is about
-- are copied into it for the same reason: a course's outcomes can change.

-- +goose Up
CREATE TABLE evaluation_settings (
    singleton                    boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Days after the invitation to remind someone who has not answered.
    reminder_days                smallint[]  NOT NULL DEFAULT '{3,7}'
        CHECK (cardinality(reminder_days) <= 5 AND array_position(reminder_days, NULL) IS NULL
               AND 1 <= ALL (reminder_days) AND 60 >= ALL (reminder_days)),
    -- Days after the invitation the evaluation closes.
    close_days                   smallint    NOT NULL DEFAULT 30 CHECK (close_days BETWEEN 7 AND 90),
    -- Weeks after the session the impact follow-up is asked.
    follow_up_weeks              smallint    NOT NULL DEFAULT 13 CHECK (follow_up_weeks BETWEEN 4 AND 26),
    -- Days the follow-up, and the line manager's link, stay open.
    follow_up_close_days         smallint    NOT NULL DEFAULT 30 CHECK (follow_up_close_days BETWEEN 7 AND 90),
    -- The certificate opens once the evaluation is done (or has closed).
    certificate_needs_evaluation boolean     NOT NULL DEFAULT true,
    -- Who changed them is in the audit log.
    updated_at                   timestamptz
);
COMMENT ON TABLE evaluation_settings IS 'The partnership''s evaluation settings: one row';
INSERT INTO evaluation_settings DEFAULT VALUES;

CREATE TYPE evaluation_question_kind AS ENUM ('rating', 'yes_no', 'text');

CREATE SEQUENCE evaluation_question_lineages;

CREATE TABLE evaluation_questions (
    id         bigserial   PRIMARY KEY,
    -- The question across its versions.
    lineage    bigint      NOT NULL DEFAULT nextval('evaluation_question_lineages'),
    version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    kind       evaluation_question_kind NOT NULL,
    wording    text        NOT NULL CHECK (length(wording) BETWEEN 1 AND 300),
    hint       text        NOT NULL DEFAULT '' CHECK (length(hint) <= 500),
    -- The order questions are asked in, among those not retired.
    position   integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    CONSTRAINT evaluation_questions_version_key UNIQUE (lineage, version)
);
ALTER SEQUENCE evaluation_question_lineages OWNED BY evaluation_questions.lineage;
-- One version of a question is asked at a time.
CREATE UNIQUE INDEX evaluation_questions_one_current ON evaluation_questions (lineage) WHERE retired_at IS NULL;
COMMENT ON TABLE evaluation_questions IS 'The partnership''s standard evaluation questions, every version ever asked';

INSERT INTO evaluation_questions (kind, wording, hint, position) VALUES
    ('rating', 'Overall, how would you rate the session?', '', 1),
    ('rating', 'How well did the trainers deliver the session?', 'For example, how clearly they explained, and how well they answered questions', 2),
    ('rating', 'How was the venue, or the online experience?', 'For example, the room, access, or the sound and picture online', 3),
    ('text', 'What was most useful?', '', 4),
    ('text', 'What will you do differently in your practice?', 'For example, something you will ask, check, record or share', 5),
    ('text', 'What could we improve?', '', 6),
    ('yes_no', 'Would you recommend this session to a colleague?', '', 7);

CREATE TABLE evaluations (
    booking_id     bigint      PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    asked_at       timestamptz NOT NULL,
    closes_at      timestamptz NOT NULL CHECK (closes_at > asked_at),
    -- Each email is sent once: the invitation, then each reminder in turn.
    invited_at     timestamptz,
    reminders_sent smallint    NOT NULL DEFAULT 0 CHECK (reminders_sent BETWEEN 0 AND 5),
    submitted_at   timestamptz,
    -- When the impact follow-up is asked: weeks after the session.
    follow_up_at   timestamptz NOT NULL
);
COMMENT ON TABLE evaluations IS 'An attended place asked to evaluate its session: one per place';
CREATE INDEX evaluations_open ON evaluations (closes_at) WHERE submitted_at IS NULL;

CREATE TABLE evaluation_outcomes (
    booking_id bigint   NOT NULL REFERENCES evaluations (booking_id) ON DELETE CASCADE,
    position   smallint NOT NULL CHECK (position >= 1),
    outcome    text     NOT NULL,
    -- Confidence on a five-point scale: before the session (in hindsight), and now.
    before     smallint NOT NULL CHECK (before BETWEEN 1 AND 5),
    after      smallint NOT NULL CHECK (after BETWEEN 1 AND 5),
    PRIMARY KEY (booking_id, position)
);
COMMENT ON TABLE evaluation_outcomes IS 'Confidence before and after on each learning outcome, as the outcome was worded';

CREATE TABLE evaluation_answers (
    booking_id  bigint   NOT NULL REFERENCES evaluations (booking_id) ON DELETE CASCADE,
    question_id bigint   NOT NULL REFERENCES evaluation_questions (id),
    rating      smallint CHECK (rating BETWEEN 1 AND 5),
    yes         boolean,
    answer      text     CHECK (length(answer) BETWEEN 1 AND 5000),
    PRIMARY KEY (booking_id, question_id),
    CHECK (num_nonnulls(rating, yes, answer) = 1)
);
CREATE INDEX evaluation_answers_question_id ON evaluation_answers (question_id);
COMMENT ON TABLE evaluation_answers IS 'Answers to the standard questions, each to the version asked';
COMMENT ON COLUMN evaluation_answers.answer IS 'personal: what the person wrote in answer to a question';

CREATE TYPE impact_respondent AS ENUM ('attendee', 'line_manager');

CREATE TABLE impact_follow_ups (
    booking_id   bigint            NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    respondent   impact_respondent NOT NULL,
    asked_at     timestamptz       NOT NULL,
    closes_at    timestamptz       NOT NULL CHECK (closes_at > asked_at),
    -- The line manager answers through a link that needs no account: the
    -- address it went to and a fingerprint (SHA-256) of its token.
    email        citext            CHECK (length(email) <= 254),
    token_hash   bytea             CHECK (length(token_hash) = 32),
    submitted_at timestamptz,
    example      text              CHECK (length(example) <= 5000),
    barriers     text              CHECK (length(barriers) <= 5000),
    PRIMARY KEY (booking_id, respondent),
    CONSTRAINT impact_follow_ups_token_key UNIQUE (token_hash),
    -- Only a line manager's follow-up has an address; once the link has
    -- expired the retention schedule deletes both.
    CHECK (respondent = 'line_manager' OR (email IS NULL AND token_hash IS NULL)),
    CHECK ((email IS NULL) = (token_hash IS NULL))
);
COMMENT ON TABLE impact_follow_ups IS 'The three-month impact follow-up of an attended place, from the person and their line manager';
COMMENT ON COLUMN impact_follow_ups.email IS 'personal: the line manager''s email address the follow-up went to';
COMMENT ON COLUMN impact_follow_ups.token_hash IS 'personal: SHA-256 of the line manager''s link, which shows the person''s name and course';
COMMENT ON COLUMN impact_follow_ups.example IS 'personal: an example from practice of how the learning was used';
COMMENT ON COLUMN impact_follow_ups.barriers IS 'personal: what got in the way of using the learning';

CREATE TABLE impact_outcomes (
    booking_id bigint            NOT NULL,
    respondent impact_respondent NOT NULL,
    position   smallint          NOT NULL CHECK (position >= 1),
    outcome    text              NOT NULL,
    confidence smallint          NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    PRIMARY KEY (booking_id, respondent, position),
    FOREIGN KEY (booking_id, respondent) REFERENCES impact_follow_ups (booking_id, respondent) ON DELETE CASCADE
);
COMMENT ON TABLE impact_outcomes IS 'Confidence on each learning outcome three months on, as the outcome was worded';

-- +goose Down
DROP TABLE impact_outcomes;
DROP TABLE impact_follow_ups;
DROP TYPE impact_respondent;
DROP TABLE evaluation_answers;
DROP TABLE evaluation_outcomes;
DROP TABLE evaluations;
DROP TABLE evaluation_questions;
DROP TYPE evaluation_question_kind;
DROP TABLE evaluation_settings;
