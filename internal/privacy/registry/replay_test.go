package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy/registry"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
)

// planted are the values that identify Quinn, one in every place that can
// hold one. After erasure none may be found anywhere in the database.
var planted = map[string]string{
	"name":               "Quinn Vantreese",
	"email":              "quinn.vantreese@example.org",
	"job title":          "Zq Senior Family Support Worker",
	"user agent":         "ZqBrowser/7.3",
	"access needs":       "Zq hearing loop please",
	"dietary needs":      "Zq coeliac",
	"line manager name":  "Zq Linden Marsh",
	"line manager email": "zq.linden.marsh@example.org",
	"booking note":       "Zq cancelled by phone after bereavement",
	"purchase order":     "ZQ-PO-44718",
	"payer name":         "Zq Acorns Nursery",
	"payer email":        "zq.accounts@acorns.example.org",
	"waiver reason":      "Zq waived: in hospital that week",
	"contact name":       "Zq Orla Contactperson",
	"contact email":      "zq.orla.contact@example.org",
	"contact phone":      "07700 900417",
	"message":            "Zq could the course cover county lines?",
	"time off reason":    "Zq Medical appointment at QA Hospital",
	"typed organisation": "Zq Southsea Independent Tutors",
	"email subject":      "Zq your invite",
	"email body":         "Zq dear Quinn, your place",
	"email html":         "<p>Zq html for you</p>",
	"invite":             "ATTENDEE;CN=Zq Quinn Invitee",
	"invite file":        "zq-invite.ics",
	"ip address":         "192.0.2.173",
}

type replay struct {
	ctx                 context.Context
	pool                *pgxpool.Pool
	accounts            *account.Service
	quinn, other, boss  int64
	sessions            []int64
	delivered           int64 // a session Quinn delivered, now over
	bookings            []int64
	agency, otherAgency int64
}

