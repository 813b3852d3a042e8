package scheduling_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/scope"
)

// The programme's sessions not yet ended are those under way and those to
// come, soonest first, however long ago one under way began; and the list
// reads them from the start of the earliest under way, through an index,
// not past every session that has ended (issue 21: at HIPS size that walk
// was 17,700 sessions).
//
// Around the fixture's now, on the online venue: 2,000 sessions that ended
// on the days before, Long (under way: began two days ago, ends tomorrow),
// Ended (began yesterday, after Long, and has ended), Short (under way:
// began an hour ago) and Next (tomorrow).
func TestProgrammeNotYetEndedIsThoseUnderWayAndToCome(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := func(starts time.Time, hours int) int64 {
		t.Helper()
		var id int64
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, $2, $3, $3::timestamptz + make_interval(hours => $4), $3, 10, 'published'
			FROM courses c WHERE c.id = $1 RETURNING id`, f.course, f.online, starts, hours).Scan(&id))
		return id
	}
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, $2, $3::timestamptz - g * interval '1 day', $3::timestamptz - g * interval '1 day' + interval '3 hours',
		       $3::timestamptz - g * interval '1 day', 10, 'completed'
		FROM courses c, generate_series(3, 2002) g WHERE c.id = $1`, f.course, f.online, now)
	require.NoError(t, err)
	long := session(now.Add(-48*time.Hour), 72)
	ended := session(now.Add(-24*time.Hour), 2)
	short := session(now.Add(-time.Hour), 3)
	next := session(now.Add(24*time.Hour), 3)
	_, err = f.pool.Exec(f.ctx, "ANALYZE sessions")
	require.NoError(t, err)

	// The programme's statements are caught as the service sends them.
	caught := &statements{}
	cfg := f.pool.Config().Copy()
	cfg.ConnConfig.Tracer = caught
	pool, err := pgxpool.NewWithConfig(f.ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	svc := scheduling.New(pool, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))

	ids := func(f scheduling.ProgrammeFilter) []int64 {
		t.Helper()
		rows, _, _, err := svc.Programme(context.Background(), f, 1)
		require.NoError(t, err)
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	upcoming := ids(scheduling.ProgrammeFilter{})
	assert.Equal(t, []int64{long, short, next}, upcoming, "under way and to come, soonest first")
	all := ids(scheduling.ProgrammeFilter{When: scheduling.AllDates})
	assert.Len(t, all, scheduling.ProgrammePageSize, "every date: from the first session ever held")
	assert.NotContains(t, all, long)
	awaiting, err := svc.AwaitingDelivery(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, awaiting, "Ended is published and over: not yet marked as delivered")
	past := ids(scheduling.ProgrammeFilter{When: scheduling.Past})
	assert.Equal(t, ended, past[0], "the past: the most recent first")
	assert.NotContains(t, past, long)

	// Whether PostgreSQL plans the statement for its arguments (a custom
	// plan) or once for any (a generic plan, which it may choose after a
	// statement's fifth run), for the service's own role and for a training
	// manager's (under row-level security, where only leakproof operators
	// reach an index), the list reads from the earliest a session not yet
	// ended can have begun.
	lists := caught.named("-- name: ListProgramme :many")
	require.Len(t, lists, 2) // upcoming, every date (the past is read newest first)
	st := lists[0]
	params := make([]string, len(st.args))
	for i, a := range st.args {
		params[i] = literal(t, a)
	}
	var partnership string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT min(id)::text FROM partnerships").Scan(&partnership))
	conn, err := f.pool.Acquire(f.ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(f.ctx, "PREPARE upcoming AS "+st.sql)
	require.NoError(t, err)
	for _, role := range []string{"none", scope.ManagerRole} {
		_, err = conn.Exec(f.ctx, "SELECT set_config('role', $1, false), set_config('app.partnership_id', $2, false)", role, partnership)
		require.NoError(t, err)
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			_, err = conn.Exec(f.ctx, "SET plan_cache_mode = "+mode)
			require.NoError(t, err)
			var raw []byte
			require.NoError(t, conn.QueryRow(f.ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE upcoming("+strings.Join(params, ", ")+")").Scan(&raw))
			var plan []struct{ Plan planNode }
			require.NoError(t, json.Unmarshal(raw, &plan))
			assert.LessOrEqual(t, plan[0].Plan.sessionsRead(), 10.0, "%s, %s: the sessions the list read (returned and filtered out): %s", role, mode, raw)
			assert.False(t, plan[0].Plan.scans(), "%s, %s: the list's sessions not read in full: %s", role, mode, raw)
		}
	}
	_, err = conn.Exec(f.ctx, "RESET plan_cache_mode; RESET role; DEALLOCATE upcoming")
	require.NoError(t, err)
}

// literal writes an argument the programme's statement is sent with as SQL,
// for EXECUTE (which takes no parameters of its own).
func literal(t *testing.T, arg any) string {
	t.Helper()
	switch v := arg.(type) {
	case nil:
		return "NULL"
	case *time.Time:
		if v == nil {
			return "NULL"
		}
		return "'" + v.Format(time.RFC3339Nano) + "'"
	case *int64:
		if v == nil {
			return "NULL"
		}
		return strconv.FormatInt(*v, 10)
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	t.Fatalf("no literal for %T", arg)
	return ""
}

// statements is a pgx tracer keeping each statement sent, with its arguments.
type statements struct {
	mu   sync.Mutex
	sent []sentStatement
}

type sentStatement struct {
	sql  string
	args []any
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sentStatement{sql: d.SQL, args: d.Args})
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// named is the statements sent whose SQL begins with name.
func (s *statements) named(name string) []sentStatement {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sentStatement
	for _, st := range s.sent {
		if strings.HasPrefix(st.sql, name+"\n") {
			out = append(out, st)
		}
	}
	return out
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Alias    string     `json:"Alias"`
	Rows     float64    `json:"Actual Rows"`
	Removed  float64    `json:"Rows Removed by Filter"`
	Loops    float64    `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

// sessionsRead is how many rows of the list's own sessions (alias s) the
// plan read: those it returned and those its filter removed.
func (n planNode) sessionsRead() float64 {
	read := 0.0
	if n.Relation == "sessions" && n.Alias == "s" {
		read += (n.Rows + n.Removed) * max(n.Loops, 1)
	}
	for _, c := range n.Plans {
		read += c.sessionsRead()
	}
	return read
}

// scans reports whether the plan reads every row of the list's sessions:
// its own (alias s) or those that bound it (w). (Row-level security's
// policies read sessions too, each by its id.)
func (n planNode) scans() bool {
	if n.NodeType == "Seq Scan" && n.Relation == "sessions" && (n.Alias == "s" || n.Alias == "w") {
		return true
	}
	for _, c := range n.Plans {
		if c.scans() {
			return true
		}
	}
	return false
}

// The programme's filter finds the partnership's own trainers by name:
// those it approves for a course, not a trainer it has not approved.
func TestProgrammeFilterFindsThePartnershipsTrainers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var unapproved int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		WITH u AS (INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		           VALUES ('unapproved@example.org', 'Una Trainer', 'Trainer', (SELECT min(id) FROM agencies), '!', now()) RETURNING id),
		     r AS (INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM u)
		SELECT id FROM u`).Scan(&unapproved))
	found, exact, err := f.svc.FindTrainers(f.ctx, 0, "trainer")
	require.NoError(t, err)
	var offered []int64
	for _, c := range found {
		offered = append(offered, c.ID)
	}
	assert.ElementsMatch(t, f.trainers, offered, "the ten trainers approved for its courses")
	assert.NotContains(t, offered, unapproved)
	assert.False(t, exact)
	found, exact, err = f.svc.FindTrainers(f.ctx, 0, "trainer 3")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, f.trainers[3], found[0].ID)
	assert.True(t, exact)
	// The session form finds any trainer, saying whether they are approved.
	found, _, err = f.svc.FindTrainers(f.ctx, f.course, "una")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, unapproved, found[0].ID)
	assert.False(t, found[0].Approved)
	choices, err := f.svc.FormChoices(f.ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, choices.Courses)
	assert.NotEmpty(t, choices.Venues)
	assert.Empty(t, choices.Trainers, "never every trainer")
}
