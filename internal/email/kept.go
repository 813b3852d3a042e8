package email

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Kept reads the emails the service keeps, sent or not, for the training
// managers' pages (/admin/emails).
type Kept struct {
	pool *pgxpool.Pool
}

// NewKept returns the kept emails on pool.
func NewKept(pool *pgxpool.Pool) *Kept { return &Kept{pool: pool} }

// List returns up to limit emails from offset, newest first, and how many f
// matches, counted only so far: more when there are more (see List).
func (k *Kept) List(ctx context.Context, f Filter, limit, offset int) ([]Summary, int, bool, error) {
	return List(ctx, k.pool, f, limit, offset)
}

// CountFailedSince counts the emails given up on since then.
func (k *Kept) CountFailedSince(ctx context.Context, since time.Time) (int, error) {
	return CountFailedSince(ctx, k.pool, since)
}

// Get returns one email, or ErrNotFound.
func (k *Kept) Get(ctx context.Context, id int64) (Stored, error) {
	return Get(ctx, k.pool, id)
}
