package report_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/report"
)

// largePartnership is five years of a large partnership, made in SQL with
// generate_series: 200 agencies in the ten sectors, 16 courses, 20,000
// people (the first 100 trainers), 5,000 sessions from April 2022 a little
// under nine hours apart (one in 25 cancelled), two trainers each, 100,000
// bookings (20 claims a session: 14 confirmed places, 11 of them attended, 1
// late, 1 absent, 1 not marked; a late and an on-time cancellation, a
// substitution, a move, one waiting and one expired offer), a charge for
// each absence and late cancellation, a paid place on each session (one in
// ten refunded), and 2,000 training requests with their decisions.
var largePartnership = []string{
	`INSERT INTO agencies (name, sector, charging_band)
	 SELECT 'Agency ' || g, (ARRAY['police', 'health', 'education', 'local_authority', 'probation_youth_justice',
	                               'voluntary_community', 'faith', 'private_independent', 'fire', 'other'])[g % 10 + 1],
	        (ARRAY['partner', 'contributing', 'non_contributing'])[g % 3 + 1]
	 FROM generate_series(1, 200) g`,
	`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                      level, duration, delivery_modes, default_capacity)
	 SELECT 'course-' || g, 'Course ' || g, 'S.', 'D.', ARRAY['Spot it'], 'Everyone', ARRAY['everyone'], 1,
	        CASE WHEN g % 4 = 0 THEN 'full_day' ELSE 'half_day' END, ARRAY['online'], 20
	 FROM generate_series(1, 16) g`,
	`INSERT INTO venues (name, online) VALUES ('Teams', true)`,
	`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
	 SELECT 'person' || g || '@example.org', 'Person ' || g, (SELECT min(id) FROM agencies) + g % 200, '!', now()
	 FROM generate_series(0, 19999) g`,
	`INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM users ORDER BY id LIMIT 100`,
	`INSERT INTO trainer_courses (trainer_id, course_id, partnership_id)
	 SELECT u.id, c.id, c.partnership_id FROM (SELECT id FROM users ORDER BY id LIMIT 100) u CROSS JOIN courses c`,
	`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, cancelled_reason)
	 SELECT c.id, c.title, v.id, t.starts, t.starts + CASE WHEN c.duration = 'full_day' THEN interval '6 hours' ELSE interval '3 hours' END,
	        t.starts - interval '3 days', 20,
	        (CASE WHEN g % 25 = 0 THEN 'cancelled' ELSE 'completed' END)::session_status,
	        CASE WHEN g % 25 = 0 THEN 'Trainer ill' ELSE '' END
	 FROM generate_series(0, 4999) g
	 CROSS JOIN LATERAL (SELECT timestamptz '2022-04-04 09:00 Europe/London' + g * interval '8 hours 45 minutes' AS starts) t
	 JOIN courses c ON c.slug = 'course-' || (g % 16 + 1)
	 CROSS JOIN venues v`,
	`INSERT INTO session_trainers (session_id, trainer_id)
	 SELECT s.id, t.id
	 FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM sessions) s
	 JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users ORDER BY id LIMIT 100) t
	   ON t.n = s.n % 100 OR t.n = (s.n + 37) % 100`,
	// The ids of a fresh database's rows made by one statement are
	// consecutive: claim g is on session g / 20, of person g % 20000 (of
	// agency g % 200, as the people were made).
	`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, waiting_since,
	                       offered_at, offer_expires_at, confirmed_at, ended_at, late, attendance, partnership_id, session_starts_at)
	 SELECT s0.id + g / 20, u0.id + g % 20000, a0.id + g % 200, k.status::booking_status, u0.id + g % 20000, now(),
	        CASE WHEN k.status IN ('waiting', 'expired') THEN now() END,
	        CASE WHEN k.status = 'expired' THEN now() END, CASE WHEN k.status = 'expired' THEN now() END,
	        CASE WHEN k.status IN ('confirmed', 'cancelled', 'substituted', 'moved') THEN now() END,
	        CASE WHEN k.status NOT IN ('waiting', 'confirmed') THEN now() END,
	        k.late, k.attendance, s0.partnership_id, s0.starts_at + (g / 20) * interval '8 hours 45 minutes'
	 FROM generate_series(0, 99999) g
	 CROSS JOIN (SELECT id, partnership_id, starts_at FROM sessions ORDER BY id LIMIT 1) s0
	 CROSS JOIN (SELECT min(id) AS id FROM users) u0
	 CROSS JOIN (SELECT min(id) AS id FROM agencies) a0
	 CROSS JOIN LATERAL (SELECT
	     CASE WHEN g % 20 < 14 THEN 'confirmed' WHEN g % 20 IN (14, 15) THEN 'cancelled' WHEN g % 20 = 16 THEN 'substituted'
	          WHEN g % 20 = 17 THEN 'moved' WHEN g % 20 = 18 THEN 'waiting' ELSE 'expired' END AS status,
	     g % 20 = 14 AS late,
	     CASE WHEN g % 20 < 11 THEN 'attended' WHEN g % 20 = 11 THEN 'late' WHEN g % 20 = 12 THEN 'absent' END AS attendance) k`,
	// The seat count, kept by a trigger a row at a time, set once.
	`UPDATE sessions s SET seats_taken = c.n
	 FROM (SELECT session_id, count(*) AS n FROM bookings WHERE status = 'confirmed' GROUP BY session_id) c
	 WHERE c.session_id = s.id AND s.status <> 'cancelled'`,
	`UPDATE bookings b SET status = 'cancelled', ended_at = now(), attendance = NULL
	 FROM sessions s WHERE s.id = b.session_id AND s.status = 'cancelled' AND b.status = 'confirmed'`,
	`INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_by, decided_at, invoice_reference,
	                      partnership_id)
	 SELECT b.id, b.agency_id, CASE WHEN b.late THEN 'late_cancellation' ELSE 'non_attendance' END, 5000, k.status,
	        CASE WHEN k.status = 'waived' THEN 'Ill' ELSE '' END,
	        CASE WHEN k.status <> 'proposed' THEN b.user_id END, CASE WHEN k.status <> 'proposed' THEN now() END,
	        CASE WHEN k.status IN ('invoiced', 'paid') THEN 'INV-' || b.id END, b.partnership_id
	 FROM bookings b
	 CROSS JOIN LATERAL (SELECT (ARRAY['proposed', 'waived', 'invoiced', 'paid'])[b.id % 4 + 1] AS status) k
	 WHERE b.attendance = 'absent' OR b.late`,
	`INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at, refund_id, refund_requested_at, refunded_at,
	                       partnership_id, session_starts_at)
	 SELECT b.id, 'card', 8000, CASE WHEN b.id % 10 = 0 THEN 'refunded' ELSE 'paid' END, 'pi_' || b.id, now(),
	        CASE WHEN b.id % 10 = 0 THEN 're_' || b.id END, CASE WHEN b.id % 10 = 0 THEN now() END, CASE WHEN b.id % 10 = 0 THEN now() END,
	        b.partnership_id, b.session_starts_at
	 FROM bookings b WHERE b.attendance = 'attended' AND b.id % 20 = 1`,
	`WITH e AS (
	   INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
	                          contact_name, contact_email, status, decline_reason, submitted_at, updated_at)
	   SELECT (SELECT min(id) FROM agencies) + g % 200, (SELECT min(id) FROM users) + g, 'course', (SELECT min(id) FROM courses),
	          'Leaders', 12, 'online', 'Kim', 'kim@example.org', CASE WHEN g % 5 = 0 THEN 'declined' ELSE 'accepted' END,
	          CASE WHEN g % 5 = 0 THEN 'No trainers' ELSE '' END,
	          timestamptz '2022-04-04 10:00 Europe/London' + g * interval '21 hours 54 minutes',
	          timestamptz '2022-04-04 10:00 Europe/London' + g * interval '21 hours 54 minutes'
	   FROM generate_series(0, 1999) g
	   RETURNING id, requested_by, status, submitted_at)
	 INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, at)
	 SELECT e.id, e.requested_by, 'submitted', 'submitted', e.submitted_at FROM e
	 UNION ALL
	 SELECT e.id, e.requested_by, e.status, e.status, e.submitted_at + (e.id % 20) * interval '1 day' FROM e`,
	// Evaluations: five in six attended places asked (about 48,000), two in
	// three of those answered, with two learning outcomes and the three
	// standard ratings each; a follow-up of the person and their line
	// manager for one in three, half of them answered.
	`INSERT INTO evaluations (booking_id, asked_at, closes_at, submitted_at, follow_up_at)
	 SELECT b.id, now(), now() + interval '30 days', CASE WHEN b.id % 3 <> 0 THEN now() END, now() + interval '13 weeks'
	 FROM bookings b WHERE b.attendance IN ('attended', 'late') AND b.id % 6 < 5`,
	`INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
	 SELECT e.booking_id, p, 'Outcome ' || p, 1 + e.booking_id % 3, 3 + e.booking_id % 3
	 FROM evaluations e CROSS JOIN generate_series(1, 2) p WHERE e.submitted_at IS NOT NULL`,
	`INSERT INTO evaluation_answers (booking_id, question_id, rating)
	 SELECT e.booking_id, q.id, 1 + (e.booking_id + q.id) % 5
	 FROM evaluations e CROSS JOIN evaluation_questions q WHERE e.submitted_at IS NOT NULL AND q.kind = 'rating'`,
	`INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at)
	 SELECT e.booking_id, r.respondent::impact_respondent, now(), now() + interval '30 days',
	        CASE WHEN e.booking_id % 2 = 0 THEN now() END
	 FROM evaluations e CROSS JOIN (VALUES ('attendee'), ('line_manager')) r (respondent) WHERE e.booking_id % 3 = 1`,
	`INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
	 SELECT f.booking_id, f.respondent, 1, 'Outcome 1', 4 FROM impact_follow_ups f WHERE f.submitted_at IS NOT NULL`,
	`ANALYZE`,
}

