package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/money"
)

// Booking is one booking as its pages show it.
type Booking struct {
	ID               int64
	SessionID        int64
	PersonID         int64
	PersonName       string
	PersonEmail      string
	AgencyID         *int64
	AgencyName       string
	Status           Status
	AccessNeeds      string
	DietaryNeeds     string
	LineManagerName  string
	LineManagerEmail string
	OfferExpiresAt   *time.Time
	HoldExpiresAt    *time.Time // a place held for payment: until when
	// ApprovalExpiresAt is until when a place AwaitingApproval waits for
	// the line manager.
	ApprovalExpiresAt *time.Time
	Paid              money.Pence // paid by card for the place
	Refund            money.Pence // of which refunded, or to be
	Late              bool
	EndNote           string
	Attendance        string
	CourseTitle       string
	CourseSlug        string
	HalfDay           bool
	StartsAt          time.Time
	EndsAt            time.Time
	Cutoff            time.Time
	SessionStatus     catalogue.SessionStatus
	VenueName         string
	VenueAddress      string
	Online            bool
	MeetingURL        string
	Position          int // on the waiting list
	// LateIfCancelledNow says a cancellation now would be recorded as late.
	LateIfCancelledNow bool
	// Changeable says the session has not started, so the booking can still
	// be cancelled or passed on.
	Changeable bool
	// EndedBy says who ended a cancelled place or a wait: the person
	// (EndedBySelf), their coordinator (EndedByAgency), a training manager
	// (EndedByTeam), or the partnership by cancelling the session
	// (EndedBySession, with SessionCancelledReason); "" otherwise.
	EndedBy                string
	SessionCancelledReason string
	// A place on the agency's invoice: its price, the purchase order given,
	// and the payment's status (pending, invoiced, paid or cancelled).
	Invoiced      money.Pence
	PurchaseOrder string
	InvoiceStatus string
}

// Who ended a booking (Booking.EndedBy).
const (
	EndedBySelf    = "self"
	EndedByAgency  = "agency"
	EndedByTeam    = "team"
	EndedBySession = "session"
)

// endedBy says who ended a booking of status: nobody's hand on a cancelled
// session is the session's cancellation; else the person, a training
// manager, or (the only other who may) their agency's coordinator.
func endedBy(status Status, sessionStatus catalogue.SessionStatus, by *int64, personID int64, byManager bool) string {
	switch {
	case status != Cancelled && status != Left:
		return ""
	case by == nil && sessionStatus == catalogue.SessionCancelled:
		return EndedBySession
	case by == nil:
		return ""
	case *by == personID:
		return EndedBySelf
	case byManager:
		return EndedByTeam
	}
	return EndedByAgency
}

// Live reports whether the booking holds or waits for a place.
func (b Booking) Live() bool {
	return Live(b.Status)
}

// HoldLapsed reports whether the booking ended because its place was not
// paid for in time.
func (b Booking) HoldLapsed() bool { return b.Status == Lapsed }

// Get returns a booking its actor may see: their own, their agency's as
// coordinator, or any as a manager. Anything else is ErrNotFound, so IDs
// reveal nothing.
func (s *Service) Get(ctx context.Context, id int64) (Booking, error) {
	who := actor.From(ctx)
	q := bookingdb.New(s.pool)
	r, err := q.GetBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Booking{}, ErrNotFound
	} else if err != nil {
		return Booking{}, fmt.Errorf("booking %d: %w", id, err)
	}
	if !mayChange(who, r) {
		return Booking{}, ErrNotFound
	}
	now := s.now()
	b := Booking{
		ID: r.ID, SessionID: r.SessionID, PersonID: r.UserID, PersonName: r.PersonName, PersonEmail: r.PersonEmail,
		AgencyID: r.AgencyID, AgencyName: r.AgencyName, Status: Status(r.Status), AccessNeeds: r.AccessNeeds,
		DietaryNeeds: r.DietaryNeeds, LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
		OfferExpiresAt: r.OfferExpiresAt, HoldExpiresAt: r.HoldExpiresAt, Paid: money.Pence(r.PaidPence),
		Refund: money.Pence(r.RefundPence), Late: r.Late, EndNote: r.EndNote, CourseTitle: r.CourseTitle,
		CourseSlug: r.CourseSlug, HalfDay: r.CourseDuration == "half_day", StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		Cutoff: r.BookingCutoffAt, SessionStatus: catalogue.SessionStatus(r.SessionStatus), VenueName: r.VenueName,
		VenueAddress: r.VenueAddress, Online: r.VenueOnline, MeetingURL: r.MeetingUrl,
		LateIfCancelledNow: IsLate(r.BookingCutoffAt, now), Changeable: now.Before(r.StartsAt),
		EndedBy:                endedBy(Status(r.Status), catalogue.SessionStatus(r.SessionStatus), r.EndedBy, r.UserID, r.EndedByManager),
		SessionCancelledReason: r.SessionCancelledReason,
		Invoiced:               money.Pence(r.InvoicePence), PurchaseOrder: r.InvoicePurchaseOrder,
		InvoiceStatus: r.InvoiceStatus,
	}
	if r.Attendance != nil {
		b.Attendance = *r.Attendance
	}
	if offerLapsed(Status(r.Status), r.OfferExpiresAt, now) {
		b.Status = Expired // its job has not passed it on yet, but it cannot be accepted
	}
	if b.Status == AwaitingApproval {
		deadlines, err := approvalDeadlines(ctx, q, []int64{id})
		if err != nil {
			return Booking{}, err
		}
		if until, ok := deadlines[id]; ok {
			b.ApprovalExpiresAt = &until
		}
	}
	if b.Status == Waiting {
		pos, err := q.WaitingPosition(ctx, id)
		if err != nil {
			return Booking{}, fmt.Errorf("waiting position: %w", err)
		}
		b.Position = int(pos)
	}
	return b, nil
}