func setupReplay(t *testing.T) replay {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	seeded := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	_, err := demo.Seed(ctx, pool, seeded)
	require.NoError(t, err)
	// A year on: every session of the demo term is past, so its bookings
	// are the attendance figures that must stay.
	now := seeded.AddDate(1, 0, 0)
	clock := func() time.Time { return now }
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("https://training.example.org")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := email.NewOutbox(jobs)
	accounts := account.New(pool, outbox, base, clock, quiet)
	bookings := booking.New(pool, outbox, base, "Portsmouth Safeguarding Children Partnership", clock, quiet)
	pay := payment.New(pool, nil, "", clock) // offline, as the server without Stripe
	pay.Jobs = outbox
	pay.Bookings, bookings.Money = bookings, pay
	accounts.OnErase = func(ctx context.Context, tx pgx.Tx, userID int64, now time.Time) error { // as internal/services wires it
		if err := bookings.CancelFutureBookings(ctx, tx, userID, now); err != nil {
			return err
		}
		return scheduling.LeaveSessionsToComeTx(ctx, tx, userID)
	}
	accounts.Privacy = registry.New()
	r := replay{ctx: ctx, pool: pool, accounts: accounts}

	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&r.agency))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id OFFSET 1 LIMIT 1").Scan(&r.otherAgency))
	user := func(addr, name, job string, roles ...string) int64 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at, calendar_token)
			VALUES ($1::text, $2, $3, $4, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', now(), md5($1::text))
			RETURNING id`, addr, name, job, r.agency).Scan(&id))
		for _, role := range roles {
			r.exec(t, "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", id, role)
		}
		return id
	}
	r.quinn = user(planted["email"], planted["name"], planted["job title"], "trainer", "coordinator")
	r.other = user("rowan.other@example.org", "Rowan Otherperson", "Health visitor")
	r.boss = user("helen.boss@example.org", "Helen Boss", "Training manager", "manager")
	rows, err := pool.Query(ctx, "SELECT id FROM sessions ORDER BY starts_at, id LIMIT 4")
	require.NoError(t, err)
	r.sessions, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Len(t, r.sessions, 4)
	return r
}

func (r replay) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := r.pool.Exec(r.ctx, sql, args...)
	require.NoError(t, err, sql)
}

func (r replay) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	require.NoError(t, r.pool.QueryRow(r.ctx, sql, args...).Scan(&id), sql)
	return id
}

// plant puts Quinn's values in every table that can hold them, and some of
// Rowan's, which must survive.
func (r *replay) plant(t *testing.T) {
	p := planted
	q := r.quinn
	// Signed in, and an attempt with their address from elsewhere.
	r.exec(t, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (sha256('quinn'), $1, 'csrf', now(), now(), now() + interval '1 hour', $3, $2)`, q, p["user agent"], p["ip address"])
	r.exec(t, "UPDATE users SET last_signed_in_at = now(), inactivity_warned_at = now() WHERE id = $1", q)
	// A browser they signed in on, and emails asked for with their address
	// from their IP address, still counted by the limits.
	r.exec(t, "INSERT INTO device_tokens (token_hash, user_id, created_at, expires_at) VALUES (sha256('quinn-device'), $1, now(), now() + interval '30 days')", q)
	r.exec(t, "INSERT INTO email_actions (kind, email, ip, sent, at) VALUES ('resend_verification', $1, $2, true, now())", p["email"], p["ip address"])
	r.exec(t, "INSERT INTO email_actions (kind, user_id, ip, sent, at) VALUES ('training_request', $1, $2, true, now())", q, p["ip address"])
	r.exec(t, "INSERT INTO sign_in_attempts (email, ip, at) VALUES ($1, '203.0.113.8', now())", p["email"])
	r.exec(t, "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at) VALUES (sha256('quinn-link'), $1, 'reset_password', now())", q)

	// Bookings: one attended with needs and line manager, one paid on
	// invoice and charged, one cancelled with a note.
	book := func(session int64, status, attendance, note string) int64 {
		return r.id(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
			line_manager_name, line_manager_email, policy_agreed_at, confirmed_at, ended_at, end_note, attendance)
			VALUES ($1, $2, $3, $4::booking_status, $2, $5, $6, $7, $8, now(), now(), CASE WHEN $4::booking_status = 'cancelled' THEN now() END, $9, nullif($10, ''))
			RETURNING id`, session, q, r.agency, status, p["access needs"], p["dietary needs"], p["line manager name"],
			p["line manager email"], note, attendance)
	}
	r.bookings = []int64{
		book(r.sessions[0], "confirmed", "attended", ""),
		book(r.sessions[1], "confirmed", "absent", ""),
		book(r.sessions[2], "cancelled", "", p["booking note"]),
	}
	r.exec(t, `INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, payer, payer_name, payer_email)
		VALUES ($1, 'invoice', 8000, 'pending', $2, 'organisation', $3, $4)`,
		r.bookings[1], p["purchase order"], p["payer name"], p["payer email"])
	r.exec(t, `INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_by, decided_at)
		VALUES ($1, $2, 'non_attendance', 5000, 'waived', $3, $4, now())`, r.bookings[1], r.agency, p["waiver reason"], r.boss)
	// Rowan's booking, which stays as it is.
	r.exec(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, policy_agreed_at, confirmed_at, attendance)
		VALUES ($1, $2, $3, 'confirmed', $2, 'Rowan needs step-free access', now(), now(), 'attended')`, r.sessions[0], r.other, r.agency)

	// A training request with a contact and a message, emailed to the team.
	var course int64
	require.NoError(t, r.pool.QueryRow(r.ctx, "SELECT id FROM courses ORDER BY id LIMIT 1").Scan(&course))
	req := r.id(t, `INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
		contact_name, contact_email, contact_phone, submitted_at, updated_at)
		VALUES ($1, $2, 'course', $3, 'Family support teams', 12, 'online', $4, $5, $6, now(), now()) RETURNING id`,
		r.agency, q, course, p["contact name"], p["contact email"], p["contact phone"])
	r.exec(t, "INSERT INTO enquiry_dates (enquiry_id, position, starts_at, ends_at) VALUES ($1, 1, '2027-03-01 09:30Z', '2027-03-01 16:00Z')", req)
	r.exec(t, "INSERT INTO enquiry_messages (enquiry_id, author_id, from_partnership, body, sent_at) VALUES ($1, $2, false, $3, now())", req, q, p["message"])
	r.exec(t, "INSERT INTO enquiry_messages (enquiry_id, author_id, from_partnership, body, sent_at) VALUES ($1, $2, true, 'We can, yes.', now())", req, r.boss)
	r.exec(t, "INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, at) VALUES ($1, $2, 'submitted', 'submitted', now())", req, q)

	// Trainer: an approval and time off with a reason.
	r.exec(t, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", q, course)
	r.exec(t, "INSERT INTO trainer_courses (trainer_id, course_id) SELECT $1, course_id FROM sessions WHERE id = $2 ON CONFLICT DO NOTHING", q, r.sessions[3])
	r.exec(t, "INSERT INTO trainer_commitments (trainer_id, during, reason) VALUES ($1, tstzrange('2030-01-06 09:00Z', '2030-01-06 17:00Z'), $2)", q, p["time off reason"])
	// Quinn delivered a session of that course last month, and is down to
	// deliver one to come.
	r.delivered = r.id(t, `INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT course_id, course_title, venue_id, now() - interval '30 days', now() - interval '30 days' + interval '3 hours',
		       now() - interval '33 days', capacity, 'completed'
		FROM sessions WHERE id = $1 RETURNING id`, r.sessions[3])
	r.exec(t, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", r.delivered, q)
	r.exec(t, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", r.sessions[3], q)

	// Billing contact of another agency.
	r.exec(t, "UPDATE agencies SET billing_contact_name = $1, billing_contact_email = $2, stripe_customer_email = $2 WHERE id = $3",
		p["name"], p["email"], r.otherAgency)

	// Emails: to Quinn (with an invite and a refusal quoting the address),
	// about Quinn to their coordinator, and their message to the team.
	r.exec(t, `INSERT INTO emails (to_address, to_name, subject, body_text, body_html, calendar_method, calendar_ics, calendar_filename, user_id, last_error)
		VALUES ($1, $2, $3, $4, $5, 'REQUEST', $6, $7, $8, $9)`, p["email"], p["name"], p["email subject"], p["email body"],
		p["email html"], p["invite"], p["invite file"], q, "550 5.1.1 <"+p["email"]+">: mailbox unavailable")
	r.exec(t, `INSERT INTO emails (to_address, to_name, subject, body_text, body_html, user_id)
		VALUES ('coord@example.org', 'Ade Coordinator', $1, $2, $3, NULL)`,
		p["name"]+" has booked a place", "Hello Ade, "+p["name"]+" booked. Access needs: "+p["access needs"],
		"<p>"+p["name"]+" booked</p>")
	r.exec(t, `INSERT INTO emails (to_address, subject, body_text, user_id) VALUES ('helen.boss@example.org', 'New message on a training request', $1, $2)`,
		"A message from the agency:\n\n"+p["message"]+"\n\nContact: "+p["contact name"]+", "+p["contact phone"], r.boss)
	r.exec(t, `INSERT INTO emails (to_address, to_name, subject, body_text, user_id) VALUES ('rowan.other@example.org', 'Rowan Otherperson', 'Your place', 'Dear Rowan, see you there', $1)`, r.other)

	// Audit: a failed sign-in typing their address, the organisation they
	// typed, time off, and a manager's charge decision naming them.
	r.exec(t, "INSERT INTO audit_events (at, actor_email, action, ip) VALUES (now(), $1, 'sign_in_failed', '203.0.113.8')", p["email"])
	r.exec(t, `INSERT INTO audit_events (at, actor_id, subject_user_id, action, details, ip) VALUES (now(), $1, $1, 'signed_up', jsonb_build_object('unlisted_organisation', $2::text), '192.0.2.44')`,
		q, p["typed organisation"])
	r.exec(t, `INSERT INTO audit_events (at, actor_id, subject_user_id, action, details) VALUES (now(), $1, $1, 'time_off_added', jsonb_build_object('reason', $2::text, 'first_day', '2030-01-06'))`,
		q, p["time off reason"])
	r.exec(t, `INSERT INTO audit_events (at, actor_id, action, details) VALUES (now(), $1, 'charges_confirmed',
		jsonb_build_object('course', 'Working Together', 'charges', jsonb_build_array(
			jsonb_build_object('person', $2::text, 'reason', $3::text, 'status', 'waived', 'amount', '£50.00'),
			jsonb_build_object('person', 'Rowan Otherperson', 'status', 'proposed', 'amount', '£50.00'))))`,
		r.boss, p["name"], p["waiver reason"])
}

// The finding, replayed: everything identifying is in the download, and none
// of it survives erasure anywhere in the database.
func TestDownloadHoldsAllAndErasureLeavesNothing(t *testing.T) {
	t.Parallel()
	r := setupReplay(t)
	r.plant(t)

	d, err := r.accounts.ExportOnBehalf(actor.With(r.ctx, actor.Actor{ID: r.boss, IP: "198.51.100.7"}), r.quinn)
	require.NoError(t, err)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	file := string(b)
	for what, v := range planted {
		if !strings.Contains(file, jsonText(t, v)) {
			t.Errorf("the download lacks the %s (%q)", what, v)
		}
	}
	for _, v := range []string{"550 5.1.1", "We can, yes."} {
		assert.Contains(t, file, jsonText(t, v))
	}
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &doc))
	for _, key := range []string{"profile", "roles", "sessions", "sign_in_attempts", "email_links", "audit_events", "emails",
		"bookings", "payments", "charges", "training_requests", "trainer_approvals", "time_off", "sessions_delivered",
		"calendar_feed", "billing_contact_for", "device_cookies", "email_limits", "views_of_your_record"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("the download has no %q", key)
		}
	}
	var token, hash string
	require.NoError(t, r.pool.QueryRow(r.ctx, "SELECT calendar_token, password_hash FROM users WHERE id = $1", r.quinn).Scan(&token, &hash))
	assert.NotContains(t, file, token, "the feed's secret address")
	assert.NotContains(t, file, hash)
	assert.NotContains(t, file, "csrf")
	assert.JSONEq(t, `{"has_feed": true}`, string(doc["calendar_feed"]))
	var delivered []map[string]any
	require.NoError(t, json.Unmarshal(doc["sessions_delivered"], &delivered))
	assert.Len(t, delivered, 2, "the session Quinn delivered and the one they are down to deliver")
	var approvals []map[string]any
	require.NoError(t, json.Unmarshal(doc["trainer_approvals"], &approvals))
	require.NotEmpty(t, approvals)
	var first string
	require.NoError(t, r.pool.QueryRow(r.ctx, "SELECT name FROM partnerships ORDER BY id LIMIT 1").Scan(&first))
	for _, a := range approvals {
		assert.Equal(t, first, a["partnership"], "each approval names the partnership that gave it")
	}
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM audit_events WHERE action = 'data_exported' AND actor_id = $1 AND subject_user_id = $2", r.boss, r.quinn))

	require.NoError(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: r.boss, IP: "198.51.100.7"}), r.quinn, "Request by letter received 3 December 2026"))

	// Every text-like column of every table, River's job arguments too.
	hits := r.search(t, append(values(), token))
	assert.Zero(t, r.count(t, "SELECT count(*) FROM device_tokens WHERE user_id = $1", r.quinn), "their device cookies")
	assert.Zero(t, r.count(t, "SELECT count(*) FROM users WHERE id = $1 AND (last_signed_in_at IS NOT NULL OR inactivity_warned_at IS NOT NULL)", r.quinn))
	assert.Empty(t, hits, "identifying values left after erasure")

	// The session Quinn delivered keeps its trainer, now anonymous; the one
	// to come no longer has them (an erased person trains no more).
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM session_trainers WHERE trainer_id = $1 AND session_id = $2", r.quinn, r.delivered))
	assert.Zero(t, r.count(t, "SELECT count(*) FROM session_trainers WHERE trainer_id = $1 AND session_id = $2", r.quinn, r.sessions[3]))

	// Rowan's data is untouched.
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM users WHERE id = $1 AND full_name = 'Rowan Otherperson' AND email = 'rowan.other@example.org'", r.other))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM bookings WHERE user_id = $1 AND access_needs = 'Rowan needs step-free access'", r.other))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM emails WHERE to_address = 'rowan.other@example.org' AND body_text = 'Dear Rowan, see you there'"))
	assert.Equal(t, 1, r.count(t, `SELECT count(*) FROM audit_events WHERE action = 'charges_confirmed' AND details @> '{"charges": [{"person": "Rowan Otherperson"}]}'`))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM enquiry_messages WHERE body = 'We can, yes.'"))

	// The anonymous figures stay: Quinn's bookings with agency and
	// attendance, the charge and the payment's amount, the request.
	assert.Equal(t, 3, r.count(t, "SELECT count(*) FROM bookings WHERE user_id = $1 AND agency_id = $2", r.quinn, r.agency))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM bookings WHERE id = $1 AND attendance = 'attended'", r.bookings[0]))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM bookings WHERE id = $1 AND attendance = 'absent'", r.bookings[1]))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM payments WHERE booking_id = $1 AND amount_pence = 8000", r.bookings[1]))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM charges WHERE booking_id = $1 AND amount_pence = 5000 AND status = 'waived'", r.bookings[1]))
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM enquiries WHERE requested_by = $1 AND agency_id = $2 AND participants = 12", r.quinn, r.agency))
	assert.Equal(t, 1, r.count(t, `SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND actor_id = $1 AND subject_user_id = $2
		AND details->>'reason' = 'Request by letter received 3 December 2026'`, r.boss, r.quinn))
}

