package catalogue_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/pgtest"
)

// The Go constants are the database's session_status enum, no more and no
// fewer, in its order, and each has words for people.
func TestSessionStatusesAreTheDatabases(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	var inDB []string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'session_status'::regtype`).Scan(&inDB))
	var inGo []string
	for _, s := range catalogue.SessionStatuses {
		inGo = append(inGo, string(s))
		words := catalogue.SessionStatusWords(s)
		assert.NotEmpty(t, words, "%s has no words", s)
		assert.NotEqual(t, string(s), words, "%s is worded as its code", s)
	}
	assert.Equal(t, inDB, inGo)
}

// OpenForBooking and the database's session_open_for_booking are one rule:
// they agree on every status either side of the cut-off, and at it.
func TestOpenForBookingIsTheDatabasesRule(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	cutoff := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	open := 0
	for _, s := range catalogue.SessionStatuses {
		for _, now := range []time.Time{cutoff.Add(-time.Second), cutoff, cutoff.Add(time.Second)} {
			var inDB bool
			require.NoError(t, pool.QueryRow(context.Background(),
				`SELECT session_open_for_booking($1::text::session_status, $2, $3)`, string(s), cutoff, now).Scan(&inDB))
			inGo := catalogue.OpenForBooking(s, cutoff, now)
			assert.Equal(t, inDB, inGo, "%s at %s", s, now.Sub(cutoff))
			assert.Equal(t, inGo, s == catalogue.SessionPublished && now.Before(cutoff), "%s at %s", s, now.Sub(cutoff))
			if inGo {
				open++
			}
		}
		assert.Equal(t, catalogue.CutoffPassed(cutoff, cutoff), true, "the cut-off itself is closed")
	}
	assert.Equal(t, 1, open, "open only when published, before the cut-off")
}
