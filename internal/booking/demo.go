package booking

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
)

// DemoBooking is a confirmed place of the demo data: the person (by email),
// the session, what they said at booking, and for a past session whether they
// attended ("attended", "late", "absent"; empty when not recorded).
type DemoBooking struct {
	Email            string
	SessionID        int64
	LineManagerName  string
	LineManagerEmail string
	AccessNeeds      string
	Attendance       string
}

// AddDemoTx adds a demo booking in the caller's transaction, if the session
// has a seat and the person is not booked on it already. Only internal/demo
// calls it, in the transaction that seeds an empty database with demo data,
// which is why nothing is audited and nobody is emailed: nobody did it.
func AddDemoTx(ctx context.Context, tx pgx.Tx, b DemoBooking) error {
	var attendance *string
	if b.Attendance != "" {
		attendance = &b.Attendance
	}
	if err := bookingdb.New(tx).AddDemoBooking(ctx, bookingdb.AddDemoBookingParams{
		SessionID: b.SessionID, Email: b.Email, LineManagerName: b.LineManagerName,
		LineManagerEmail: b.LineManagerEmail, AccessNeeds: b.AccessNeeds, Attendance: attendance,
	}); err != nil {
		return fmt.Errorf("demo booking of %s on session %d: %w", b.Email, b.SessionID, err)
	}
	return nil
}
