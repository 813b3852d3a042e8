package booking

import (
	"context"
	"fmt"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/payment/money"
)

// SessionCancellation is what cancelling a session would do now, said to the
// manager before they confirm: who is told and what money goes back.
type SessionCancellation struct {
	Booked, Held, Offered, Waiting int // people told, by their claim
	Refunds                        int // card payments refunded in full
	RefundTotal                    money.Pence
	NotInvoiced                    int // places on the agency's invoice that will not be billed
	Invoiced                       int // places already invoiced: cancelling does not credit them
}

// Told is everyone who is emailed when the session is cancelled.
func (c SessionCancellation) Told() int { return c.Booked + c.Held + c.Offered + c.Waiting }

// SessionCancellation counts what CancelSessionBookings would do to a
// session's bookings if it ran now.
func (s *Service) SessionCancellation(ctx context.Context, sessionID int64) (SessionCancellation, error) {
	r, err := bookingdb.New(s.pool).SessionCancellationCounts(ctx, sessionID)
	if err != nil {
		return SessionCancellation{}, fmt.Errorf("what cancelling session %d would do: %w", sessionID, err)
	}
	return SessionCancellation{
		Booked: int(r.Booked), Held: int(r.Held), Offered: int(r.Offered), Waiting: int(r.Waiting),
		Refunds: int(r.Refunds), RefundTotal: money.Pence(r.RefundPence), NotInvoiced: int(r.NotInvoiced), Invoiced: int(r.Invoiced),
	}, nil
}
