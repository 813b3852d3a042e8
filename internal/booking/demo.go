package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// DemoPlace is a claim on a session of the demo's past term, as the booking
// rules would have left it. Status is confirmed (with Attendance "attended",
// "late" or "absent" once the register was taken), cancelled (Late when
// inside the cut-off), substituted or moved (ReplacedBy the booking that
// took its place: a colleague's on the same session, or the same person's
// on another), waiting (the waiting list never reached them) or expired (an
// offer they did not take up in time, EndedAt).
type DemoPlace struct {
	SessionID, UserID                 int64
	Status                            string
	BookedAt                          time.Time
	LineManagerName, LineManagerEmail string
	EndedAt                           time.Time // for a claim that ended
	EndedBy                           int64     // who ended it; 0 for nobody
	Late                              bool
	EndNote                           string
	ReplacedBy                        int64
	Attendance                        string
	MarkedBy                          int64 // who took the register
	MarkedAt                          time.Time
}

// AddDemoPlacesTx adds demo past-term claims in the caller's transaction,
// in one batch, and returns their ids in order. Only internal/demo calls
// it, seeding an empty database, so nothing is audited and nobody is
// emailed; the database still holds them to every rule (a session's
// capacity, one live claim a person). A claim's ReplacedBy must have been
// made by an earlier call.
func AddDemoPlacesTx(ctx context.Context, tx pgx.Tx, places []DemoPlace) ([]int64, error) {
	args := make([]bookingdb.AddDemoPastPlaceParams, len(places))
	for i, p := range places {
		arg := bookingdb.AddDemoPastPlaceParams{
			SessionID: p.SessionID, UserID: p.UserID, Status: bookingdb.BookingStatus(p.Status), BookedAt: p.BookedAt,
			LineManagerName: p.LineManagerName, LineManagerEmail: p.LineManagerEmail, Late: p.Late, EndNote: p.EndNote,
		}
		if !p.EndedAt.IsZero() {
			arg.EndedAt = &p.EndedAt
		}
		if p.EndedBy != 0 {
			arg.EndedBy = &p.EndedBy
		}
		if p.ReplacedBy != 0 {
			arg.ReplacedBy = &p.ReplacedBy
		}
		if p.Attendance != "" {
			arg.Attendance, arg.AttendanceAt = &p.Attendance, &p.MarkedAt
			if p.MarkedBy != 0 {
				arg.AttendanceBy = &p.MarkedBy
			}
		}
		args[i] = arg
	}
	ids := make([]int64, len(places))
	var errs []error
	results := bookingdb.New(tx).AddDemoPastPlace(ctx, args)
	results.QueryRow(func(i int, id int64, err error) {
		if err != nil {
			p := places[i]
			errs = append(errs, fmt.Errorf("demo %s place of person %d on session %d: %w", p.Status, p.UserID, p.SessionID, err))
		}
		ids[i] = id
	})
	if err := errors.Join(append(errs, results.Close())...); err != nil {
		return nil, err
	}
	return ids, nil
}

// DemoAwaiting is a demo place waiting for its line manager's approval.
type DemoAwaiting struct {
	Email            string
	SessionID        int64
	LineManagerName  string
	LineManagerEmail string
	Hours            int // to answer, from now
}

// AddDemoAwaitingTx adds a demo place waiting for approval, with its
// request and the job that ends it unanswered, in the caller's transaction
// (the demo seeding's: nothing is audited and nobody is emailed). Without a
// seat, or for someone already booked, it adds nothing.
func AddDemoAwaitingTx(ctx context.Context, tx pgx.Tx, b DemoAwaiting, now time.Time) error {
	_, hash := newApprovalToken()
	until := now.Add(time.Duration(b.Hours) * time.Hour)
	_, err := bookingdb.New(tx).AddDemoAwaitingApproval(ctx, bookingdb.AddDemoAwaitingApprovalParams{
		SessionID: b.SessionID, Email: b.Email, LineManagerName: b.LineManagerName, LineManagerEmail: &b.LineManagerEmail,
		TokenHash: hash, Now: now, Until: until,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("demo place awaiting approval of %s on session %d: %w", b.Email, b.SessionID, err)
	}
	return nil // its expiry job is given by ScheduleMissing at start-up
}