// BenchmarkFigures times each figure for one partnership year (April 2025 to
// March 2026: about 1,000 sessions and 20,000 bookings) of the five years.
//
//	go run ./cmd/withpg -- go test -run '^$' -bench Figures -benchmem ./internal/report/
func BenchmarkFigures(b *testing.B) {
	pool, url := pgtest.NewWithURL(b)
	ctx := context.Background()
	start := time.Now()
	// Made in one transaction as a replica would apply it: the rows are
	// consistent by construction, so the foreign keys and triggers checked
	// a row at a time (most of a minute at 100,000 bookings) are skipped.
	require.NoError(b, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		for _, sql := range largePartnership {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
		}
		return nil
	}))
	_, err := pool.Exec(ctx, "VACUUM ANALYZE")
	require.NoError(b, err)
	var sessions, bookings, people, evaluations int
	var agency int64
	require.NoError(b, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM bookings),
	                                              (SELECT count(*) FROM users), (SELECT count(*) FROM evaluations),
	                                              (SELECT min(id) FROM agencies)`).Scan(&sessions, &bookings, &people, &evaluations, &agency))
	b.Logf("made %d people, %d sessions, %d bookings, %d evaluations in %v", people, sessions, bookings, evaluations,
		time.Since(start).Round(time.Millisecond))

	// The figures are read on one connection, so the server's CPU time for
	// them can be read from that backend: on this shared machine the wall
	// time mostly measures the other processes.
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(b, err)
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(b, err)
	b.Cleanup(one.Close)
	cpu := func() (time.Duration, bool) {
		var ticks int64 // user and system time in clock ticks of 1/100 s
		err := one.QueryRow(ctx, `SELECT split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint
		                          FROM pg_read_file('/proc/self/stat') s`).Scan(&ticks)
		return time.Duration(ticks) * 10 * time.Millisecond, err == nil
	}

	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	svc := report.New(one, func() time.Time { return now })
	// The computation itself, each time: nothing kept between iterations.
	svc.Figures.FreshFor, svc.Figures.KeepFor = 0, 0
	year := report.PartnershipYear(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	ctx = asManager(ctx)
	d, err := svc.Delivery(ctx, year)
	require.NoError(b, err)
	b.Logf("the year %s: %d sessions delivered, %d places booked", year, d.Total.Delivered, d.Total.Booked)
	// The figures agree with how the partnership was made, and with one
	// another: 14 places booked and 12 attended on each delivered session,
	// one absence and one late cancellation; two trainers each.
	n := d.Total.Delivered
	require.Equal(b, report.DeliveryRow{Delivered: n, Cancelled: d.Total.Cancelled, Offered: 20 * n, Booked: 14 * n, Attended: 12 * n}, d.Total)
	a, err := svc.Attendance(ctx, year)
	require.NoError(b, err)
	require.Equal(b, report.Places{Booked: 14 * n, Attended: 12 * n, ArrivedLate: n, Absent: n, Unmarked: n, CancelledLate: n}, a.Total)
	require.Len(b, a.Sessions, n)
	l, err := svc.Ledger(ctx, year)
	require.NoError(b, err)
	require.Equal(b, 2*n, l.Total.Deliveries)
	require.Equal(b, 12*n, l.Total.PlacesAttended)
	u, err := svc.UnmetDemand(ctx, year)
	require.NoError(b, err)
	require.Equal(b, report.Unmet{Sessions: n, SessionsTurned: n, PeopleNotPlaced: 2 * n}, u.Total)

	for _, fig := range []struct {
		name string
		read func() error
	}{
		{"Delivery", func() error { _, err := svc.Delivery(ctx, year); return err }},
		{"Attendance", func() error { _, err := svc.Attendance(ctx, year); return err }},
		{"NonAttendance", func() error { _, err := svc.NonAttendance(ctx, year); return err }},
		{"UnmetDemand", func() error { _, err := svc.UnmetDemand(ctx, year); return err }},
		{"Requests", func() error { _, err := svc.Requests(ctx, year); return err }},
		{"Money", func() error { _, err := svc.Money(ctx, year); return err }},
		{"Ledger", func() error { _, err := svc.Ledger(ctx, year); return err }},
		{"Trainers", func() error { _, err := svc.Trainers(ctx, year); return err }},
		{"Evaluation", func() error { _, err := svc.Evaluation(ctx, year); return err }},
		{"AgencyFigures", func() error { _, err := svc.AgencyFigures(ctx, year, agency); return err }},
		{"StaffTraining", func() error { _, err := svc.StaffTraining(ctx, agency); return err }},
		{"Pack", func() error {
			return svc.WritePack(ctx, io.Discard, year, "Portsmouth Safeguarding Children Partnership")
		}},
	} {
		b.Run(fig.name, func(b *testing.B) {
			b.ReportAllocs()
			before, measured := cpu()
			for b.Loop() {
				if err := fig.read(); err != nil {
					b.Fatal(err)
				}
			}
			if after, ok := cpu(); measured && ok {
				b.ReportMetric(float64((after-before).Microseconds())/1000/float64(b.N), "pg-cpu-ms/op")
			}
		})
	}
}
