-- Renewal: safeguarding training expires. A course can have a validity
-- period in months, and name the course that renews it (a refresher renews
-- the full course; a course with none is renewed by itself). A person's
-- training on such a course is the latest place they attended on a session
-- of it, or of the course that renews it; it is valid until that session's
-- date (Europe/London) plus the period (internal/renewal).
--
-- Two months before it lapses the person is emailed once, with the next
-- sessions of the renewing course: renewal_notices keeps who was told about
-- which completion, and its key makes each notice sent once however often
-- and however many at once the sweep runs.

-- +goose Up
ALTER TABLE courses
    ADD COLUMN valid_for_months     integer CHECK (valid_for_months BETWEEN 1 AND 120),
    ADD COLUMN renewed_by_course_id bigint  REFERENCES courses (id),
    ADD CONSTRAINT courses_renewal_needs_validity CHECK (renewed_by_course_id IS NULL OR valid_for_months IS NOT NULL),
    ADD CONSTRAINT courses_renewed_by_another CHECK (renewed_by_course_id <> id);
COMMENT ON COLUMN courses.valid_for_months IS 'months the training stays valid after the session; NULL: it does not expire';
CREATE INDEX courses_renewed_by_idx ON courses (renewed_by_course_id);
COMMENT ON COLUMN courses.renewed_by_course_id IS 'the course that renews this one (a refresher); NULL: the course itself';

-- Each person's latest attended place on each course with a validity
-- period (or on the course that renews it), and the dates the rule gives:
-- completed on the session's date in London, valid until that date plus
-- the period (a month end stays within its month: 31 August + 6 months is
-- 28 or 29 February).
CREATE VIEW training_validity AS
SELECT t.user_id, t.course_id, t.booking_id, t.session_id, t.attended_course_id, t.completed_at, t.completed_on,
       t.valid_until,
       -- Due for renewal from three months before, and told two months before.
       (t.valid_until - interval '3 months')::date AS due_from,
       (t.valid_until - interval '2 months')::date AS notice_on
FROM (
    SELECT DISTINCT ON (b.user_id, c.id)
           b.user_id, c.id AS course_id, b.id AS booking_id, s.id AS session_id, s.course_id AS attended_course_id,
           s.starts_at AS completed_at,
           (s.starts_at AT TIME ZONE 'Europe/London')::date AS completed_on,
           ((s.starts_at AT TIME ZONE 'Europe/London')::date + make_interval(months => c.valid_for_months))::date AS valid_until
    FROM courses c
    JOIN sessions s ON s.course_id = c.id OR s.course_id = c.renewed_by_course_id
    JOIN bookings b ON b.session_id = s.id AND b.status = 'confirmed' AND b.attendance IN ('attended', 'late')
    WHERE c.valid_for_months IS NOT NULL
    ORDER BY b.user_id, c.id, s.starts_at DESC, b.id DESC
) t;
COMMENT ON VIEW training_validity IS 'Each person''s latest attended place on each course that expires, and until when it is valid';

CREATE TABLE renewal_notices (
    user_id     bigint      NOT NULL REFERENCES users (id),
    course_id   bigint      NOT NULL REFERENCES courses (id),
    -- The completion the notice was about: the date its training lapses.
    valid_until date        NOT NULL,
    sent_at     timestamptz NOT NULL,
    -- The email written; NULL once the email's record has gone.
    email_id    bigint      REFERENCES emails (id) ON DELETE SET NULL,
    CONSTRAINT renewal_notices_once PRIMARY KEY (user_id, course_id, valid_until)
);
COMMENT ON TABLE renewal_notices IS 'Who was emailed that their training is due for renewal, once for each completion';
COMMENT ON COLUMN renewal_notices.valid_until IS 'personal: when the person''s training on the course lapses, as they were told';
CREATE INDEX renewal_notices_valid_until_idx ON renewal_notices (valid_until);
CREATE INDEX renewal_notices_course_idx ON renewal_notices (course_id);
CREATE INDEX renewal_notices_email_idx ON renewal_notices (email_id);

-- +goose Down
DROP TABLE renewal_notices;
DROP VIEW training_validity;
DROP INDEX courses_renewed_by_idx;
ALTER TABLE courses
    DROP CONSTRAINT courses_renewed_by_another,
    DROP CONSTRAINT courses_renewal_needs_validity,
    DROP COLUMN renewed_by_course_id,
    DROP COLUMN valid_for_months;
