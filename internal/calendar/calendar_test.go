package calendar_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apognu/gocal"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// The clocks go forward on 29 March 2026: sessions either side of it check
// that the feed puts each at the right instant.
var now = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	bookings *booking.Service
	feeds    *calendar.Service
	agency   int64
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("https://book.example.org")
	clock := func() time.Time { return now }
	b := booking.New(pool, email.NewOutbox(jobs), base, "Test Partnership", clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f := fixture{ctx: ctx, pool: pool, bookings: b, feeds: calendar.New(pool, b, clock)}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	return f
}

// session adds a published online session from starts (UTC) for three hours.
func (f fixture) session(t testing.TB, starts time.Time) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, 10, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		starts, starts.Add(3*time.Hour), starts.Add(-24*time.Hour)).Scan(&id))
	return id
}

func (f fixture) person(t testing.TB, name string) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, name+"@example.org", name, f.agency).Scan(&id))
	a := f.agency
	return actor.Actor{ID: id, AgencyID: &a}
}

func (f fixture) book(t testing.TB, who actor.Actor, session int64, wait bool) int64 {
	t.Helper()
	out, err := f.bookings.Book(actor.With(f.ctx, who), booking.Request{SessionID: session, PersonID: who.ID, JoinWaitingList: wait,
		Details: booking.Details{LineManagerName: "Lee", LineManagerEmail: "lee@example.org", AgreePolicy: true}})
	require.NoError(t, err)
	return out.BookingID
}

func parse(t testing.TB, b []byte) (string, []gocal.Event) {
	t.Helper()
	p := gocal.NewParser(bytes.NewReader(b))
	p.SkipBounds = true
	require.NoError(t, p.Parse())
	return p.Method, p.Events
}

func TestFeedCarriesAPersonsConfirmedPlaces(t *testing.T) {
	t.Parallel()
	f := setup(t)
	winter := f.session(t, time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)) // 10am GMT
	summer := f.session(t, time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC))   // 10am BST
	full := f.session(t, time.Date(2026, 4, 9, 9, 0, 0, 0, time.UTC))
	dropped := f.session(t, time.Date(2026, 4, 16, 9, 0, 0, 0, time.UTC))
	_, err := f.pool.Exec(f.ctx, "UPDATE sessions SET capacity = 1 WHERE id = $1", full)
	require.NoError(t, err)

	sam, other := f.person(t, "sam"), f.person(t, "other")
	w := f.book(t, sam, winter, false)
	s := f.book(t, sam, summer, false)
	f.book(t, other, full, false)
	f.book(t, sam, full, true) // waiting: not in the diary
	d := f.book(t, sam, dropped, false)
	_, err = f.bookings.Cancel(actor.With(f.ctx, sam), d) // cancelled: gone from the diary
	require.NoError(t, err)
	f.book(t, other, winter, false) // someone else's place

	token, err := f.feeds.Token(f.ctx, sam.ID)
	require.NoError(t, err)
	again, err := f.feeds.Token(f.ctx, sam.ID)
	require.NoError(t, err)
	assert.Equal(t, token, again, "the address stays until reset")
	assert.GreaterOrEqual(t, len(token), 43, "256 random bits")

	data, err := f.feeds.Feed(f.ctx, token)
	require.NoError(t, err)
	text := string(data)
	assert.Contains(t, text, "METHOD:PUBLISH\r\n")
	assert.NotContains(t, text, "ATTENDEE", "a published calendar invitations nobody")
	assert.Contains(t, text, "ORGANIZER")
	assert.NotContains(t, strings.ReplaceAll(text, "\r\n", ""), "\n", "every line ends CRLF")

	method, events := parse(t, data)
	assert.Equal(t, "PUBLISH", method)
	require.Len(t, events, 2, "the two confirmed places only")
	byUID := map[string]gocal.Event{}
	for _, e := range events {
		byUID[e.Uid] = e
	}
	win, ok := byUID["booking-"+itoa(w)+"@book.example.org"]
	require.True(t, ok, "the same UID as the emailed invite")
	assert.Equal(t, time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC), win.Start.UTC())
	sum, ok := byUID["booking-"+itoa(s)+"@book.example.org"]
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), sum.Start.UTC(), "10am in summer time is 9am UTC")
	assert.Equal(t, time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC), sum.End.UTC())
	assert.Contains(t, sum.Description, "https://book.example.org/bookings/"+itoa(s))
}

func TestFeedOfATrainerCarriesTheirSessionsAndPlaces(t *testing.T) {
	t.Parallel()
	f := setup(t)
	delivering := f.session(t, time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC))
	attending := f.session(t, time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC))
	cancelled := f.session(t, time.Date(2026, 3, 26, 10, 0, 0, 0, time.UTC))
	tara := f.person(t, "tara")
	_, err := f.pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')`, tara.ID)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO trainer_courses (trainer_id, course_id) SELECT $1, course_id FROM sessions WHERE id = $2`, tara.ID, delivering)
	require.NoError(t, err)
	for _, s := range []int64{delivering, cancelled} {
		_, err = f.pool.Exec(f.ctx, `INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)`, s, tara.ID)
		require.NoError(t, err)
	}
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Snow' WHERE id = $1`, cancelled)
	require.NoError(t, err)
	b := f.book(t, tara, attending, false)

	token, err := f.feeds.Token(f.ctx, tara.ID)
	require.NoError(t, err)
	data, err := f.feeds.Feed(f.ctx, token)
	require.NoError(t, err)
	_, events := parse(t, data)
	var uids []string
	for _, e := range events {
		uids = append(uids, e.Uid)
	}
	invitation := "session-" + itoa(delivering) + "-trainer-" + itoa(tara.ID) + "@book.example.org"
	assert.ElementsMatch(t, []string{"booking-" + itoa(b) + "@book.example.org", invitation}, uids,
		"each the UID of its emailed invitation, so a calendar holds one event for each")

	// After the trainer was taken off and put back, their invitation's
	// SEQUENCE is above the session's: the feed never goes below it.
	_, err = f.pool.Exec(f.ctx, `INSERT INTO trainer_invites (session_id, trainer_id, sequence, session_sequence) VALUES ($1, $2, 5, 0)`, delivering, tara.ID)
	require.NoError(t, err)
	data, err = f.feeds.Feed(f.ctx, token)
	require.NoError(t, err)
	_, events = parse(t, data)
	found := false
	for _, e := range events {
		if e.Uid == invitation {
			found = true
			assert.Equal(t, 5, e.Sequence)
		}
	}
	assert.True(t, found, "the session is still in the feed")
}

