package booking_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/pgtest"
)

// The Go constants are the database's booking_status enum, no more and no
// fewer, in its order; each has its own words for people; and Live is the
// database's booking_status_live.
func TestBookingStatusesAreTheDatabases(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	var inDB []string
	require.NoError(t, pool.QueryRow(ctx,
		`SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'booking_status'::regtype`).Scan(&inDB))
	var inGo []string
	said := map[string]booking.Status{}
	for _, s := range booking.Statuses {
		inGo = append(inGo, string(s))
		words := booking.StatusWords(s)
		assert.NotEmpty(t, words, "%s has no words", s)
		assert.NotEqual(t, string(s), words, "%s is worded as its code", s)
		if other, ok := said[words]; ok {
			t.Errorf("%s and %s are both worded %q", s, other, words)
		}
		said[words] = s

		var live, seat bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT booking_status_live($1::text::booking_status), booking_status_takes_seat($1::text::booking_status)`,
			string(s)).Scan(&live, &seat))
		assert.Equal(t, live, booking.Live(s), "live: %s", s)
		assert.True(t, !seat || live, "%s takes a seat but is not live", s)
		assert.Equal(t, seat, live && s != booking.Waiting, "takes a seat: %s", s)
	}
	assert.Equal(t, inDB, inGo)
}
