package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/audit"
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

	record := func(minutes int, v audit.View) {
		require.NoError(t, audit.RecordView(ctx, pool, at.Add(time.Duration(minutes)*time.Minute), v))
	}
	record(0, audit.View{ActorID: helen, As: "manager", IP: "192.0.2.1", What: "their person page", PersonID: &pat})
	record(1, audit.View{ActorID: tom, As: "trainer", What: "the register of Course, Monday 1 March", People: []int64{sam, pat}})
	record(2, audit.View{ActorID: helen, As: "manager", What: "a list of people", People: []int64{sam}})
	record(3, audit.View{ActorID: pat, As: "coordinator", What: "the list of their agency's people", People: []int64{pat, sam}})

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

func normalise(views []audit.ViewOfYou) []audit.ViewOfYou {
	for i := range views {
		views[i].At = views[i].At.UTC()
	}
	return views
}
