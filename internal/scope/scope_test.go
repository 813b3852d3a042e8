package scope_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
)

// world is the demo's programme, all of it the first partnership's (a), with
// one course and its sessions given to a second partnership (b).
type world struct {
	pool     *pgxpool.Pool
	a, b     int64
	bSession int64 // a session of b's
	aSession int64 // a session of a's with bookings
	total    map[string]int
	ofB      map[string]int
}

// tables whose rows a manager sees only for their partnership.
var tables = []string{"courses", "sessions", "bookings", "session_trainers", "payments", "charges", "certificates",
	"evaluations", "enquiries", "venues", "booking_details", "training_validity"}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	if _, err := demo.SeedWithAccounts(ctx, pool, time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	w := world{pool: pool, total: map[string]int{}, ofB: map[string]int{}}
	// The course moves first: its new owner then offers it, so its
	// sessions can follow (00054's foreign key).
	var moving int64
	err := pool.QueryRow(ctx, `
		WITH b AS (
			INSERT INTO partnerships (slug, name, short_name) VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire')
			RETURNING id),
		course AS (SELECT course_id AS id FROM sessions GROUP BY course_id ORDER BY count(*) DESC, course_id LIMIT 1)
		UPDATE courses SET partnership_id = (SELECT id FROM b) WHERE id = (SELECT id FROM course) RETURNING id`).Scan(&moving)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `
		WITH course AS (SELECT $1::bigint AS id),
		moved AS (UPDATE sessions s SET partnership_id = c.partnership_id FROM courses c
		          WHERE c.id = (SELECT id FROM course) AND s.course_id = c.id RETURNING s.id)
		SELECT (SELECT min(id) FROM partnerships), (SELECT partnership_id FROM courses WHERE id = $1), (SELECT min(id) FROM moved),
		       (SELECT min(s.id) FROM sessions s JOIN bookings bk ON bk.session_id = s.id
		        WHERE s.course_id <> (SELECT id FROM course))`, moving).Scan(&w.a, &w.b, &w.bSession, &w.aSession)
	if err != nil {
		t.Fatal(err)
	}
	// The course is B's alone: A no longer offers it.
	if _, err := pool.Exec(ctx, `DELETE FROM course_offers WHERE course_id = $1 AND partnership_id <> $2`, moving, w.b); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		WITH v AS (INSERT INTO venues (name, online, partnership_id) VALUES ('Hampshire online', true, $1) RETURNING id)
		UPDATE sessions SET venue_id = (SELECT id FROM v) WHERE partnership_id = $1`, w.b); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		w.total[table] = count(t, pool, context.Background(), table)
	}
	for table, q := range map[string]string{
		"courses":           `SELECT count(*) FROM courses WHERE partnership_id = $1`,
		"sessions":          `SELECT count(*) FROM sessions WHERE partnership_id = $1`,
		"bookings":          `SELECT count(*) FROM bookings JOIN sessions s ON s.id = session_id WHERE s.partnership_id = $1`,
		"venues":            `SELECT count(*) FROM venues WHERE partnership_id = $1`,
		"booking_details":   `SELECT count(*) FROM booking_details WHERE partnership_id = $1`,
		"training_validity": `SELECT count(*) FROM training_validity t JOIN sessions s ON s.id = t.session_id WHERE s.partnership_id = $1`,
		"payments":          `SELECT count(*) FROM payments x JOIN bookings bk ON bk.id = x.booking_id JOIN sessions s ON s.id = bk.session_id WHERE s.partnership_id = $1`,
		"charges":           `SELECT count(*) FROM charges x JOIN bookings bk ON bk.id = x.booking_id JOIN sessions s ON s.id = bk.session_id WHERE s.partnership_id = $1`,
		"certificates":      `SELECT count(*) FROM certificates x JOIN bookings bk ON bk.id = x.booking_id JOIN sessions s ON s.id = bk.session_id WHERE s.partnership_id = $1`,
		"evaluations":       `SELECT count(*) FROM evaluations x JOIN bookings bk ON bk.id = x.booking_id JOIN sessions s ON s.id = bk.session_id WHERE s.partnership_id = $1`,
		"enquiries":         `SELECT count(*) FROM enquiries WHERE partnership_id = $1`,
		"session_trainers":  `SELECT count(*) FROM session_trainers JOIN sessions s ON s.id = session_id WHERE s.partnership_id = $1`,
	} {
		var n int
		if err := pool.QueryRow(ctx, q, w.b).Scan(&n); err != nil {
			t.Fatal(err)
		}
		w.ofB[table] = n
	}
	if w.ofB["sessions"] == 0 || w.ofB["bookings"] == 0 || w.total["bookings"] == w.ofB["bookings"] {
		t.Fatalf("the fixture does not split the bookings: %v of %v", w.ofB, w.total)
	}
	return w
}

func count(t *testing.T, pool *pgxpool.Pool, ctx context.Context, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestAManagersStatementsSeeOnlyTheirPartnershipsRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	asB := scope.Managing(context.Background(), w.b)
	asA := scope.Managing(context.Background(), w.a)
	for _, table := range tables {
		if got := count(t, w.pool, asB, table); got != w.ofB[table] {
			t.Errorf("B's manager sees %d %s, want B's %d", got, table, w.ofB[table])
		}
		if got := count(t, w.pool, asA, table); got != w.total[table]-w.ofB[table] {
			t.Errorf("A's manager sees %d %s, want A's %d", got, table, w.total[table]-w.ofB[table])
		}
	}
	// Anyone else sees every row, as before.
	for _, table := range tables {
		if got := count(t, w.pool, context.Background(), table); got != w.total[table] {
			t.Errorf("the service sees %d %s, want all %d", got, table, w.total[table])
		}
	}
}

func TestAManagerCannotChangeAnotherPartnershipsRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	asB := scope.Managing(ctx, w.b)

	for _, q := range []string{
		`UPDATE sessions SET capacity = capacity + 1 WHERE id = $1`,
		`UPDATE bookings SET attendance = 'attended' WHERE session_id = $1`,
		`DELETE FROM session_trainers WHERE session_id = $1`,
		`UPDATE courses SET title = 'Taken over' WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`,
	} {
		tag, err := w.pool.Exec(asB, q, w.aSession)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("B's manager changed %d of A's rows: %s", tag.RowsAffected(), q)
		}
	}
	// Moving its own session into A's partnership, or making a row in A's,
	// is refused by the policy's check.
	for _, q := range []string{
		`UPDATE sessions SET partnership_id = ` + itoa(w.a) + ` WHERE id = $1`,
		`INSERT INTO venues (name, online, partnership_id) SELECT 'Stolen', true, ` + itoa(w.a) + ` WHERE $1::bigint > 0`,
	} {
		_, err := w.pool.Exec(asB, q, w.bSession)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: got %v, want a row-level security refusal", q, err)
		}
	}
	// A row B's manager makes is B's.
	var p int64
	if err := w.pool.QueryRow(asB, `INSERT INTO venues (name, online) VALUES ('Civic Offices online', true) RETURNING partnership_id`).Scan(&p); err != nil {
		t.Fatal(err)
	}
	if p != w.b {
		t.Errorf("a venue B's manager made is partnership %d's, want %d", p, w.b)
	}
	// And a row the service makes is the first partnership's.
	if err := w.pool.QueryRow(ctx, `INSERT INTO venues (name, online) VALUES ('Guildhall online', true) RETURNING partnership_id`).Scan(&p); err != nil {
		t.Fatal(err)
	}
	if p != w.a {
		t.Errorf("a venue the service made is partnership %d's, want the first, %d", p, w.a)
	}
}

// One connection serves a manager of B, the service, a manager of A and a
// transaction of B's in turn: each sees its own; a statement in any scope
// sees what the one before it saw.
func TestAConnectionTakesTheScopeOfEachRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := w.pool.Config()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(one.Close)
	ctx := context.Background()
	for i, step := range []struct {
		ctx  context.Context
		want int
	}{
		{scope.Managing(ctx, w.b), w.ofB["sessions"]},
		// AnyScope leaves the connection as it was last used (so only
		// statements that read the same in every scope may use it).
		{scope.AnyScope(ctx), w.ofB["sessions"]},
		{ctx, w.total["sessions"]},
		{scope.AnyScope(ctx), w.total["sessions"]},
		{scope.Managing(scope.AnyScope(ctx), w.a), w.total["sessions"] - w.ofB["sessions"]},
		{scope.Managing(ctx, w.a), w.total["sessions"] - w.ofB["sessions"]},
		{scope.Managing(ctx, w.a), w.total["sessions"] - w.ofB["sessions"]},
		{scope.Unscoped(scope.Managing(ctx, w.a)), w.total["sessions"]},
		{scope.Managing(ctx, w.b), w.ofB["sessions"]},
	} {
		if got := count(t, one, step.ctx, "sessions"); got != step.want {
			t.Errorf("step %d: %d sessions, want %d", i, got, step.want)
		}
	}
	err = pgx.BeginFunc(scope.Managing(ctx, w.b), one, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM bookings`).Scan(&n); err != nil {
			return err
		}
		if n != w.ofB["bookings"] {
			t.Errorf("a transaction of B's manager sees %d bookings, want %d", n, w.ofB["bookings"])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var role string
	if err := one.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role == scope.ManagerRole {
		t.Errorf("the service's statement ran as %s", role)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The audit log is each partnership's: an event is the partnership of the
// manager who made it, or else of the first session, booking, course or venue
// it names that exists; one naming none (a person signing in) is every
// partnership's.
func TestAnAuditEventIsItsPartnerships(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	var aBooking, bBooking int64
	require(t, w.pool.QueryRow(ctx, `SELECT min(id) FROM bookings WHERE session_id = $1`, w.aSession).Scan(&aBooking))
	require(t, w.pool.QueryRow(ctx, `SELECT min(b.id) FROM bookings b WHERE b.session_id IN (SELECT id FROM sessions WHERE partnership_id = $1)`,
		w.b).Scan(&bBooking))
	record := func(in context.Context, action string, details string) {
		t.Helper()
		_, err := w.pool.Exec(in, `INSERT INTO audit_events (at, action, details) VALUES (now(), $1, $2::jsonb)`, action, details)
		require(t, err)
	}
	record(ctx, "test_a_session", `{"session": `+itoa(w.aSession)+`}`)
	record(ctx, "test_a_booking", `{"booking_id": `+itoa(aBooking)+`}`)
	record(ctx, "test_b_booking", `{"booking": `+itoa(bBooking)+`}`)
	record(ctx, "test_signed_in", `{}`)
	record(scope.Managing(ctx, w.b), "test_by_b", `{}`)
	// Named by a course or a venue; a session that does not exist gives way
	// to the next thing named (migration 00076 asks each in turn).
	var bCourse, aVenue int64
	require(t, w.pool.QueryRow(ctx, `SELECT min(id) FROM courses WHERE partnership_id = $1`, w.b).Scan(&bCourse))
	require(t, w.pool.QueryRow(ctx, `SELECT min(id) FROM venues WHERE partnership_id = $1`, w.a).Scan(&aVenue))
	record(ctx, "test_b_course", `{"course_id": `+itoa(bCourse)+`}`)
	record(ctx, "test_a_venue", `{"venue": `+itoa(aVenue)+`}`)
	record(ctx, "test_b_booking_of_no_session", `{"session": 0, "booking": `+itoa(bBooking)+`}`)
	seen := func(in context.Context) string {
		var s string
		require(t, w.pool.QueryRow(in, `SELECT string_agg(action, ',' ORDER BY action) FROM audit_events WHERE action LIKE 'test_%'`).Scan(&s))
		return s
	}
	if got, want := seen(scope.Managing(ctx, w.b)), "test_b_booking,test_b_booking_of_no_session,test_b_course,test_by_b,test_signed_in"; got != want {
		t.Errorf("B's manager sees %s, want %s", got, want)
	}
	if got, want := seen(scope.Managing(ctx, w.a)), "test_a_booking,test_a_session,test_a_venue,test_signed_in"; got != want {
		t.Errorf("A's manager sees %s, want %s", got, want)
	}
	if got, want := seen(ctx), "test_a_booking,test_a_session,test_a_venue,test_b_booking,test_b_booking_of_no_session,test_b_course,test_by_b,test_signed_in"; got != want {
		t.Errorf("the service sees %s, want %s", got, want)
	}
}

func require(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Each booking, payment and charge is its session's partnership's (migration
// 00067), whoever makes it, and follows its session to another partnership;
// a manager can neither read, make nor change another partnership's, nor
// give their own to another.
func TestBookingsPaymentsAndChargesAreTheirSessionsPartnerships(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	asA, asB := scope.Managing(ctx, w.a), scope.Managing(ctx, w.b)
	var agency int64
	require(t, w.pool.QueryRow(ctx, `SELECT min(id) FROM agencies`).Scan(&agency))

	// Places on the waiting list (they take no seat), for people not yet on
	// the session.
	book := func(in context.Context, session int64) (id, partnership int64, err error) {
		err = w.pool.QueryRow(in, `
			INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, waiting_since)
			SELECT $1, u.id, $2, 'waiting', u.id, now(), now() FROM users u
			WHERE NOT EXISTS (SELECT FROM bookings b WHERE b.session_id = $1 AND b.user_id = u.id)
			ORDER BY u.id LIMIT 1
			RETURNING id, partnership_id`, session, agency).Scan(&id, &partnership)
		return id, partnership, err
	}
	pay := func(in context.Context, booking int64) (partnership int64, err error) {
		err = w.pool.QueryRow(in, `
			INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
			VALUES ($1::bigint, 'invoice', 5000, 'pending', 'PO-' || $1::bigint::text) RETURNING partnership_id`, booking).Scan(&partnership)
		return partnership, err
	}
	charge := func(in context.Context, booking int64) (partnership int64, err error) {
		err = w.pool.QueryRow(in, `
			INSERT INTO charges (booking_id, agency_id, kind, amount_pence)
			VALUES ($1, $2, 'non_attendance', 5000) RETURNING partnership_id`, booking, agency).Scan(&partnership)
		return partnership, err
	}

	made := map[string]int64{}
	for _, c := range []struct {
		who     string
		in      context.Context
		session int64
		want    int64
	}{
		{"the service, on A's session", ctx, w.aSession, w.a},
		{"the service, on B's session", ctx, w.bSession, w.b},
		{"A's manager", asA, w.aSession, w.a},
		{"B's manager", asB, w.bSession, w.b},
	} {
		booking, p, err := book(c.in, c.session)
		require(t, err)
		made[c.who] = booking
		if p != c.want {
			t.Errorf("%s made a booking of partnership %d, want %d", c.who, p, c.want)
		}
		p, err = pay(c.in, booking)
		require(t, err)
		if p != c.want {
			t.Errorf("%s made a payment of partnership %d, want %d", c.who, p, c.want)
		}
		p, err = charge(c.in, booking)
		require(t, err)
		if p != c.want {
			t.Errorf("%s made a charge of partnership %d, want %d", c.who, p, c.want)
		}
	}
	aBooking, bBooking := made["the service, on A's session"], made["B's manager"]

	// B's manager makes nothing of A's: the policy's check refuses it.
	refused := func(what string, err error) {
		t.Helper()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("B's manager %s: got %v, want a row-level security refusal", what, err)
		}
	}
	_, _, err := book(asB, w.aSession)
	refused("booking on A's session", err)
	unpaid, _, err := book(ctx, w.aSession)
	require(t, err)
	_, err = pay(asB, unpaid)
	refused("paying for A's booking", err)
	_, err = charge(asB, unpaid)
	refused("charging A's booking", err)

	// B's manager neither reads nor changes A's.
	for _, q := range []string{
		`SELECT count(*) FROM bookings WHERE id = $1`,
		`SELECT count(*) FROM payments WHERE booking_id = $1`,
		`SELECT count(*) FROM charges WHERE booking_id = $1`,
	} {
		var n int
		require(t, w.pool.QueryRow(asB, q, aBooking).Scan(&n))
		if n != 0 {
			t.Errorf("B's manager reads %d of A's rows: %s", n, q)
		}
	}
	for _, q := range []string{
		`UPDATE bookings SET attendance = 'attended' WHERE id = $1`,
		`UPDATE payments SET amount_pence = 1 WHERE booking_id = $1`,
		`UPDATE charges SET amount_pence = 1 WHERE booking_id = $1`,
		`DELETE FROM charges WHERE booking_id = $1`,
	} {
		tag, err := w.pool.Exec(asB, q, aBooking)
		require(t, err)
		if tag.RowsAffected() != 0 {
			t.Errorf("B's manager changed %d of A's rows: %s", tag.RowsAffected(), q)
		}
	}

	// The column set by hand, by B's manager or the service, is set again
	// from the session.
	for _, in := range []context.Context{asB, ctx} {
		for _, table := range []string{"bookings", "payments", "charges"} {
			column := "booking_id"
			if table == "bookings" {
				column = "id"
			}
			_, err := w.pool.Exec(in, `UPDATE `+table+` SET partnership_id = $1 WHERE `+column+` = $2`, w.a, bBooking)
			require(t, err)
		}
	}

	// A session given to A (its course shared, and offered by A): what
	// hangs from it follows.
	_, err = w.pool.Exec(ctx, `UPDATE courses SET shared = true WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`, w.bSession)
	require(t, err)
	_, err = w.pool.Exec(ctx, `INSERT INTO course_offers (course_id, partnership_id) SELECT course_id, $2 FROM sessions WHERE id = $1`,
		w.bSession, w.a)
	require(t, err)
	_, err = w.pool.Exec(ctx, `UPDATE sessions SET partnership_id = $2 WHERE id = $1`, w.bSession, w.a)
	require(t, err)
	var bookings, payments, charges int
	require(t, w.pool.QueryRow(asA, `
		SELECT (SELECT count(*) FROM bookings WHERE session_id = $1),
		       (SELECT count(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE b.session_id = $1),
		       (SELECT count(*) FROM charges ch JOIN bookings b ON b.id = ch.booking_id WHERE b.session_id = $1)`,
		w.bSession).Scan(&bookings, &payments, &charges))
	if bookings < 2 || payments < 2 || charges < 2 {
		t.Errorf("A's manager sees %d bookings, %d payments and %d charges of the session given to A, want every one",
			bookings, payments, charges)
	}

	// Every row is its session's partnership's.
	var astray int
	require(t, w.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.partnership_id <> s.partnership_id)
		     + (SELECT count(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE p.partnership_id <> b.partnership_id)
		     + (SELECT count(*) FROM charges ch JOIN bookings b ON b.id = ch.booking_id WHERE ch.partnership_id <> b.partnership_id)`).
		Scan(&astray))
	if astray != 0 {
		t.Errorf("%d bookings, payments or charges are not their session's partnership's", astray)
	}
}
