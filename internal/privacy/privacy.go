// Package privacy owns what the service does with personal data as a whole:
// the registry through which every part of the product that stores personal
// data exports and erases its own, and the retention schedule.
//
// A column holds personal data when the schema says so:
//
//	COMMENT ON COLUMN bookings.access_needs IS 'personal: access needs the person told us';
//
// and every such column is exported and erased by exactly the parts that
// list it in their Columns (the schema test proves it).
package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Person is whose data is being exported or erased.
type Person struct {
	ID    int64
	Email string // the address before erasure (some records are kept by address)
}

// Part is one part of the product that stores personal data.
type Part struct {
	// Name is the part's key in the download ("bookings", "training_requests").
	Name string
	// Columns are the "table.column" pairs marked personal that this part
	// exports and erases (or anonymises).
	Columns []string
	// Export returns what the part holds about the person, as it goes into the
	// download (a value that encodes to JSON). It runs in the export's
	// repeatable-read transaction.
	Export func(ctx context.Context, tx pgx.Tx, p Person) (any, error)
	// Erase removes or anonymises what the part holds about the person, in the
	// erasure's transaction, leaving what the partnership's figures need
	// without anything that identifies them.
	Erase func(ctx context.Context, tx pgx.Tx, p Person, now time.Time) error
}

// Registry is every Part, in the order they were registered (the order of
// the download, and of erasure).
type Registry struct {
	parts []Part
}

// Register adds parts. It panics on a part without a name, an exporter or an
// eraser, or a name registered twice: that is a programming error found at
// start-up.
func (r *Registry) Register(parts ...Part) {
	for _, p := range parts {
		if p.Name == "" || p.Export == nil || p.Erase == nil {
			panic(fmt.Sprintf("privacy: part %q needs a name, an exporter and an eraser", p.Name))
		}
		for _, q := range r.parts {
			if q.Name == p.Name {
				panic(fmt.Sprintf("privacy: part %q registered twice", p.Name))
			}
		}
		r.parts = append(r.parts, p)
	}
}

// Parts returns the registered parts.
func (r *Registry) Parts() []Part {
	if r == nil {
		return nil
	}
	return append([]Part(nil), r.parts...)
}
