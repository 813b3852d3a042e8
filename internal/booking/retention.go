package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention is booking's share of the retention schedule (internal/privacy):
// the rules on a booking's needs, its line manager and the booking itself,
// by the schedule's rule key. The schedule says how long each is kept; these
// apply it to booking's own table.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"booking_needs": clearNeeds,
		"line_managers": clearLineManagers,
		"bookings":      deleteOld,
		"approval_links": func(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
			n, err := bookingdb.New(tx).ForgetFinishedApprovals(ctx, bookingdb.ForgetFinishedApprovalsParams{Now: now, MaxRows: max})
			return int(n), err
		},
	}
}

func clearNeeds(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := bookingdb.New(tx).ClearNeedsOfPastSessions(ctx, bookingdb.ClearNeedsOfPastSessionsParams{
		Now: now, EndedBefore: now.Add(-privacy.NeedsPeriod), MaxRows: max})
	return int(n), err
}

func clearLineManagers(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := bookingdb.New(tx).ClearLineManagersOfPastSessions(ctx, bookingdb.ClearLineManagersOfPastSessionsParams{
		Now: now, EndedBefore: now.AddDate(0, -privacy.LineManagerMonths, 0), MaxRows: max})
	return int(n), err
}

// deleteOld deletes the bookings of sessions from financial years no longer
// kept (once their payments and charges have gone), first adding them to the
// anonymous counts the board's figures read (privacy.CountRetainedPlacesTx).
func deleteOld(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	q := bookingdb.New(tx)
	ids, err := q.ListBookingsOfSessionsBefore(ctx, bookingdb.ListBookingsOfSessionsBeforeParams{
		EndedBefore: privacy.FinancialCutoff(now), MaxRows: max})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	if err := privacy.CountRetainedPlacesTx(ctx, tx, ids); err != nil {
		return 0, err
	}
	if err := q.UnlinkReplacedBookings(ctx, ids); err != nil {
		return 0, fmt.Errorf("unlink replaced bookings: %w", err)
	}
	n, err := q.DeleteBookings(ctx, ids)
	return int(n), err
}
