package audit

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Log reads the audit log for the training managers' page and records
// views of personal data. Changes are recorded by their own packages with
// RecordTx, in the transaction of the change.
type Log struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewLog returns the log on pool; now is the clock (time.Now when nil).
func NewLog(pool *pgxpool.Pool, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{pool: pool, now: now}
}