func TestResettingAFeedRetiresTheOldAddress(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam")
	old, err := f.feeds.Token(f.ctx, sam.ID)
	require.NoError(t, err)
	fresh, err := f.feeds.ResetToken(actor.With(f.ctx, actor.Actor{ID: sam.ID, IP: "192.0.2.1"}))
	require.NoError(t, err)
	assert.NotEqual(t, old, fresh)
	_, err = f.feeds.Feed(f.ctx, old)
	assert.ErrorIs(t, err, calendar.ErrUnknownFeed)
	assert.Equal(t, errs.NotFound, errs.KindOf(err), "an old address is answered as not found")
	_, err = f.feeds.Feed(f.ctx, fresh)
	assert.NoError(t, err)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND subject_user_id = $2 AND ip = '192.0.2.1'",
		string(calendar.ActionFeedReset), sam.ID).Scan(&audited))
	assert.Equal(t, 1, audited)

	_, err = f.feeds.Feed(f.ctx, "")
	assert.ErrorIs(t, err, calendar.ErrUnknownFeed)
	_, err = f.feeds.Token(f.ctx, 999999)
	assert.ErrorIs(t, err, calendar.ErrNotFound)
	_, err = f.feeds.ResetToken(actor.With(f.ctx, actor.Actor{ID: 999999}))
	assert.ErrorIs(t, err, calendar.ErrNotFound)
	_, err = f.feeds.ResetToken(f.ctx)
	assert.ErrorIs(t, err, calendar.ErrNotFound, "no one signed in has no feed to reset")

	_, err = f.pool.Exec(f.ctx, "UPDATE users SET erased_at = now() WHERE id = $1", sam.ID)
	require.NoError(t, err)
	_, err = f.feeds.Feed(f.ctx, fresh)
	assert.ErrorIs(t, err, calendar.ErrUnknownFeed, "an erased person's feed is gone")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Calendar apps poll the feed: reading it costs the same few statements
// however many places the person has (one query for the places, not one
// per place).
func TestFeedCostsTheSameStatementsForOnePlaceOrFifty(t *testing.T) {
	t.Parallel()
	f := setup(t)
	counted, counter := pgtest.Counted(t, f.pool)
	base, _ := url.Parse("https://book.example.org")
	feeds := calendar.New(counted, booking.New(counted, nil, base, "Test Partnership", func() time.Time { return now }, nil), func() time.Time { return now })

	statements := func(who actor.Actor) (int, int) {
		token, err := f.feeds.Token(f.ctx, who.ID)
		require.NoError(t, err)
		var data []byte
		n := counter.During(func() {
			data, err = feeds.Feed(f.ctx, token)
		})
		require.NoError(t, err)
		_, events := parse(t, data)
		return n, len(events)
	}
	one, many := f.person(t, "one"), f.person(t, "many")
	start := now.Add(72 * time.Hour).Truncate(time.Hour)
	f.book(t, one, f.session(t, start), false)
	for i := range 50 {
		f.book(t, many, f.session(t, start.Add(time.Duration(i)*24*time.Hour)), false)
	}
	forOne, n := statements(one)
	require.Equal(t, 1, n)
	forFifty, n := statements(many)
	require.Equal(t, 50, n)
	assert.Equal(t, forOne, forFifty, "statements for one place and for fifty")
	assert.LessOrEqual(t, forFifty, 4)
}

// BenchmarkFeedFiftyPlaces reads the feed of a person with fifty places, as
// a calendar app polling it does, and reports the statements each read
// sends beside its time.
func BenchmarkFeedFiftyPlaces(b *testing.B) {
	f := setup(b)
	counted, statements := pgtest.Counted(b, f.pool)
	base, _ := url.Parse("https://book.example.org")
	clock := func() time.Time { return now }
	feeds := calendar.New(counted, booking.New(counted, nil, base, "Test Partnership", clock, nil), clock)
	who := f.person(b, "fifty")
	start := now.Add(72 * time.Hour).Truncate(time.Hour)
	for i := range 50 {
		f.book(b, who, f.session(b, start.Add(time.Duration(i)*24*time.Hour)), false)
	}
	token, err := f.feeds.Token(f.ctx, who.ID)
	require.NoError(b, err)
	data, err := feeds.Feed(f.ctx, token)
	require.NoError(b, err)
	_, events := parse(b, data)
	require.Len(b, events, 50)

	statements.Reset()
	reads := 0
	for b.Loop() {
		if _, err := feeds.Feed(f.ctx, token); err != nil {
			b.Fatal(err)
		}
		reads++
	}
	b.ReportMetric(float64(statements.Count())/float64(reads), "statements/op")
}
