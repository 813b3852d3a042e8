// Package growth fills a database with the partnership as it might be after
// years of use, a hundred times the demo term: 20,000 people, 5,000
// sessions, 100,000 bookings and emails, audit events, training requests
// and finished background jobs; and what attendance leaves behind: waiting
// lists, absences and late cancellations with their charges, places paid on
// invoice, evaluations and follow-ups, certificates and claims of prior
// learning. Tests and benchmarks run the managers' lists on it, to show that
// each list costs the same at that size as on the demo.
//
// With Size.Partnerships above one it grows HIPS (issue 22): the other
// partnerships sharing the service, each with its own copy of the demo
// courses, its own online venue and its own training manager, and the grown
// sessions and training requests spread across them all, while the people
// and agencies are shared.
//
// It writes with set-based SQL (generate_series), in one transaction with
// the row triggers off (the seat counts are set once at the end), so the
// whole fill takes seconds; then it analyses every table, as autovacuum
// would have long since done in production.
package growth

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Size is how much is added.
type Size struct {
	Agencies, People, Trainers, Sessions int
	BookingsPerSession                   int // 20 or fewer: each session's people differ
	Emails, AuditEvents, Enquiries, Jobs int
	FailedJobs, Claims                   int
	// Partnerships is how many partnerships share the service: 0 or 1 is
	// the demo seed's one, as before partnerships; more adds the others
	// (Hampshire, the Isle of Wight, Southampton, then numbered ones).
	Partnerships int
	// SessionsFrom is how far before now the grown sessions begin (0: 730
	// days) and SessionEvery the time between one partnership's sessions
	// (0: 6 hours); sessions of different partnerships run side by side.
	SessionsFrom, SessionEvery time.Duration
}

// Hundredfold is the grown partnership (issue 21): 100 times the
// demo term's people, sessions, bookings and emails.
var Hundredfold = Size{
	Agencies: 1000, People: 20000, Trainers: 200, Sessions: 5000, BookingsPerSession: 20,
	Emails: 100000, AuditEvents: 100000, Enquiries: 2000, Jobs: 50000, FailedJobs: 300, Claims: 20000,
}

// Onefold is the same partnership at its first year's size, a hundredth of
// Hundredfold, to compare each list with.
var Onefold = Size{
	Agencies: 10, People: 200, Trainers: 2, Sessions: 50, BookingsPerSession: 20,
	Emails: 1000, AuditEvents: 1000, Enquiries: 20, Jobs: 500, FailedJobs: 3, Claims: 200,
}

// HIPS is the four partnerships' five years (issue 22): 80,000
// people, 20,000 sessions and 400,000 bookings, four times Hundredfold's
// emails, audit events, requests, jobs and claims in the same span of time,
// and 3,000 agencies (partly shared: the police and the health trusts
// work across all four).
var HIPS = Size{
	Partnerships: 4, SessionsFrom: 1645 * 24 * time.Hour, SessionEvery: 9 * time.Hour,
	Agencies: 3000, People: 80000, Trainers: 800, Sessions: 20000, BookingsPerSession: 20,
	Emails: 400000, AuditEvents: 400000, Enquiries: 8000, Jobs: 200000, FailedJobs: 1200, Claims: 80000,
}

// Version changes whenever Grow's output does, so a database cached from an
// older fill is never reused.
const Version = 14

