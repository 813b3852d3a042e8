-- Each partnership in charge of its own (issue 22, second step).
--
-- A training manager manages one partnership. The partnership's courses,
-- venues, sessions and training requests carry its id, and everything hanging
-- from them (bookings and what a booking has: payments, charges, reminders,
-- certificates, evaluations, approvals) is its through them.
--
-- PostgreSQL keeps the line: a manager's request runs its statements as the
-- role booktraining_manager with app.partnership_id set to their partnership
-- (internal/partnership sets both on the connection before the request uses
-- it), and the row-level security policies below let that role see and change
-- only its partnership's rows. So a handler that forgets a filter still shows
-- nothing of another partnership. Every other request (the public pages, a
-- practitioner's, a coordinator's, background jobs) runs as the app's own role,
-- which a policy lets through as before.
--
-- Creating the role needs CREATEROLE (or a superuser) once, on the first
-- migration; see the README ("Partnerships and host names").

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'booktraining_manager') THEN
        CREATE ROLE booktraining_manager NOLOGIN;
    END IF;
    -- The app's role switches to it for a manager's request.
    IF NOT pg_has_role(current_user, 'booktraining_manager', 'MEMBER') THEN
        EXECUTE format('GRANT booktraining_manager TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO booktraining_manager', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO booktraining_manager',
                   current_schema());
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO booktraining_manager',
                   current_schema());
    -- Tables made later (the job queue's on a new database, later migrations).
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO booktraining_manager',
                   current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO booktraining_manager',
                   current_schema());
END
$$;
-- +goose StatementEnd

-- The partnership a manager's request acts for; NULL in any other request.
CREATE FUNCTION acting_partnership_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN nullif(current_setting('app.partnership_id', true), '')::bigint;

-- The deployment's own partnership: what a row made outside a manager's
-- request belongs to, until it says otherwise.
CREATE FUNCTION first_partnership_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT min(id) FROM partnerships);

-- Whether the statement runs for a manager, so only their partnership's rows.
CREATE FUNCTION in_manager_scope() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN current_user = 'booktraining_manager';

-- A manager's partnership. A manager made without one is made by a manager's
-- request (their partnership) or by the service (the first partnership).
ALTER TABLE user_roles ADD COLUMN partnership_id bigint REFERENCES partnerships;
UPDATE user_roles SET partnership_id = first_partnership_id() WHERE role = 'manager';

-- +goose StatementBegin
CREATE FUNCTION user_roles_partnership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'manager' THEN
        NEW.partnership_id := coalesce(NEW.partnership_id, acting_partnership_id(), first_partnership_id());
    ELSE
        NEW.partnership_id := NULL;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER user_roles_partnership BEFORE INSERT OR UPDATE ON user_roles
    FOR EACH ROW EXECUTE FUNCTION user_roles_partnership();
ALTER TABLE user_roles ADD CONSTRAINT user_roles_manager_partnership
    CHECK ((role = 'manager') = (partnership_id IS NOT NULL));

-- The partnership's own rows. The default puts a row made by a manager's
-- request in their partnership, and any other in the first.
ALTER TABLE courses ADD COLUMN partnership_id bigint NOT NULL
    DEFAULT coalesce(acting_partnership_id(), first_partnership_id()) REFERENCES partnerships;
ALTER TABLE venues ADD COLUMN partnership_id bigint NOT NULL
    DEFAULT coalesce(acting_partnership_id(), first_partnership_id()) REFERENCES partnerships;
ALTER TABLE sessions ADD COLUMN partnership_id bigint NOT NULL
    DEFAULT coalesce(acting_partnership_id(), first_partnership_id()) REFERENCES partnerships;
ALTER TABLE enquiries ADD COLUMN partnership_id bigint NOT NULL
    DEFAULT coalesce(acting_partnership_id(), first_partnership_id()) REFERENCES partnerships;
