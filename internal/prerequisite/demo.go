package prerequisite

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pscp/booktraining/internal/prerequisite/internal/prerequisitedb"
)

// DemoPrerequisite is a prerequisite of the demo catalogue, by slug.
type DemoPrerequisite struct {
	Course, Requires string
	WithinMonths     int // 0: done at any time
}

// AddDemoTx adds the demo's prerequisite p in the seed's transaction; the
// demo's catalogue must hold both courses.
func AddDemoTx(ctx context.Context, tx pgx.Tx, p DemoPrerequisite, now time.Time) error {
	var within *int16
	if p.WithinMonths > 0 {
		m := int16(p.WithinMonths)
		within = &m
	}
	n, err := prerequisitedb.New(tx).AddDemoPrerequisite(ctx, prerequisitedb.AddDemoPrerequisiteParams{
		WithinMonths: within, Now: now, CourseSlug: p.Course, RequiresSlug: p.Requires,
	})
	if err != nil {
		return fmt.Errorf("demo prerequisite %s of %s: %w", p.Requires, p.Course, err)
	}
	if n != 1 {
		return fmt.Errorf("demo prerequisite %s of %s: no such course", p.Requires, p.Course)
	}
	return nil
}

// DemoClaim is a demo person's claim of training done elsewhere, waiting
// for a training manager.
type DemoClaim struct {
	Email       string
	Course      string // slug
	CompletedOn time.Time
	Provider    string
	Note        string
}

// AddDemoClaimTx adds the pending claim c in the seed's transaction.
func AddDemoClaimTx(ctx context.Context, tx pgx.Tx, c DemoClaim, now time.Time) error {
	d := c.CompletedOn
	n, err := prerequisitedb.New(tx).AddDemoClaim(ctx, prerequisitedb.AddDemoClaimParams{
		CompletedOn: pgtype.Date{Time: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), Valid: true},
		Provider:    c.Provider, Note: c.Note, Now: now, Email: c.Email, CourseSlug: c.Course,
	})
	if err != nil {
		return fmt.Errorf("demo claim of %s: %w", c.Email, err)
	}
	if n != 1 {
		return fmt.Errorf("demo claim of %s: no such person or course", c.Email)
	}
	return nil
}
