package catalogue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
)

// announcements counts the notifications on catalogue.ChangesChannel that
// conn, listening, has received by now. A query on conn first: a
// notification committed before it is delivered before its answer.
func announcements(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	_, err := conn.Exec(context.Background(), "SELECT 1")
	require.NoError(t, err)
	done, cancel := context.WithCancel(context.Background())
	cancel() // only what has arrived: WaitForNotification returns at once
	n := 0
	for {
		note, err := conn.WaitForNotification(done)
		if err != nil || note == nil {
			return n
		}
		assert.Equal(t, catalogue.ChangesChannel, note.Channel)
		n++
	}
}

// Every change to what the catalogue pages show is announced when it
// commits (a course offered or withdrawn by another partnership, and a
// partnership's name, among them); a booking (seats taken), a change the
// pages do not show, and a change rolled back are not.
func TestCatalogueChangesAreAnnounced(t *testing.T) {
	t.Parallel()
	f := setup(t)
	conn, err := pgx.ConnectConfig(f.ctx, f.pool.Config().ConnConfig.Copy())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	_, err = conn.Exec(f.ctx, "LISTEN "+catalogue.ChangesChannel)
	require.NoError(t, err)
	var sessionID, userID int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT id FROM sessions WHERE status = 'published' AND starts_at > $1 ORDER BY id LIMIT 1`, now).Scan(&sessionID))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ('booker@example.org', 'Booker', 'Practitioner', (SELECT min(id) FROM agencies), '!', now()) RETURNING id`).Scan(&userID))
	require.Zero(t, announcements(t, conn))

	for _, c := range []struct {
		name      string
		sql       string
		announced bool
	}{
		{"a booking", "INSERT INTO bookings (session_id, user_id, booked_by, status, policy_agreed_at, confirmed_at) VALUES ($1, $2, $2, 'confirmed', now(), now())", false},
		{"places taken", "UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = $1 AND $2::bigint > 0", false},
		{"a session's meeting link", "UPDATE sessions SET meeting_url = 'https://example.org/meet' WHERE id = $1 AND $2::bigint > 0", false},
		{"an agency's name", "UPDATE agencies SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM agencies) AND $1::bigint > 0 AND $2::bigint > 0", false},
		{"a session's capacity", "UPDATE sessions SET capacity = capacity + 1 WHERE id = $1 AND $2::bigint > 0", true},
		{"a session's status", "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1 AND $2::bigint > 0", true},
		{"a course", "UPDATE courses SET summary = summary || '.' WHERE id = (SELECT min(id) FROM courses) AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"a venue", "UPDATE venues SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM venues) AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"an agency's band", "UPDATE agency_partnerships SET charging_band = 'non_contributing' WHERE agency_id = (SELECT min(id) FROM agencies) AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"a price", "INSERT INTO course_prices (course_id, charging_band, amount_pence) SELECT min(id), 'partner', 100 FROM courses WHERE $1::bigint > 0 AND $2::bigint > 0", true},
		{"another partnership", "INSERT INTO partnerships (slug, name, short_name) SELECT 'wight', 'Isle of Wight Safeguarding Children Partnership', 'Isle of Wight' WHERE $1::bigint > 0 AND $2::bigint > 0", false},
		{"a course shared", "UPDATE courses SET shared = true WHERE id = (SELECT min(id) FROM courses) AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"a course offered", "INSERT INTO course_offers (course_id, partnership_id) SELECT min(c.id), (SELECT id FROM partnerships WHERE slug = 'wight') FROM courses c WHERE $1::bigint > 0 AND $2::bigint > 0", true},
		{"an offer withdrawn", "DELETE FROM course_offers WHERE partnership_id = (SELECT id FROM partnerships WHERE slug = 'wight') AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"a partnership renamed", "UPDATE partnerships SET name = 'Isle of Wight Children''s Partnership' WHERE slug = 'wight' AND $1::bigint > 0 AND $2::bigint > 0", true},
		{"a partnership's telephone", "UPDATE partnerships SET phone = '01983 000000' WHERE slug = 'wight' AND $1::bigint > 0 AND $2::bigint > 0", false},
	} {
		_, err := f.pool.Exec(f.ctx, c.sql, sessionID, userID)
		require.NoError(t, err, c.name)
		got := announcements(t, conn)
		if c.announced {
			assert.Equal(t, 1, got, "%s is announced", c.name)
		} else {
			assert.Zero(t, got, "%s is not announced", c.name)
		}
	}

	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	_, err = tx.Exec(f.ctx, "UPDATE courses SET title = 'Never' WHERE id = (SELECT min(id) FROM courses)")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(f.ctx))
	assert.Zero(t, announcements(t, conn), "a change rolled back is not announced")
}