// offerLapsed reports whether an offer's deadline has passed: it can no
// longer be accepted, whether or not its job has passed the place on.
func offerLapsed(status Status, deadline *time.Time, now time.Time) bool {
	return status == Offered && deadline != nil && !now.Before(*deadline)
}

// MyTraining is a practitioner's own page.
type MyTraining struct {
	Offers   []Booking // places held for them: accept before the deadline
	Upcoming []Booking // confirmed places on sessions still to come
	Waiting  []Booking // waiting lists they are on
	Record   []Record  // training they attended, newest first
	Ended    []Booking // cancelled, passed on, missed and other past bookings
}

// Record is one line of a person's training record, for a CPD portfolio.
type Record struct {
	CourseTitle string
	StartsAt    time.Time
	EndsAt      time.Time
	Hours       float64
	Attendance  string // attended or late (arrived late)
}

// Mine returns the actor's own bookings, sorted for My training.
func (s *Service) Mine(ctx context.Context) (MyTraining, error) {
	who := actor.From(ctx)
	rows, err := bookingdb.New(s.pool).MyBookings(ctx, who.ID)
	if err != nil {
		return MyTraining{}, fmt.Errorf("my bookings: %w", err)
	}
	now := s.now()
	var waits []int64
	for _, r := range rows {
		if Status(r.Status) == AwaitingApproval {
			waits = append(waits, r.ID)
		}
	}
	deadlines, err := approvalDeadlines(ctx, bookingdb.New(s.pool), waits)
	if err != nil {
		return MyTraining{}, err
	}
	var m MyTraining
	// Rows come newest first; upcoming lists read better soonest first.
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		b := Booking{
			ID: r.ID, SessionID: r.SessionID, Status: Status(r.Status), Late: r.Late, OfferExpiresAt: r.OfferExpiresAt,
			HoldExpiresAt: r.HoldExpiresAt, EndNote: r.EndNote,
			CourseTitle: r.CourseTitle, CourseSlug: r.CourseSlug, HalfDay: r.CourseDuration == "half_day",
			StartsAt: r.StartsAt, EndsAt: r.EndsAt, Cutoff: r.BookingCutoffAt, SessionStatus: catalogue.SessionStatus(r.SessionStatus),
			VenueName: r.VenueName, Online: r.VenueOnline, Position: int(r.Position),
			LateIfCancelledNow: IsLate(r.BookingCutoffAt, now), Changeable: now.Before(r.StartsAt),
		}
		if r.Attendance != nil {
			b.Attendance = *r.Attendance
		}
		if until, ok := deadlines[r.ID]; ok {
			b.ApprovalExpiresAt = &until
		}
		future := now.Before(r.StartsAt)
		switch {
		case offerLapsed(b.Status, r.OfferExpiresAt, now):
			// shown with the ended bookings below
		case b.Status == Offered && future:
			m.Offers = append(m.Offers, b)
		case (b.Status == Confirmed || b.Status == Held || b.Status == AwaitingApproval) && future:
			m.Upcoming = append(m.Upcoming, b)
		case b.Status == Waiting && future:
			m.Waiting = append(m.Waiting, b)
		}
	}
	for _, r := range rows {
		st := Status(r.Status)
		lapsed := offerLapsed(st, r.OfferExpiresAt, now)
		if now.Before(r.StartsAt) && !lapsed && Live(st) {
			continue
		}
		if st == Confirmed && r.Attendance != nil && (*r.Attendance == Attended || *r.Attendance == ArrivedLate) {
			m.Record = append(m.Record, Record{
				CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
				Hours: r.EndsAt.Sub(r.StartsAt).Hours(), Attendance: *r.Attendance,
			})
			continue
		}
		b := Booking{
			ID: r.ID, SessionID: r.SessionID, Status: Status(r.Status), Late: r.Late, CourseTitle: r.CourseTitle,
			CourseSlug: r.CourseSlug, StartsAt: r.StartsAt, EndsAt: r.EndsAt, SessionStatus: catalogue.SessionStatus(r.SessionStatus),
			VenueName: r.VenueName, Online: r.VenueOnline, PersonID: who.ID,
			EndedBy:                endedBy(Status(r.Status), catalogue.SessionStatus(r.SessionStatus), r.EndedBy, who.ID, r.EndedByManager),
			SessionCancelledReason: r.SessionCancelledReason,
		}
		if lapsed {
			b.Status = Expired
		}
		if r.Attendance != nil {
			b.Attendance = *r.Attendance
		}
		m.Ended = append(m.Ended, b)
	}
	return m, nil
}