// Grow adds s to a database that holds the demo seed (its courses and an
// online venue), dated around now. It needs a role that may set
// session_replication_role (the tests' superuser).
func Grow(ctx context.Context, pool *pgxpool.Pool, s Size, now time.Time) error {
	if s.BookingsPerSession > 20 || s.BookingsPerSession*s.Sessions > s.People*20 {
		return fmt.Errorf("grow: %d bookings per session is more than the people allow", s.BookingsPerSession)
	}
	partnerships := max(1, s.Partnerships)
	if s.Trainers > 0 && s.Trainers < partnerships {
		// Sessions side by side would share a trainer.
		return fmt.Errorf("grow: %d trainers are too few for %d partnerships", s.Trainers, partnerships)
	}
	from, every := s.SessionsFrom, s.SessionEvery
	if from == 0 {
		from = 730 * 24 * time.Hour
	}
	if every == 0 {
		every = 6 * time.Hour
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Row triggers off: each booking would otherwise update its
		// session's seat count, one row at a time.
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		if partnerships > 1 {
			if err := growPartnerships(ctx, tx, partnerships); err != nil {
				return err
			}
		}
		args := pgx.NamedArgs{
			"agencies": s.Agencies, "people": s.People, "trainers": s.Trainers, "sessions": s.Sessions,
			"per_session": s.BookingsPerSession, "emails": s.Emails, "audit_events": s.AuditEvents,
			"enquiries": s.Enquiries, "jobs": s.Jobs, "failed_jobs": s.FailedJobs, "claims": s.Claims, "now": now,
			"partnerships": partnerships, "sessions_from": from, "session_every": every,
		}
		for _, st := range statements {
			if _, err := tx.Exec(ctx, st.sql, args); err != nil {
				return fmt.Errorf("grow %s: %w", st.what, err)
			}
		}
		if partnerships > 1 {
			if _, err := tx.Exec(ctx, managers.sql, args); err != nil {
				return fmt.Errorf("grow %s: %w", managers.what, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Vacuumed as well as analysed, as autovacuum leaves a table that has
	// grown in production: the rows its statements updated after inserting
	// (seat counts, kept columns) are left dead otherwise, and no page is
	// marked all-visible, so an index-only scan reads the table anyway and a
	// list measured here costs what it would not in production.
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("grow: vacuum: %w", err)
	}
	return allVisible(ctx, pool)
}

// allVisible vacuums again each table whose pages the vacuum left not
// all-visible, until none is left. A vacuum marks a page only if no
// transaction of the database began before its rows: autovacuum's own
// analyse of the newly filled tables, running alongside, is one, and it
// left a table of 20,000 people with no page marked, so that the people's
// lists read the table for every name their index had already given.
func allVisible(ctx context.Context, pool *pgxpool.Pool) error {
	const tries = 50
	for range tries {
		rows, err := pool.Query(ctx, `
			SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
			  AND c.relpages > 0 AND c.relallvisible < c.relpages`)
		if err != nil {
			return fmt.Errorf("grow: tables to vacuum: %w", err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("grow: tables to vacuum: %w", err)
		}
		if len(tables) == 0 {
			return nil
		}
		for _, t := range tables {
			if _, err := pool.Exec(ctx, "VACUUM "+t); err != nil {
				return fmt.Errorf("grow: vacuum %s: %w", t, err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("grow: tables still not all-visible after %d vacuums", tries)
}

type statement struct{ what, sql string }

// grownPeople numbers the grown people from 0 (p.i, of pc.n): a person is
// picked by joining on the number. (Picking from an array of them, each
// pick copied the whole array: 400,000 bookings took minutes.)
const grownPeople = `p AS (SELECT id, agency_id, row_number() OVER (ORDER BY id) - 1 AS i FROM users
	                       WHERE email LIKE 'grown-%'),
	pc AS (SELECT count(*) AS n FROM p)`

// statements fill the tables in order. People are "grown-N@example.org",
// a fifth of them in the first agency (a large one, as the police or a
// health trust are), one in fifty in organisations not confirmed yet;
// agencies "Grown agency N"; the grown sessions are on their partnership's
// first online venue (no room to double-book), taking turns among the
// partnerships, each partnership's one every six hours (SessionEvery) from
// two years ago (SessionsFrom), so trainers' commitments never overlap. A
// place's fate (cancelled, late, waiting, absent) turns on its session and
// its number together, so each falls on people of every agency, not on one
// agency's.
var statements = []statement{
	{"agencies", `
		INSERT INTO agencies (name, sector, charging_band)
		SELECT 'Grown agency ' || g,
		       (ARRAY['police','health','education','local_authority','voluntary_community','private_independent'])[1 + g % 6],
		       (ARRAY['partner','contributing','non_contributing'])[1 + g % 3]
		FROM generate_series(1, @agencies::int) g`},
	// The row trigger's work (migration 00052): each grown agency in the
	// first partnership's area with the band it was listed with; with
	// several partnerships every agency is in every area (the police and the
	// health trusts work across HIPS), at its listed band.
	{"agencies' areas", `
		INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band, created_at, updated_at)
		SELECT p.id, a.id, a.charging_band, a.created_at, a.updated_at
		FROM agencies a CROSS JOIN partnerships p
		WHERE a.name LIKE 'Grown agency %' OR p.id <> first_partnership_id()
		ON CONFLICT DO NOTHING`},
	{"people", `
		WITH a AS (SELECT array_agg(id ORDER BY id) AS ids FROM agencies)
		INSERT INTO users (email, full_name, job_title, agency_id, unlisted_agency_name, password_hash,
		                   email_verified_at, created_at, last_signed_in_at)
		SELECT 'grown-' || g || '@example.org',
		       (ARRAY['Alex','Sam','Jo','Priya','Tom','Aisha','Chris','Megan','Ravi','Kate'])[1 + g % 10] || ' ' ||
		       (ARRAY['Smith','Jones','Patel','Brown','Taylor','Khan','Evans','Wilson','Walker','Hughes'])[1 + (g / 10) % 10] ||
		       ' ' || g,
		       'Practitioner',
		       CASE WHEN g % 50 = 0 THEN NULL WHEN g % 5 = 1 THEN a.ids[1] ELSE a.ids[1 + g % cardinality(a.ids)] END,
		       CASE WHEN g % 50 = 0 THEN 'Unlisted organisation ' || (g / 50) % 40 ELSE '' END,
		       'not a password hash', @now::timestamptz - interval '1 day', @now::timestamptz - (g % 700) * interval '1 day',
		       @now::timestamptz - (g % 300) * interval '1 day'
		FROM generate_series(1, @people::int) g, a`},
	{"trainers", `
		INSERT INTO user_roles (user_id, role)
		SELECT id, 'trainer' FROM users WHERE email LIKE 'grown-%' ORDER BY id LIMIT @trainers::int`},
	{"trainers' courses", `
		INSERT INTO trainer_courses (trainer_id, course_id, partnership_id)
		SELECT r.user_id, c.id, c.partnership_id FROM user_roles r CROSS JOIN courses c
		JOIN users u ON u.id = r.user_id
		WHERE r.role = 'trainer' AND u.email LIKE 'grown-%'
		ON CONFLICT DO NOTHING`},
	{"sessions", `
		WITH c AS (SELECT partnership_id, array_agg(id ORDER BY id) AS ids, array_agg(title ORDER BY id) AS titles
		           FROM courses GROUP BY partnership_id),
		     pn AS (SELECT array_agg(id ORDER BY id) AS ids FROM partnerships),
		     v AS (SELECT DISTINCT ON (partnership_id) partnership_id, id FROM venues
		           WHERE online AND retired_at IS NULL ORDER BY partnership_id, id)
		INSERT INTO sessions (partnership_id, course_id, course_title, venue_id, in_room, starts_at, ends_at,
		                      booking_cutoff_at, capacity, status, cancelled_reason, meeting_url)
		SELECT p.id, c.ids[1 + p.nth % cardinality(c.ids)], c.titles[1 + p.nth % cardinality(c.titles)], v.id, false,
		       t.starts, t.starts + interval '3 hours', t.starts - interval '2 days', 24,
		       s.status, CASE WHEN s.status = 'cancelled' THEN 'Trainer unwell' ELSE '' END,
		       'https://meet.example.org/grown-' || g
		FROM generate_series(1, @sessions::int) g, pn,
		     LATERAL (SELECT pn.ids[1 + g % @partnerships::int] AS id, g / @partnerships::int AS nth) p
		     JOIN c ON c.partnership_id = p.id JOIN v ON v.partnership_id = p.id,
		     LATERAL (SELECT date_trunc('hour', @now::timestamptz) - @sessions_from::interval
		                     + ((g + @partnerships::int - 1) / @partnerships::int) * @session_every::interval AS starts) t,
		     LATERAL (SELECT (CASE WHEN g % 25 = 0 THEN 'cancelled'
		                           WHEN t.starts < @now::timestamptz THEN 'completed'
		                           WHEN g % 10 = 0 THEN 'draft' ELSE 'published' END)::session_status AS status) s
		ORDER BY g -- ids in turn: sessions side by side get different trainers`},
	{"trainers on sessions", `
		WITH tr AS (SELECT array_agg(r.user_id ORDER BY r.user_id) AS ids FROM user_roles r
		            JOIN users u ON u.id = r.user_id WHERE r.role = 'trainer' AND u.email LIKE 'grown-%'),
		     se AS (SELECT id, during, row_number() OVER (ORDER BY id) AS n FROM sessions
		            WHERE meeting_url LIKE 'https://meet.example.org/grown-%' AND status <> 'cancelled'),
		     pick AS (SELECT se.id, se.during, tr.ids[1 + se.n % cardinality(tr.ids)] AS trainer FROM se, tr),
		     st AS (INSERT INTO session_trainers (session_id, trainer_id) SELECT id, trainer FROM pick)
		INSERT INTO trainer_commitments (trainer_id, session_id, during) SELECT trainer, id, during FROM pick`},
	{"bookings", `
		WITH ` + grownPeople + `,
		     se AS (SELECT id, starts_at, status, partnership_id, row_number() OVER (ORDER BY id) AS n FROM sessions
		            WHERE meeting_url LIKE 'https://meet.example.org/grown-%')
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
		                      ended_at, late, waiting_since, attendance, created_at, updated_at,
		                      session_starts_at, partnership_id) -- the trigger's work (migrations 00064, 00067): triggers are off here
		SELECT se.id, u.id, u.agency_id, b.status, u.id, se.starts_at - interval '20 days',
		       CASE WHEN b.status IN ('confirmed', 'cancelled') THEN se.starts_at - interval '20 days' END,
		       CASE WHEN b.status = 'cancelled' AND b.late THEN se.starts_at - interval '1 day'
		            WHEN b.status = 'cancelled' THEN se.starts_at - interval '10 days'
		            WHEN b.status = 'expired' THEN se.starts_at END,
		       b.late,
		       CASE WHEN b.status = 'waiting' THEN se.starts_at - interval '15 days' END,
		       CASE WHEN b.status <> 'confirmed' OR se.status <> 'completed' THEN NULL
		            WHEN (se.n + k) % 10 = 5 THEN 'absent' WHEN (se.n + k) % 10 = 7 THEN 'late' ELSE 'attended' END,
		       se.starts_at - interval '20 days', se.starts_at - interval '20 days',
		       se.starts_at, se.partnership_id
		FROM se, pc, generate_series(1, @per_session::int) k,
		     -- With several partnerships, each round through the people
		     -- starts a session later, so that a person's places fall in
		     -- different partnerships' sessions.
		     LATERAL (SELECT CASE WHEN @partnerships::int > 1 THEN 20 * ((se.n * 20) / pc.n) ELSE 0 END AS shift) r,
		     p u,
		     LATERAL (SELECT (CASE WHEN se.status = 'cancelled' OR (se.n + k) % 10 = 0 THEN 'cancelled'
		                           WHEN (se.n + k) % 20 = 19 AND se.status = 'completed' THEN 'expired'
		                           WHEN (se.n + k) % 20 = 19 THEN 'waiting'
		                           ELSE 'confirmed' END)::booking_status AS status,
		                     (se.status <> 'cancelled' AND (se.n + k) % 10 = 0 AND se.n % 3 = 0) AS late) b
		WHERE u.i = (se.n * 20 + k + r.shift) % pc.n
		ORDER BY se.n, k`},
	{"seat counts", `
		UPDATE sessions s SET seats_taken = t.n, unmarked_places = t.unmarked
		FROM (SELECT session_id, count(*) FILTER (WHERE booking_status_takes_seat(status)) AS n,
		             count(*) FILTER (WHERE status = 'confirmed' AND attendance IS NULL) AS unmarked
		      FROM bookings GROUP BY session_id) t
		WHERE t.session_id = s.id AND s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"evaluations", `
		INSERT INTO evaluations (booking_id, asked_at, closes_at, invited_at, submitted_at, follow_up_at)
		SELECT b.id, s.ends_at, s.ends_at + interval '14 days', s.ends_at,
		       CASE WHEN b.id % 5 < 3 THEN s.ends_at + interval '2 days' END, s.ends_at + interval '90 days'
		FROM bookings b JOIN sessions s ON s.id = b.session_id
		WHERE b.attendance IN ('attended', 'late') AND s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"evaluations' outcomes", `
		INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
		SELECT e.booking_id, o.position, 'Learning outcome ' || o.position, 1 + e.booking_id % 3, 3 + e.booking_id % 3
		FROM evaluations e, generate_series(1, 2) o(position)
		WHERE e.submitted_at IS NOT NULL`},
	{"follow-ups", `
		INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example)
		SELECT e.booking_id, 'attendee', e.follow_up_at, e.follow_up_at + interval '14 days',
		       CASE WHEN e.booking_id % 3 = 0 THEN e.follow_up_at + interval '3 days' END,
		       CASE WHEN e.booking_id % 3 = 0 THEN 'I used it with a family.' END
		FROM evaluations e WHERE e.follow_up_at < @now::timestamptz`},
	{"certificates", `
		INSERT INTO certificates (booking_id, code, issued_at)
		SELECT b.id, upper(lpad(to_hex(b.id), 12, '0')), s.ends_at + interval '1 day'
		FROM bookings b JOIN sessions s ON s.id = b.session_id
		WHERE b.attendance IN ('attended', 'late') AND s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"charges", `
		INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, invoice_reference,
		                     decided_at, created_at, updated_at,
		                     partnership_id) -- the trigger's work (migration 00067): triggers are off here
		SELECT b.id, b.agency_id, c.kind, 5000, c.status,
		       CASE WHEN c.status = 'waived' THEN 'Illness' ELSE '' END,
		       CASE WHEN c.status IN ('invoiced', 'paid') THEN 'INV-' || b.id END,
		       CASE WHEN c.status <> 'proposed' THEN s.ends_at + interval '7 days' END,
		       s.ends_at, s.ends_at, b.partnership_id
		FROM bookings b JOIN sessions s ON s.id = b.session_id,
		     LATERAL (SELECT (CASE WHEN b.late THEN 'late_cancellation' ELSE 'non_attendance' END) AS kind,
		                     (CASE WHEN s.ends_at > @now::timestamptz - interval '30 days' THEN 'proposed'
		                           WHEN s.ends_at > @now::timestamptz - interval '90 days' THEN 'invoiced'
		                           WHEN b.id % 4 = 0 THEN 'waived' ELSE 'paid' END) AS status) c
		WHERE (b.attendance = 'absent' OR b.late) AND b.agency_id IS NOT NULL AND s.ends_at < @now::timestamptz
		  AND s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"places paid on invoice", `
		INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, invoice_reference, paid_at,
		                      session_starts_at, partnership_id, created_at, updated_at)
		SELECT b.id, 'invoice', 9000, p.status, 'PO-' || b.id,
		       CASE WHEN p.status IN ('invoiced', 'paid') THEN 'INV-P' || b.id END,
		       CASE WHEN p.status = 'paid' THEN s.starts_at + interval '30 days' END,
		       s.starts_at, b.partnership_id, -- the triggers' work (migrations 00060, 00067): triggers are off here
		       b.created_at, b.created_at
		FROM bookings b JOIN sessions s ON s.id = b.session_id,
		     LATERAL (SELECT (CASE WHEN s.starts_at > @now::timestamptz - interval '30 days' THEN 'pending'
		                           WHEN s.starts_at > @now::timestamptz - interval '90 days' THEN 'invoiced'
		                           ELSE 'paid' END) AS status) p
		WHERE b.status = 'confirmed' AND b.id % 4 = 1 AND b.agency_id IS NOT NULL
		  AND s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"invoice lines", `
		-- What the triggers of migration 00072 keep, which are off here.
		INSERT INTO invoice_lines (row_kind, id, booking_id, partnership_id, state, payer, agency_id, session_id,
		                           starts_at, due_at, amount_pence)
		SELECT f.row_kind, f.id, f.booking_id, f.partnership_id, f.state, f.payer, f.agency_id, f.session_id,
		       f.starts_at, f.due_at, f.amount_pence
		FROM invoice_lines_fresh f
		JOIN bookings b ON b.id = f.booking_id
		JOIN sessions s ON s.id = b.session_id
		WHERE s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"charges to decide", `
		UPDATE bookings b SET charge_to_decide = true
		WHERE ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
		  AND booking_charge_to_decide(b)`},
	{"sessions' charges to decide", `
		-- What the triggers of migration 00063 keep, which are off here.
		UPDATE sessions s
		SET charges_to_decide = (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.charge_to_decide)
		WHERE s.meeting_url LIKE 'https://meet.example.org/grown-%'`},
	{"sessions without trainer", `
		INSERT INTO trainerless_sessions (session_id, partnership_id, starts_at, status)
		SELECT s.id, s.partnership_id, s.starts_at, s.status FROM sessions s
		WHERE s.meeting_url LIKE 'https://meet.example.org/grown-%'
		  AND NOT EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id)`},
	{"prior learning claims", `
		WITH ` + grownPeople + `,
		     c AS (SELECT array_agg(id ORDER BY id) AS ids FROM courses)
		INSERT INTO prior_learning_claims (user_id, course_id, completed_on, provider, status, decided_by, decided_at,
		                                   reject_reason, created_at)
		SELECT p.id, c.ids[1 + g % cardinality(c.ids)],
		       (at - interval '200 days')::date, 'A previous employer', st.status,
		       CASE WHEN st.status <> 'pending' THEN (SELECT id FROM p WHERE i = 0) END, CASE WHEN st.status <> 'pending' THEN at + interval '2 days' END,
		       CASE WHEN st.status = 'rejected' THEN 'No certificate' ELSE '' END, at
		FROM generate_series(1, @claims::int) g, pc, p, c,
		     LATERAL (SELECT @now::timestamptz - (@claims::int - g) * interval '3 hours' / @partnerships::int AS at) t,
		     LATERAL (SELECT (CASE WHEN g > @claims::int - @claims::int / 50 THEN 'pending'
		                           WHEN g % 7 = 0 THEN 'rejected' ELSE 'confirmed' END)::prior_learning_status AS status) st
		WHERE p.i = (g * 13) % pc.n
		ORDER BY g`},
	{"emails", `
		WITH ` + grownPeople + `
		INSERT INTO emails (to_address, to_name, subject, body_text, user_id, created_at, sent_at, attempts,
		                    last_error, failed_at)
		SELECT 'grown-' || (1 + g % @people::int) || '@example.org', 'Grown person', 'Your place is confirmed ' || g,
		       'Dear person, your place on the course is confirmed. Number ' || g || '.',
		       p.id, at, CASE WHEN g % 100 <> 0 THEN at + interval '1 second' END,
		       CASE WHEN g % 100 = 0 THEN 8 ELSE 1 END,
		       CASE WHEN g % 100 = 0 THEN '550 mailbox unavailable' ELSE '' END,
		       CASE WHEN g % 100 = 0 THEN at + interval '1 hour' END
		FROM generate_series(1, @emails::int) g, pc, p,
		     LATERAL (SELECT @now::timestamptz - (@emails::int - g) * interval '10 minutes' / @partnerships::int AS at) t
		WHERE p.i = g % pc.n
		ORDER BY g`},
	{"audit events", `
		WITH ` + grownPeople + `
		INSERT INTO audit_events (at, actor_id, actor_email, action, subject_user_id, agency_id, details, partnership_id)
		SELECT @now::timestamptz - (@audit_events::int - g) * interval '10 minutes' / @partnerships::int,
		       actor.id, 'grown-' || (1 + g % @people::int) || '@example.org',
		       (ARRAY['booking_created','booking_cancelled','session_published','role_granted','signed_in'])[1 + g % 5],
		       subject.id, subject.agency_id,
		       jsonb_build_object('n', g),
		       CASE WHEN @partnerships::int > 1 THEN pn.ids[1 + g % @partnerships::int] END
		FROM generate_series(1, @audit_events::int) g, pc, p actor, p subject,
		     (SELECT array_agg(id ORDER BY id) AS ids FROM partnerships) pn
		WHERE actor.i = g % pc.n AND subject.i = (g * 7) % pc.n
		ORDER BY g`},
	{"training requests", `
		WITH p AS (SELECT id, agency_id, row_number() OVER (ORDER BY id) - 1 AS i FROM users
		           WHERE email LIKE 'grown-%' AND agency_id IS NOT NULL),
		     pc AS (SELECT count(*) AS n FROM p)
		INSERT INTO enquiries (partnership_id, agency_id, requested_by, kind, topic, need, audience, participants,
		                       location, contact_name, contact_email, status, decline_reason, submitted_at, updated_at)
		SELECT pn.ids[1 + g % @partnerships::int], p.agency_id, p.id, 'bespoke',
		       'Bespoke training ' || g, 'Our team needs it.', 'Our team', 12, 'online', 'Grown contact',
		       'grown-contact-' || g || '@example.org', st.status,
		       CASE WHEN st.status = 'declined' THEN 'Not this year' ELSE '' END, at, at
		FROM generate_series(1, @enquiries::int) g, pc, p, (SELECT array_agg(id ORDER BY id) AS ids FROM partnerships) pn,
		     LATERAL (SELECT @now::timestamptz - (@enquiries::int - g) * interval '6 hours' / @partnerships::int AS at) t,
		     LATERAL (SELECT (ARRAY['accepted','declined','submitted','info_requested','accepted'])[1 + g % 5] AS status) st
		WHERE p.i = g % pc.n
		ORDER BY g`},
	{"finished jobs", `
		INSERT INTO river_job (state, attempt, max_attempts, attempted_at, created_at, finalized_at, scheduled_at,
		                       args, kind, errors)
		SELECT (CASE WHEN g <= @failed_jobs::int THEN 'discarded' ELSE 'completed' END)::river_job_state,
		       1, 1, at, at, at + interval '1 second', at, jsonb_build_object('email_id', g), 'email',
		       CASE WHEN g <= @failed_jobs::int THEN
		           ARRAY[jsonb_build_object('at', at, 'attempt', 1, 'error', 'smtp: 550 mailbox unavailable')] END
		FROM generate_series(1, @jobs::int) g,
		     LATERAL (SELECT @now::timestamptz - g * interval '1 minute' / @partnerships::int AS at) t`},
}

// others are the partnerships HIPS adds to the first (Portsmouth, the demo
// seed's); any beyond them are numbered.
var others = []struct{ slug, name, short string }{
	{"hampshire", "Hampshire Safeguarding Children Partnership", "Hampshire"},
	{"isle-of-wight", "Isle of Wight Safeguarding Children Partnership", "Isle of Wight"},
	{"southampton", "Southampton Safeguarding Children Partnership", "Southampton"},
}

// growPartnerships adds partnerships 2..n, each with its own copy of the first
// partnership's courses (slug and the partnership's slug; their prices,
// prerequisites and renewals between the copies) and an online venue.
func growPartnerships(ctx context.Context, tx pgx.Tx, n int) error {
	var slugs, names, shorts []string
	for i := 2; i <= n; i++ {
		if i-2 < len(others) {
			o := others[i-2]
			slugs, names, shorts = append(slugs, o.slug), append(names, o.name), append(shorts, o.short)
			continue
		}
		slugs = append(slugs, fmt.Sprintf("partnership-%d", i))
		names = append(names, fmt.Sprintf("Partnership %d", i))
		shorts = append(shorts, fmt.Sprintf("Area %d", i))
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, slugs, names, shorts); err != nil {
		return fmt.Errorf("grow partnerships: %w", err)
	}
	// Every column a course has, but those the copy sets and those made
	// for it, so a column added later is copied too.
	var columns []string
	rows, err := tx.Query(ctx, `
		SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'courses' AND is_generated = 'NEVER'
		  AND is_identity = 'NO' AND column_name NOT IN ('slug', 'partnership_id', 'renewed_by_course_id')
		ORDER BY ordinal_position`)
	if err == nil {
		columns, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return fmt.Errorf("grow partnerships: the courses' columns: %w", err)
	}
	into, from := "", ""
	for _, c := range columns {
		id := pgx.Identifier{c}.Sanitize()
		into += ", " + id
		from += ", c." + id
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO courses (slug, partnership_id`+into+`)
		SELECT c.slug || '-' || p.slug, p.id`+from+`
		FROM courses c JOIN partnerships p ON p.id <> first_partnership_id()
		WHERE c.partnership_id = first_partnership_id() AND NOT c.bespoke
		ORDER BY p.id, c.id`); err != nil {
		return fmt.Errorf("grow partnerships: courses: %w", err)
	}
	for _, st := range partnershipStatements {
		if _, err := tx.Exec(ctx, st.sql); err != nil {
			return fmt.Errorf("grow partnerships: %s: %w", st.what, err)
		}
	}
	return nil
}

// copies pairs each of the first partnership's courses with its copy in
// another partnership.
const copies = `
	copies AS (SELECT o.id AS original, k.id AS copy, k.partnership_id
	           FROM courses o JOIN partnerships p ON p.id <> first_partnership_id()
	           JOIN courses k ON k.partnership_id = p.id AND k.slug = o.slug || '-' || p.slug
	           WHERE o.partnership_id = first_partnership_id())`

var partnershipStatements = []statement{
	{"prices", `
		WITH` + copies + `
		INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence)
		SELECT copies.copy, copies.partnership_id, cp.charging_band, cp.amount_pence
		FROM course_prices cp JOIN copies ON copies.original = cp.course_id
		WHERE cp.partnership_id = first_partnership_id()`},
	// What the row triggers would do (migrations 00052 and 00054): each
	// partnership offers its own courses and has the charge policy.
	{"offers", `
		INSERT INTO course_offers (course_id, partnership_id, created_at)
		SELECT id, partnership_id, created_at FROM courses WHERE partnership_id <> first_partnership_id()
		ON CONFLICT DO NOTHING`},
	{"evaluation", `SELECT evaluation_as_the_first(id) FROM partnerships WHERE id <> first_partnership_id()`},
	{"charge policies", `
		INSERT INTO charge_policy (partnership_id, kind, duration, charging_band, amount_pence)
		SELECT p.id, cp.kind, cp.duration, cp.charging_band, cp.amount_pence
		FROM partnerships p CROSS JOIN charge_policy cp
		WHERE p.id <> first_partnership_id() AND cp.partnership_id = first_partnership_id()
		ON CONFLICT DO NOTHING`},
	{"prerequisites", `
		WITH` + copies + `
		INSERT INTO course_prerequisites (course_id, requires_course_id, within_months, created_at)
		SELECT c.copy, r.copy, cp.within_months, cp.created_at
		FROM course_prerequisites cp JOIN copies c ON c.original = cp.course_id
		JOIN copies r ON r.original = cp.requires_course_id AND r.partnership_id = c.partnership_id`},
	{"renewals", `
		WITH` + copies + `
		UPDATE courses k SET renewed_by_course_id = r.copy
		FROM copies c JOIN courses o ON o.id = c.original
		JOIN copies r ON r.original = o.renewed_by_course_id AND r.partnership_id = c.partnership_id
		WHERE k.id = c.copy`},
	{"online venues", `
		INSERT INTO venues (name, online, partnership_id)
		SELECT p.short_name || ' online', true, p.id FROM partnerships p
		WHERE p.id <> first_partnership_id() ORDER BY p.id`},
}

// managers gives each partnership its training manager,
// "hips-manager-<slug>@example.org".
var managers = statement{"managers", `
	WITH u AS (
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at, created_at)
		SELECT 'hips-manager-' || p.slug || '@example.org', p.short_name || ' Training Manager', 'Training manager',
		       (SELECT min(id) FROM agencies), 'not a password hash', @now::timestamptz - interval '1 day',
		       @now::timestamptz - interval '700 days'
		FROM partnerships p ORDER BY p.id
		RETURNING id, email)
	INSERT INTO user_roles (user_id, role, partnership_id)
	SELECT u.id, 'manager', p.id FROM u JOIN partnerships p ON u.email = 'hips-manager-' || p.slug || '@example.org'`}
