package scheduling_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
)

type auditEntry struct {
	Action  string
	ActorID *int64
	IP      *string
	Details map[string]any
}

// auditOf lists the audit log's entries about session id, oldest first.
func auditOf(t *testing.T, f fixture, id int64) []auditEntry {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `
		SELECT action, actor_id, host(ip), details FROM audit_events
		WHERE action LIKE 'session_%' AND (details->>'session')::bigint = $1 ORDER BY id`, id)
	require.NoError(t, err)
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var e auditEntry
		var details []byte
		require.NoError(t, rows.Scan(&e.Action, &e.ActorID, &e.IP, &details))
		require.NoError(t, json.Unmarshal(details, &e.Details))
		out = append(out, e)
	}
	require.NoError(t, rows.Err())
	return out
}

func (f fixture) manager(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ('planner@example.org', 'Pat Planner', (SELECT min(id) FROM agencies), '!', now()) RETURNING id`).Scan(&id))
	return id
}

// Every change to a session is in the audit log with who made it and from
// where, and what changed: a cancellation ends bookings and starts refunds,
// so who did it must be known.
func TestSessionChangesAreAuditedWithTheActor(t *testing.T) {
	t.Parallel()
	f := setup(t)
	manager := f.manager(t)
	ctx := actor.With(f.ctx, actor.Actor{ID: manager, Manager: true, IP: "192.0.2.44"})

	id, _, err := f.svc.Create(ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	require.NoError(t, f.svc.Publish(ctx, id))
	se, err := f.svc.Get(ctx, id)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	form.Start, form.End, form.VenueID = "10:00", "16:30", f.rooms[1]
	_, err = f.svc.Move(ctx, id, form)
	require.NoError(t, err)
	require.NoError(t, f.svc.Cancel(ctx, id, "Trainer unwell"))

	got := auditOf(t, f, id)
	require.Len(t, got, 4)
	var actions []string
	for _, e := range got {
		actions = append(actions, e.Action)
		require.NotNil(t, e.ActorID, e.Action)
		assert.Equal(t, manager, *e.ActorID, e.Action)
		require.NotNil(t, e.IP, e.Action)
		assert.Equal(t, "192.0.2.44", *e.IP, e.Action)
		assert.Equal(t, "Working Together to Safeguard Children", e.Details["course"], e.Action)
	}
	assert.Equal(t, []string{"session_created", "session_published", "session_moved", "session_cancelled"}, actions)

	created := got[0].Details
	assert.Equal(t, "draft", created["status"])
	assert.Equal(t, []any{"Trainer 0"}, created["trainers"])
	assert.Contains(t, created["when"], "9:30")

	moved := got[2].Details
	when, ok := moved["when"].(map[string]any)
	require.True(t, ok, "the move records the time from and to: %v", moved)
	assert.Contains(t, when["from"], "9:30")
	assert.Contains(t, when["to"], "10am")
	assert.Contains(t, moved, "venue", "the room changed")
	assert.NotContains(t, moved, "trainers", "the trainers did not change")

	cancelled := got[3].Details
	assert.Equal(t, "Trainer unwell", cancelled["reason"])
	assert.Equal(t, "published", cancelled["was"])
	assert.EqualValues(t, 0, cancelled["places_taken"])

	// A series writes one entry per session; a job (no actor) is recorded
	// as the service.
	series := f.form("12", f.trainers[1])
	series.Month = "3"
	ids, err := f.svc.CreateSeries(f.ctx, series, scheduling.Pattern{Week: 0, Weekday: 4, Count: 2})
	require.NoError(t, err)
	require.Len(t, ids, 2)
	for _, sid := range ids {
		got := auditOf(t, f, sid)
		require.Len(t, got, 1)
		assert.Equal(t, "session_created", got[0].Action)
		assert.Nil(t, got[0].ActorID)
		assert.Nil(t, got[0].IP)
		assert.EqualValues(t, 2, got[0].Details["series_of"])
	}
}

// Marking a session delivered is audited too.
func TestCompletingASessionIsAudited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	manager := f.manager(t)
	ctx := actor.With(f.ctx, actor.Actor{ID: manager, Manager: true, IP: "2001:db8::5"})
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, $2, $1, $1::timestamptz + interval '3 hours', $1::timestamptz - interval '3 days', 10, 'published'
		FROM courses c WHERE c.id = $3 RETURNING id`, now.Add(-48*time.Hour), f.online, f.course).Scan(&id))
	require.NoError(t, f.svc.Complete(ctx, id))
	got := auditOf(t, f, id)
	require.Len(t, got, 1)
	assert.Equal(t, "session_completed", got[0].Action)
	assert.Equal(t, manager, *got[0].ActorID)
	assert.Equal(t, "2001:db8::5", *got[0].IP)
}

// The entry is written in the change's transaction: when the change rolls
// back, so does the entry, and when it cannot be written, nothing changes.
func TestSessionAuditRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	manager := f.manager(t)
	ctx := actor.With(f.ctx, actor.Actor{ID: manager, Manager: true, IP: "192.0.2.44"})
	id, _, err := f.svc.Create(ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	require.NoError(t, f.svc.Publish(ctx, id))

	// The commit fails after everything, the audit entry included, is
	// written: the session's change is refused at commit.
	_, err = f.pool.Exec(f.ctx, `
		CREATE FUNCTION refuse_session_change() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
		CREATE CONSTRAINT TRIGGER refuse_session_change AFTER UPDATE ON sessions
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_session_change()`)
	require.NoError(t, err)
	require.Error(t, f.svc.Cancel(ctx, id, "Trainer unwell"))
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.SessionPublished, se.Status)
	for _, e := range auditOf(t, f, id) {
		assert.NotEqual(t, "session_cancelled", e.Action, "the log claims a cancellation that rolled back")
	}
	_, err = f.pool.Exec(f.ctx, `DROP TRIGGER refuse_session_change ON sessions`)
	require.NoError(t, err)

	// And the other way: an actor the database does not know cannot be
	// recorded, so the session is not cancelled.
	ghost := actor.With(f.ctx, actor.Actor{ID: 987654321, Manager: true, IP: "192.0.2.44"})
	require.Error(t, f.svc.Cancel(ghost, id, "Trainer unwell"))
	se, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.SessionPublished, se.Status)
	assert.Len(t, auditOf(t, f, id), 2)
}