CREATE INDEX courses_partnership ON courses (partnership_id);
CREATE INDEX venues_partnership ON venues (partnership_id);
CREATE INDEX sessions_partnership_starts ON sessions (partnership_id, starts_at);
CREATE INDEX enquiries_partnership ON enquiries (partnership_id);
CREATE INDEX user_roles_partnership ON user_roles (partnership_id);

-- The policies. Each table has two: the service (any role but the manager's)
-- sees every row as before; a manager sees their partnership's rows. Rows
-- hanging from a session or booking are the manager's when that session or
-- booking is visible to them, which the policies of sessions and bookings
-- decide in turn.
-- +goose StatementBegin
DO $$
DECLARE
    t text;
    -- Each table: own rows, or the table and column its rows hang from.
    own constant jsonb := jsonb_build_object(
        'courses',               'partnership_id = acting_partnership_id()',
        'venues',                'partnership_id = acting_partnership_id()',
        'sessions',              'partnership_id = acting_partnership_id()',
        'enquiries',             'partnership_id = acting_partnership_id()',
        'user_roles',            'partnership_id IS NULL OR partnership_id = acting_partnership_id()',
        'bookings',              'sessions.session_id',
        'session_trainers',      'sessions.session_id',
        'retained_place_counts', 'sessions.session_id',
        'enquiry_sessions',      'sessions.session_id',
        'enquiry_dates',         'enquiries.enquiry_id',
        'enquiry_messages',      'enquiries.enquiry_id',
        'enquiry_events',        'enquiries.enquiry_id',
        'course_prices',         'courses.course_id',
        'course_prerequisites',  'courses.course_id',
        'prior_learning_claims', 'courses.course_id',
        'booking_reminders',     'bookings.booking_id',
        'payments',              'bookings.booking_id',
        'charges',               'bookings.booking_id',
        'certificates',          'bookings.booking_id',
        'evaluations',           'bookings.booking_id',
        'evaluation_answers',    'bookings.booking_id',
        'evaluation_outcomes',   'bookings.booking_id',
        'impact_follow_ups',     'bookings.booking_id',
        'impact_outcomes',       'bookings.booking_id',
        'booking_approvals',     'bookings.booking_id');
    rule text;
BEGIN
    FOR t IN SELECT jsonb_object_keys(own) LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY service ON %I USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope())', t);
        rule := own ->> t;
        IF rule !~ ' ' THEN -- "parent.column": the parent row is visible
            rule := format('EXISTS (SELECT FROM %I parent WHERE parent.id = %I.%I)',
                           split_part(rule, '.', 1), t, split_part(rule, '.', 2));
        END IF;
        EXECUTE format('CREATE POLICY own_partnership ON %I TO booktraining_manager USING (%s) WITH CHECK (%s)',
                       t, rule, rule);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
             WHERE p.polname = 'own_partnership' AND c.relnamespace = current_schema()::regnamespace LOOP
        EXECUTE format('DROP POLICY own_partnership ON %I', t);
        EXECUTE format('DROP POLICY service ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER TABLE enquiries DROP COLUMN partnership_id;
ALTER TABLE sessions DROP COLUMN partnership_id;
ALTER TABLE venues DROP COLUMN partnership_id;
ALTER TABLE courses DROP COLUMN partnership_id;
ALTER TABLE user_roles DROP CONSTRAINT user_roles_manager_partnership;
DROP TRIGGER user_roles_partnership ON user_roles;
DROP FUNCTION user_roles_partnership();
ALTER TABLE user_roles DROP COLUMN partnership_id;
DROP FUNCTION in_manager_scope();
DROP FUNCTION first_partnership_id();
DROP FUNCTION acting_partnership_id();
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM booktraining_manager', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM booktraining_manager', current_schema());
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM booktraining_manager', current_schema());
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM booktraining_manager', current_schema());
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM booktraining_manager', current_schema());
END
$$;
-- +goose StatementEnd