// Entry is one line of a session's list, for its manager or trainer.
type Entry struct {
	ID               int64
	PersonID         int64
	Name             string
	Email            string
	Agency           string
	Status           Status
	Late             bool
	Attendance       string
	AccessNeeds      string
	DietaryNeeds     string
	LineManagerName  string
	LineManagerEmail string
	OfferExpiresAt   *time.Time
	EndNote          string
	// PastCap is a manager's reason for giving the place past the agency's
	// or sector's cap; empty for a place within it.
	PastCap string
}

// SessionList is everyone on a session: places, offers, the waiting list in
// order, and the bookings that ended.
type SessionList struct {
	Confirmed []Entry
	Offered   []Entry
	Waiting   []Entry
	Ended     []Entry
}

// ListSession returns a session's list. The caller checks who may see it
// (a manager, or a trainer of the session).
func (s *Service) ListSession(ctx context.Context, sessionID int64) (SessionList, error) {
	rows, err := bookingdb.New(s.pool).SessionBookingList(ctx, sessionID)
	if err != nil {
		return SessionList{}, fmt.Errorf("list of session %d: %w", sessionID, err)
	}
	var waits []int64
	for _, r := range rows {
		if Status(r.Status) == AwaitingApproval {
			waits = append(waits, r.ID)
		}
	}
	deadlines, err := approvalDeadlines(ctx, bookingdb.New(s.pool), waits)
	if err != nil {
		return SessionList{}, err
	}
	var l SessionList
	for _, r := range rows {
		e := Entry{
			ID: r.ID, PersonID: r.UserID, Name: r.FullName, Email: r.Email, Agency: r.AgencyName, Status: Status(r.Status),
			Late: r.Late, AccessNeeds: r.AccessNeeds, DietaryNeeds: r.DietaryNeeds, LineManagerName: r.LineManagerName,
			LineManagerEmail: r.LineManagerEmail, OfferExpiresAt: r.OfferExpiresAt, EndNote: r.EndNote,
			PastCap: r.CapExceededReason,
		}
		if r.Erased {
			e.Name, e.Email, e.LineManagerName, e.LineManagerEmail = "Deleted account", "", "", ""
		}
		if r.Attendance != nil {
			e.Attendance = *r.Attendance
		}
		if offerLapsed(Status(r.Status), r.OfferExpiresAt, s.now()) {
			e.Status = Expired // its job passes the place on shortly
		}
		switch e.Status {
		case Confirmed:
			l.Confirmed = append(l.Confirmed, e)
		case Held: // a place held while its person pays: listed with the offers
			e.OfferExpiresAt = r.HoldExpiresAt
			l.Offered = append(l.Offered, e)
		case AwaitingApproval: // a place waiting for the line manager: listed with the offers
			if until, ok := deadlines[r.ID]; ok {
				e.OfferExpiresAt = &until
			}
			l.Offered = append(l.Offered, e)
		case Offered:
			l.Offered = append(l.Offered, e)
		case Waiting:
			l.Waiting = append(l.Waiting, e)
		default:
			l.Ended = append(l.Ended, e)
		}
	}
	return l, nil
}

// WaitingCounts returns how many people wait for each of the sessions.
func (s *Service) WaitingCounts(ctx context.Context, sessionIDs []int64) (map[int64]int, error) {
	rows, err := bookingdb.New(s.pool).WaitingCounts(ctx, sessionIDs)
	if err != nil {
		return nil, fmt.Errorf("waiting counts: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.SessionID] = int(r.Waiting)
	}
	return out, nil
}
