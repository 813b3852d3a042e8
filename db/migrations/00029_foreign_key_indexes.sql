-- Every foreign key gets an index starting with its columns (db's
-- TestEveryForeignKeyHasAnIndex keeps it so): erasing or deleting the row
-- one points to must not scan the table pointing to it, and lists filtered
-- by one must not either. The columns most rows leave empty get partial
-- indexes, which stay small.

-- +goose Up
CREATE INDEX audit_events_agency_idx ON audit_events (agency_id) WHERE agency_id IS NOT NULL;
CREATE INDEX bookings_attendance_by_idx ON bookings (attendance_by) WHERE attendance_by IS NOT NULL;
CREATE INDEX bookings_booked_by_idx ON bookings (booked_by) WHERE booked_by IS NOT NULL;
CREATE INDEX bookings_ended_by_idx ON bookings (ended_by) WHERE ended_by IS NOT NULL;
CREATE INDEX bookings_replaced_by_idx ON bookings (replaced_by) WHERE replaced_by IS NOT NULL;
CREATE INDEX charges_decided_by_idx ON charges (decided_by) WHERE decided_by IS NOT NULL;
CREATE INDEX emails_user_idx ON emails (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX enquiries_course_idx ON enquiries (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX enquiry_events_actor_idx ON enquiry_events (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX enquiry_messages_author_idx ON enquiry_messages (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX job_failures_dealt_with_by_idx ON job_failures_dealt_with (dealt_by);
CREATE INDEX retained_place_counts_agency_idx ON retained_place_counts (agency_id) WHERE agency_id IS NOT NULL;
CREATE INDEX sessions_closed_to_agency_idx ON sessions (closed_to_agency_id) WHERE closed_to_agency_id IS NOT NULL;
CREATE INDEX trainer_courses_course_idx ON trainer_courses (course_id);
CREATE INDEX user_roles_granted_by_idx ON user_roles (granted_by) WHERE granted_by IS NOT NULL;
CREATE INDEX users_requested_agency_idx ON users (requested_agency_id) WHERE requested_agency_id IS NOT NULL;

-- +goose Down
DROP INDEX users_requested_agency_idx;
DROP INDEX user_roles_granted_by_idx;
DROP INDEX trainer_courses_course_idx;
DROP INDEX sessions_closed_to_agency_idx;
DROP INDEX retained_place_counts_agency_idx;
DROP INDEX job_failures_dealt_with_by_idx;
DROP INDEX enquiry_messages_author_idx;
DROP INDEX enquiry_events_actor_idx;
DROP INDEX enquiries_course_idx;
DROP INDEX emails_user_idx;
DROP INDEX charges_decided_by_idx;
DROP INDEX bookings_replaced_by_idx;
DROP INDEX bookings_ended_by_idx;
DROP INDEX bookings_booked_by_idx;
DROP INDEX bookings_attendance_by_idx;
DROP INDEX audit_events_agency_idx;
