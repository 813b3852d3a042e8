package calendar

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/calendar/internal/calendardb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the calendar feeds' part of the privacy registry: whether
// the person has a feed (when it was made or reset is in the audit log),
// never its secret address, which erasure forgets so the feed stops.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name:    "calendar_feed",
		Columns: []string{"users.calendar_token"},
		Export: func(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
			has, err := calendardb.New(tx).ExportCalendarFeed(ctx, p.ID)
			return map[string]bool{"has_feed": has}, err
		},
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return account.ForgetCalendarTokenTx(ctx, tx, p.ID)
		},
	}}
}
