package pgtest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Statements lists the SQL a pool made by Counted sends, so a test can say
// how many statements a request costs and that the count does not grow with
// the rows it reads (no query per row).
type Statements struct {
	mu  sync.Mutex
	sql []string
}

// Counted returns a second pool on pool's database whose statements are
// listed in the returned Statements; it is closed when the test ends.
func Counted(t testing.TB, pool *pgxpool.Pool) (*pgxpool.Pool, *Statements) {
	t.Helper()
	s := &Statements{}
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = s
	counted, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: counted pool: %v", err)
	}
	t.Cleanup(func() { closePool(t, counted) })
	return counted, s
}

// TraceQueryStart keeps each statement but the job client's own
// housekeeping (River's queries named PG…: its first insert asks the
// server's version, and it wakes workers with NOTIFY at most so often),
// which depends on timing, not on the request.
func (s *Statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "-- name: PG") {
		return ctx
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = append(s.sql, d.SQL)
	return ctx
}

// TraceQueryEnd is part of pgx.QueryTracer.
func (s *Statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchQuery keeps each statement of a batch (a pipeline) as its
// answer is read, as TraceQueryStart keeps each statement sent alone.
func (s *Statements) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, d pgx.TraceBatchQueryData) {
	s.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: d.SQL})
}

// TraceBatchStart is part of pgx.BatchTracer.
func (s *Statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchEnd is part of pgx.BatchTracer.
func (s *Statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Reset forgets the statements listed so far.
func (s *Statements) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = nil
}

// List is the statements sent since the last Reset, in order.
func (s *Statements) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sql...)
}

// Count is how many statements were sent since the last Reset.
func (s *Statements) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sql)
}

// During is how many statements run sends.
func (s *Statements) During(run func()) int {
	s.Reset()
	run()
	return s.Count()
}
