package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy"
)

func person(t *testing.T, pool *pgxpool.Pool, name string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, pool.QueryRow(context.Background(), `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ($1 || '@example.org', $1, 'Somewhere', '!', now()) RETURNING id`, name).Scan(&id))
	return id
}

func export(t *testing.T, pool *pgxpool.Pool, id int64) []audit.ViewOfYou {
	t.Helper()
	ctx := context.Background()
	var out any
	require.NoError(t, pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		out, err = audit.ViewsPart().Export(ctx, tx, privacy.Person{ID: id})
		return err
	}))
	views, ok := out.([]audit.ViewOfYou)
	require.True(t, ok, "the export is a list of views")
	return views
}

// TestViewsOfYourRecord: a person's download lists the views that showed
// them, newest first, by whom and in which role, and nothing else: not
// views of other people, nor their own.
func TestViewsOfYourRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	pat, sam := person(t, pool, "Pat"), person(t, pool, "Sam")
	helen, tom := person(t, pool, "Helen"), person(t, pool, "Tom")
	at := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)

	var minutes int
	log := audit.NewLog(pool, func() time.Time { return at.Add(time.Duration(minutes) * time.Minute) })
	record := func(m int, by int64, v audit.View) {
		minutes = m
		require.NoError(t, log.RecordView(actor.With(ctx, actor.Actor{ID: by, IP: "192.0.2.1"}), v))
	}
	record(0, helen, audit.View{As: "manager", What: "their person page", PersonID: &pat})
	record(1, tom, audit.View{As: "trainer", What: "the register of Course, Monday 1 March", People: []int64{sam, pat}})
	record(2, helen, audit.View{As: "manager", What: "a list of people", People: []int64{sam}})
	record(3, pat, audit.View{As: "coordinator", What: "the list of their agency's people", People: []int64{pat, sam}})

	views := export(t, pool, pat)
	require.Equal(t, []audit.ViewOfYou{
		{At: at.Add(time.Minute), By: "Tom", Role: "trainer", What: "the register of Course, Monday 1 March"},
		{At: at, By: "Helen", Role: "training manager", What: "their person page"},
	}, normalise(views))
	assert.Len(t, export(t, pool, sam), 3, "Sam was on the register and both lists")

	// Erasing does nothing to the log (its entries stay for their six
	// years); an erased viewer shows as "Deleted person".
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return audit.ViewsPart().Erase(ctx, tx, privacy.Person{ID: pat}, at)
	}))
	_, err := pool.Exec(ctx, "UPDATE users SET full_name = 'Deleted person' WHERE id = $1", tom)
	require.NoError(t, err)
	views = export(t, pool, pat)
	require.Len(t, views, 2)
	assert.Equal(t, "Deleted person", views[0].By)
}

// TestAViewIsRecordedAsTheActorInTheContext: who looked and from where come
// from the context's actor, and the log page lists the view under them;
// with nobody signed in nothing is recorded.
func TestAViewIsRecordedAsTheActorInTheContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	helen, pat := person(t, pool, "Helen"), person(t, pool, "Pat")
	at := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	log := audit.NewLog(pool, func() time.Time { return at })

	err := log.RecordView(ctx, audit.View{As: "manager", What: "their person page", PersonID: &pat})
	require.ErrorIs(t, err, audit.ErrNobodyViewing)
	assert.True(t, errs.Is(err, errs.Forbidden))

	as := actor.With(ctx, actor.Actor{ID: helen, Manager: true, IP: "192.0.2.7"})
	require.NoError(t, log.RecordView(as, audit.View{As: "manager", What: "their person page", PersonID: &pat}))

	entries, total, _, err := log.List(ctx, audit.Filter{Action: audit.PersonalDataViewed}, 1)
	require.NoError(t, err)
	require.Equal(t, 1, total, "only the signed-in view is recorded")
	e := entries[0]
	require.NotNil(t, e.ActorID)
	require.NotNil(t, e.SubjectID)
	assert.Equal(t, helen, *e.ActorID)
	assert.Equal(t, "Helen", e.ActorName)
	assert.Equal(t, pat, *e.SubjectID)
	assert.Equal(t, "192.0.2.7", e.IP)
	assert.True(t, e.At.Equal(at))
	assert.Equal(t, "their person page", e.Details["what"])

	// The filter narrows: no entry for another action, one for Pat as subject.
	_, total, _, err = log.List(ctx, audit.Filter{Action: audit.SignIn}, 1)
	require.NoError(t, err)
	assert.Zero(t, total)
	_, total, _, err = log.List(ctx, audit.Filter{UserID: &pat}, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
}

func normalise(views []audit.ViewOfYou) []audit.ViewOfYou {
	for i := range views {
		views[i].At = views[i].At.UTC()
	}
	return views
}