func values() []string {
	out := make([]string, 0, len(planted))
	for _, v := range planted {
		out = append(out, v)
	}
	return out
}

// jsonText is how a value appears inside a JSON string.
func jsonText(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return strings.Trim(string(b), `"`)
}

func (r replay) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, r.pool.QueryRow(r.ctx, sql, args...).Scan(&n), sql)
	return n
}

// search looks for each value, case-insensitively, in every text, citext,
// varchar, inet, json and jsonb column (and arrays of them) of every table of the
// public schema, River's included, and says where it found one.
func (r replay) search(t *testing.T, vals []string) []string {
	t.Helper()
	rows, err := r.pool.Query(r.ctx, `
		SELECT c.table_name, c.column_name
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		  AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
		       OR c.udt_name IN ('citext', 'inet'))`)
	require.NoError(t, err)
	type col struct{ Table, Column string }
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[col])
	require.NoError(t, err)
	require.Greater(t, len(cols), 50, "the columns were found")
	var hits []string
	for _, c := range cols {
		for _, v := range vals {
			n := r.count(t, fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(lower(%s::text), lower($1)) > 0`,
				pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Column}.Sanitize()), v)
			if n > 0 {
				hits = append(hits, fmt.Sprintf("%s.%s holds %q", c.Table, c.Column, v))
			}
		}
	}
	return hits
}

// An erased training manager's entries about what they did to others keep
// those people's records (the reason an account was erased); only what
// names the manager goes.
func TestErasingAManagerKeepsTheirRecordsOfOthers(t *testing.T) {
	t.Parallel()
	r := setupReplay(t)
	second := r.id(t, `INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ('second.boss@example.org', 'Second Boss', 'Training manager', $1, '!', now()) RETURNING id`, r.agency)
	r.exec(t, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'manager')", second)

	require.NoError(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: r.boss, IP: ""}), r.other, "Rowan asked by telephone on 1 December 2026"))
	r.exec(t, `INSERT INTO audit_events (at, actor_id, subject_user_id, action, details) VALUES (now(), $1, $1, 'profile_changed', '{"reason": "Helen Boss typed this"}')`, r.boss)
	require.NoError(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: second, IP: ""}), r.boss, "Helen left the partnership"))

	assert.Equal(t, 1, r.count(t, `SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND actor_id = $1 AND subject_user_id = $2
		AND details->>'reason' = 'Rowan asked by telephone on 1 December 2026'`, r.boss, r.other), "the record of Rowan's erasure stays")
	assert.Zero(t, r.count(t, "SELECT count(*) FROM audit_events WHERE details::text ILIKE '%Helen Boss%'"))
	assert.Equal(t, 1, r.count(t, `SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND subject_user_id = $1
		AND details->>'reason' = 'Helen left the partnership'`, r.boss))

	// A manager may not erase themselves here, nor someone already erased;
	// and only a manager may erase anyone.
	assert.ErrorIs(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: second, IP: ""}), second, "Leaving"), account.ErrOwnAccount)
	assert.ErrorIs(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: second, IP: ""}), r.other, "Again"), account.ErrNotFound)
	assert.ErrorIs(t, r.accounts.EraseOnBehalf(actor.With(r.ctx, actor.Actor{ID: r.quinn, IP: ""}), second, "Not mine to do"), account.ErrNotManager)
	_, err := r.accounts.ExportOnBehalf(actor.With(r.ctx, actor.Actor{ID: r.quinn, IP: ""}), second)
	assert.ErrorIs(t, err, account.ErrNotManager)
	assert.Equal(t, 1, r.count(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NULL", second))
}
