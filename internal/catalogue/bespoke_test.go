package catalogue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
)

// A bespoke course is made in the caller's transaction: kept and audited as
// the actor's (course_created) when that commits, gone without a trace
// when it rolls back, and never listed in the catalogue or the manager's
// course list.
func TestCreateBespokeTxIsPartOfTheCallersTransaction(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, manager := f.manager(t)
	b := catalogue.Bespoke{
		Slug: "bespoke-7", Topic: "Safeguarding at the front desk", Audience: "Receptionists", Participants: 900,
		Need: strings.Repeat("x", 400) + "\nMore about it",
	}
	audited := func() int {
		t.Helper()
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events
			WHERE action = 'course_created' AND actor_id = $1 AND ip = '192.0.2.1' AND details->>'slug' = 'bespoke-7'`,
			manager).Scan(&n))
		return n
	}
	courses := func() int {
		t.Helper()
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM courses WHERE slug = 'bespoke-7'").Scan(&n))
		return n
	}

	refused := errors.New("the session was refused")
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := catalogue.CreateBespokeTx(ctx, tx, b, now); err != nil {
			return err
		}
		return refused
	})
	require.ErrorIs(t, err, refused)
	assert.Zero(t, courses(), "rolled back")
	assert.Zero(t, audited(), "rolled back")

	var id int64
	require.NoError(t, pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) (err error) {
		id, err = catalogue.CreateBespokeTx(ctx, tx, b, now)
		return err
	}))
	assert.Equal(t, 1, courses())
	assert.Equal(t, 1, audited())
	c, err := f.svc.ManagedCourse(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "Safeguarding at the front desk", c.Title)
	assert.Equal(t, strings.Repeat("x", 300), c.Summary, "the need's first line, cut short")
	assert.Equal(t, catalogue.MaxDefaultCapacity, c.DefaultCapacity, "as many as asked for, within the limit")
	assert.Equal(t, catalogue.DeliveryModes, c.DeliveryModes)

	listed, err := f.svc.ListCourses(context.Background(), catalogue.Filter{})
	require.NoError(t, err)
	for _, l := range listed {
		assert.NotEqual(t, "bespoke-7", l.Slug, "in the public catalogue")
	}
	managed, err := f.svc.ManagedCourses(context.Background())
	require.NoError(t, err)
	for _, m := range managed {
		assert.NotEqual(t, id, m.ID, "in the manager's course list")
	}

	// The slug is the request's: a second course for it is refused.
	err = pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := catalogue.CreateBespokeTx(ctx, tx, b, now)
		return err
	})
	assert.Error(t, err)
	assert.Equal(t, 1, courses())
}
