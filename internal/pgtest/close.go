package pgtest

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// closeWait is how long a test's pool may take to close. Closing waits for
// every connection to be given back, so a connection a test never released
// (a transaction left open when a require stopped the test) would otherwise
// hang the whole package until its timeout, hiding which test failed.
const closeWait = 15 * time.Second

// closePool closes pool when the test ends, and fails the test instead of
// waiting for ever when a connection is never given back. The database is
// then dropped WITH (FORCE), which ends that connection too.
func closePool(t testing.TB, pool *pgxpool.Pool) {
	if !closeWithin(pool, closeWait) {
		t.Errorf("pgtest: a connection to the test database was not given back within %s: a transaction left open (roll it back in t.Cleanup)?", closeWait)
	}
}

// closeWithin closes pool and reports whether it closed within d.
func closeWithin(pool *pgxpool.Pool, d time.Duration) bool {
	closed := make(chan struct{})
	go func() {
		pool.Close()
		close(closed)
	}()
	select {
	case <-closed:
		return true
	case <-time.After(d):
		return false
	}
}
