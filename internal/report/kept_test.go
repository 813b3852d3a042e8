package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/growth"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/report"
)

// grownAt is when the filled partnership is read: the growth package dates
// its years around it.
var grownAt = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

// The figures the pages read are kept (internal/figcache): on a filled
// partnership, after bookings, attendance marks, cancellations,
// evaluations, charges and payments change, each report read as the pages
// read it is, once counted again, exactly the plain computation, for two
// years and two agencies; until then it is the figures as they were.
func TestKeptFiguresAreThePlainCountAfterChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Filled(t, fmt.Sprintf("report-kept-1x-%d", growth.Version), func(ctx context.Context, pool *pgxpool.Pool) error {
		if _, err := demo.Seed(ctx, pool, grownAt); err != nil {
			return err
		}
		return growth.Grow(ctx, pool, growth.Onefold, grownAt)
	})
	svc := report.New(pool, func() time.Time { return grownAt })
	manager := asManager(ctx)
	// The first year's sessions ran two years before grownAt, from late
	// November 2024: that partnership year, and its third quarter.
	year := report.PartnershipYear(grownAt.AddDate(-2, 0, 1))
	periods := []report.Period{year, report.Quarter(london.Midnight(2024, time.October, 1))}
	var agencies []int64
	rows, err := pool.Query(ctx, `
		SELECT agency_id FROM bookings WHERE agency_id IS NOT NULL
		GROUP BY agency_id ORDER BY count(*) DESC, agency_id LIMIT 2`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		agencies = append(agencies, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, agencies, 2)

	same := func(stage string) {
		t.Helper()
		for _, p := range periods {
			for _, a := range agencies {
				kept, err := svc.Kept(manager, p, a)
				require.NoError(t, err)
				plain, err := svc.Plain(manager, p, a)
				require.NoError(t, err)
				assert.Equal(t, plain, kept, "%s: %s, agency %d", stage, p, a)
			}
		}
	}
	same("filled")
	before, err := svc.Plain(manager, year, agencies[0])
	require.NoError(t, err)
	require.NotZero(t, before.Delivery.Total.Booked, "the year has places to count")

	// A sequence of changes, each to rows the year's figures count.
	inYear := `SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
	           WHERE s.starts_at >= $1 AND s.starts_at < $2 AND s.ends_at <= $3 AND s.status IN ('published', 'completed')`
	for _, change := range []struct{ what, sql string }{
		{"attendance marked absent", `
			UPDATE bookings SET attendance = 'absent'
			WHERE id IN (` + inYear + ` AND b.status = 'confirmed' AND b.attendance = 'attended' ORDER BY b.id LIMIT 3)`},
		{"attendance marked late", `
			UPDATE bookings SET attendance = 'late'
			WHERE id IN (` + inYear + ` AND b.status = 'confirmed' AND b.attendance = 'attended' ORDER BY b.id DESC LIMIT 2)`},
		{"places cancelled late", `
			UPDATE bookings SET status = 'cancelled', late = true, attendance = NULL, ended_at = $3
			WHERE id IN (` + inYear + ` AND b.status = 'confirmed' AND b.agency_id IS NOT NULL
			             AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.booking_id = b.id)
			             ORDER BY b.id LIMIT 2)`},
		{"a cancelled place booked again", `
			UPDATE bookings SET status = 'confirmed', confirmed_at = $3, ended_at = NULL, attendance = 'attended'
			WHERE id = (` + inYear + ` AND b.status = 'cancelled' AND NOT b.late AND s.seats_taken < s.capacity
			            AND NOT EXISTS (SELECT 1 FROM bookings o WHERE o.session_id = b.session_id AND o.user_id = b.user_id
			                            AND o.status NOT IN ('cancelled', 'expired'))
			            ORDER BY b.id LIMIT 1)`},
		{"an evaluation's confidence changed", `
			UPDATE evaluation_outcomes SET after = 6 - after
			WHERE booking_id = (SELECT e.booking_id FROM evaluations e JOIN evaluation_outcomes o USING (booking_id)
			                    WHERE e.booking_id IN (` + inYear + `) AND e.submitted_at IS NOT NULL
			                    ORDER BY e.booking_id LIMIT 1)`},
		{"an evaluation withdrawn", `
			DELETE FROM evaluations
			WHERE booking_id = (SELECT e.booking_id FROM evaluations e
			                    WHERE e.booking_id IN (` + inYear + `) AND e.submitted_at IS NOT NULL
			                    ORDER BY e.booking_id DESC LIMIT 1)`},
		{"charges proposed for the absences", `
			INSERT INTO charges (booking_id, agency_id, kind, amount_pence)
			SELECT b.id, b.agency_id, 'non_attendance', 5000 FROM bookings b
			WHERE b.id IN (` + inYear + `) AND b.status = 'confirmed' AND b.attendance = 'absent' AND b.agency_id IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.booking_id = b.id AND c.kind = 'non_attendance')`},
		{"a charge waived after all", `
			UPDATE charges SET status = 'waived', waiver_reason = 'A family emergency', decided_at = $3
			WHERE id = (SELECT c.id FROM charges c WHERE c.booking_id IN (` + inYear + `) AND c.status = 'paid'
			            ORDER BY c.id LIMIT 1)`},
	} {
		tag, err := pool.Exec(ctx, change.sql, year.Start(), year.End(), grownAt)
		require.NoError(t, err, change.what)
		require.NotZero(t, tag.RowsAffected(), "%s: nothing to change", change.what)
	}
	after, err := svc.Plain(manager, year, agencies[0])
	require.NoError(t, err)
	require.NotEqual(t, before, after, "the changes move the figures")

	// Within FreshFor the pages read the figures as they were counted.
	kept, err := svc.Kept(manager, year, agencies[0])
	require.NoError(t, err)
	assert.Equal(t, before, kept, "figures kept since they were counted")

	// Past FreshFor they are still served while counted again in the
	// background, then the new count is served.
	svc.Figures.FreshFor = 0
	kept, err = svc.Kept(manager, year, agencies[0])
	require.NoError(t, err)
	assert.Equal(t, before, kept, "served while counted again")
	require.Eventually(t, func() bool {
		now, err := svc.Kept(manager, year, agencies[0])
		return err == nil && assert.ObjectsAreEqual(after, now)
	}, 30*time.Second, 50*time.Millisecond, "the figures counted again are served")

	// Counted again on demand: every period and agency is the plain count.
	svc.Figures.FreshFor = time.Hour
	for _, p := range periods {
		require.NoError(t, svc.CountAgain(manager, p))
	}
	same("changed")

	// Only a training manager has them counted again.
	assert.ErrorIs(t, svc.CountAgain(actor.With(ctx, actor.Actor{ID: 1, Coordinator: true, AgencyID: &agencies[0]}), year), report.ErrForbidden)
}
