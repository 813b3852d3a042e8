-- A person's training record is theirs across partnerships (issue 22): a
-- prerequisite met with one partnership is met for another's session, and a
-- manager adding someone to their partnership's session is told what the
-- person lacks, counting places and claims no policy lets the manager see.
-- These run as the service (SECURITY DEFINER) and say only whether the
-- person completed a course, never where: and the name of a required course,
-- which is public in the catalogue.

-- +goose Up
-- Whether person completed course (a place marked attended or late on a
-- session of it that ended by now and by ref, within the months before ref
-- when given; or a confirmed claim of training elsewhere in that window).
-- +goose StatementBegin
CREATE FUNCTION has_completed(person bigint, course bigint, within_months smallint, ref timestamptz, now timestamptz)
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT EXISTS (
               SELECT 1 FROM bookings b JOIN sessions s ON s.id = b.session_id
               WHERE b.user_id = has_completed.person AND s.course_id = has_completed.course
                 AND b.status = 'confirmed' AND b.attendance IN ('attended', 'late')
                 AND s.ends_at <= has_completed.now AND s.ends_at <= has_completed.ref
                 AND (has_completed.within_months IS NULL
                      OR s.ends_at >= has_completed.ref - has_completed.within_months * interval '1 month'))
        OR EXISTS (
               SELECT 1 FROM prior_learning_claims l
               WHERE l.user_id = has_completed.person AND l.course_id = has_completed.course AND l.status = 'confirmed'
                 AND l.completed_on <= (has_completed.ref AT TIME ZONE 'Europe/London')::date
                 AND (has_completed.within_months IS NULL
                      OR l.completed_on >= ((has_completed.ref AT TIME ZONE 'Europe/London')
                                            - has_completed.within_months * interval '1 month')::date));
END;
-- +goose StatementEnd

-- A course's title and address name, whoever asks.
CREATE FUNCTION course_title(id bigint) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN (SELECT title FROM courses WHERE courses.id = course_title.id);
CREATE FUNCTION course_slug(id bigint) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN (SELECT slug FROM courses WHERE courses.id = course_slug.id);

-- +goose Down
DROP FUNCTION course_slug(bigint);
DROP FUNCTION course_title(bigint);
DROP FUNCTION has_completed(bigint, bigint, smallint, timestamptz, timestamptz);