// statementLog keeps each statement a pool sends, with its arguments.
type statementLog struct {
	mu   sync.Mutex
	sent []statement
}

type statement struct {
	sql  string
	args []any
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, statement{d.SQL, d.Args})
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The catalogue pages' queries read about the sessions they show, however
// many sessions there are: here 5,000 more over two and a half years, more
// than 2,500 of them to come. (The course list used to read every session
// to come, to pick each course's next.)
func TestCatalogueQueriesDoNotScanEverySession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1),
		       $1::timestamptz - interval '1 year' + g * interval '4 hours',
		       $1::timestamptz - interval '1 year' + g * interval '4 hours' + interval '3 hours',
		       $1::timestamptz - interval '1 year' + g * interval '4 hours' - interval '3 days', 20, 'published'
		FROM generate_series(1, 5000) g
		CROSS JOIN LATERAL (SELECT id, title FROM courses WHERE NOT bespoke ORDER BY id OFFSET g % 16 LIMIT 1) c`, now)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "ANALYZE")
	require.NoError(t, err)

	log := &statementLog{}
	cfg := f.pool.Config()
	cfg.ConnConfig.Tracer = log
	traced, err := pgxpool.NewWithConfig(f.ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(traced.Close)
	svc := catalogue.New(traced, func() time.Time { return now })
	_, err = svc.ListCourses(f.ctx, catalogue.Filter{})
	require.NoError(t, err)
	_, err = svc.ListCourses(f.ctx, catalogue.Filter{Query: "neglect", Levels: []catalogue.Level{catalogue.Level2}})
	require.NoError(t, err)
	_, sessions, err := svc.CourseWithSessions(f.ctx, demo.Courses[0].Slug)
	require.NoError(t, err)
	require.NotEmpty(t, sessions)
	_, err = svc.PlacesLeft(f.ctx, []int64{sessions[0].ID})
	require.NoError(t, err)

	var upcoming float64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM sessions WHERE status = 'published' AND starts_at > $1", now).Scan(&upcoming))
	require.Greater(t, upcoming, 2500.0)

	log.mu.Lock()
	defer log.mu.Unlock()
	require.Len(t, log.sent, 5)
	for _, st := range log.sent {
		var plan []map[string]any
		require.NoError(t, f.pool.QueryRow(f.ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+st.sql, st.args...).Scan(&plan))
		read := sessionRowsRead(plan[0]["Plan"].(map[string]any))
		// The planner may walk the sessions to come in time order (they are
		// stored so) past other courses' to find a course's; but no query
		// reads them all.
		assert.Less(t, read, upcoming/2, "%s reads %v rows of sessions", st.sql, read)
	}
}

// sessionRowsRead is how many rows of sessions the plan node and those
// under it read: those they returned and those their filters removed, in
// every loop.
func sessionRowsRead(node map[string]any) float64 {
	var read float64
	if node["Relation Name"] == "sessions" {
		num := func(k string) float64 { v, _ := node[k].(float64); return v }
		read = (num("Actual Rows") + num("Rows Removed by Filter") + num("Rows Removed by Index Recheck")) * num("Actual Loops")
	}
	if kids, ok := node["Plans"].([]any); ok {
		for _, k := range kids {
			read += sessionRowsRead(k.(map[string]any))
		}
	}
	return read
}
