package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/validation"
)

// AgencyFilter narrows a coordinator's list of bookings.
type AgencyFilter struct {
	// Search matches part of a person's name or email address, or of the
	// course's title; "" matches everything.
	Search string
}

// AgencyBooking is one booking on a coordinator's list.
type AgencyBooking struct {
	ID             int64
	PersonName     string
	PersonEmail    string
	Status         Status
	Late           bool
	Attendance     string
	OfferExpiresAt *time.Time
	Position       int // on the waiting list
	CourseTitle    string
	StartsAt       time.Time
	EndsAt         time.Time
	SessionStatus  catalogue.SessionStatus
	VenueName      string
	Online         bool
}

// AgencyList is an agency's bookings as its coordinator sees them. A
// booking may be in more than one group: a past place missed is both Past
// and NonAttendance.
type AgencyList struct {
	Upcoming          []AgencyBooking // confirmed places and open offers, soonest first
	Waiting           []AgencyBooking // waiting lists of sessions still to come, soonest first
	Past              []AgencyBooking // places on sessions that have started, newest first
	LateCancellations []AgencyBooking // newest first
	NonAttendance     []AgencyBooking // marked absent on the register, newest first
}

// likePattern escapes the wildcards of ILIKE in typed text.
func likePattern(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AgencyBookings returns the bookings of the coordinator's agency.
func (s *Service) AgencyBookings(ctx context.Context, f AgencyFilter) (AgencyList, error) {
	who := actor.From(ctx)
	if !who.Coordinator || who.AgencyID == nil {
		return AgencyList{}, ErrForbidden
	}
	search := validation.CleanLine(f.Search)
	if len([]rune(search)) > 100 {
		search = string([]rune(search)[:100])
	}
	rows, err := bookingdb.New(s.pool).AgencyBookingsFor(ctx, bookingdb.AgencyBookingsForParams{
		AgencyID: who.AgencyID, Search: likePattern(search),
	})
	if err != nil {
		return AgencyList{}, fmt.Errorf("bookings of agency %d: %w", *who.AgencyID, err)
	}
	now := s.now()
	var l AgencyList
	for _, r := range rows {
		b := AgencyBooking{
			ID: r.ID, PersonName: r.FullName, PersonEmail: r.Email, Status: Status(r.Status), Late: r.Late,
			OfferExpiresAt: r.OfferExpiresAt, Position: int(r.Position), CourseTitle: r.CourseTitle,
			StartsAt: r.StartsAt, EndsAt: r.EndsAt, SessionStatus: catalogue.SessionStatus(r.SessionStatus), VenueName: r.VenueName,
			Online: r.VenueOnline,
		}
		if r.Erased {
			b.PersonName, b.PersonEmail = "Deleted account", ""
		}
		if r.Attendance != nil {
			b.Attendance = *r.Attendance
		}
		future := now.Before(r.StartsAt)
		switch {
		case offerLapsed(b.Status, r.OfferExpiresAt, now):
			// no longer theirs to accept; its job passes it on
		case future && (b.Status == Confirmed || b.Status == Offered || b.Status == AwaitingApproval):
			l.Upcoming = append(l.Upcoming, b)
		case future && b.Status == Waiting:
			l.Waiting = append(l.Waiting, b)
		case !future && b.Status == Confirmed:
			l.Past = append(l.Past, b)
		}
		if b.Status == Cancelled && r.Late {
			l.LateCancellations = append(l.LateCancellations, b)
		}
		if b.Attendance == Absent {
			l.NonAttendance = append(l.NonAttendance, b)
		}
	}
	// Rows come newest first; what is still to come reads better soonest first.
	reverse(l.Upcoming)
	reverse(l.Waiting)
	return l, nil
}

func reverse(bs []AgencyBooking) {
	for i, j := 0, len(bs)-1; i < j; i, j = i+1, j-1 {
		bs[i], bs[j] = bs[j], bs[i]
	}
}

// BookablePerson is someone a coordinator may book onto a session.
type BookablePerson struct {
	ID    int64
	Name  string
	Email string
}

// AgencyPeople returns the people of the coordinator's agency who can be
// booked: accounts with a confirmed email address.
func (s *Service) AgencyPeople(ctx context.Context) ([]BookablePerson, error) {
	who := actor.From(ctx)
	if !who.Coordinator || who.AgencyID == nil {
		return nil, ErrForbidden
	}
	rows, err := bookingdb.New(s.pool).AgencyBookablePeople(ctx, who.AgencyID)
	if err != nil {
		return nil, fmt.Errorf("people of agency %d: %w", *who.AgencyID, err)
	}
	out := make([]BookablePerson, len(rows))
	for i, r := range rows {
		out[i] = BookablePerson{ID: r.ID, Name: r.FullName, Email: r.Email}
	}
	return out, nil
}

// OpenSession is a session a coordinator can still book their people onto.
type OpenSession struct {
	ID          int64
	CourseTitle string
	StartsAt    time.Time
	EndsAt      time.Time
	Cutoff      time.Time
	PlacesLeft  int
	VenueName   string
	Online      bool
	// ClosedToAgency says the session is only for the coordinator's agency.
	ClosedToAgency bool
}

// AgencySessions returns the sessions open for booking to the coordinator's
// agency, soonest first: published sessions before their cut-off, open to
// everyone or closed to that agency.
func (s *Service) AgencySessions(ctx context.Context) ([]OpenSession, error) {
	who := actor.From(ctx)
	if !who.Coordinator || who.AgencyID == nil {
		return nil, ErrForbidden
	}
	rows, err := bookingdb.New(s.pool).AgencyBookableSessions(ctx, bookingdb.AgencyBookableSessionsParams{
		Now: s.now(), AgencyID: who.AgencyID,
	})
	if err != nil {
		return nil, fmt.Errorf("sessions open to agency %d: %w", *who.AgencyID, err)
	}
	out := make([]OpenSession, len(rows))
	for i, r := range rows {
		out[i] = OpenSession{
			ID: r.ID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Cutoff: r.BookingCutoffAt,
			PlacesLeft: int(r.Capacity - r.SeatsTaken), VenueName: r.VenueName, Online: r.VenueOnline,
			ClosedToAgency: r.ClosedToAgencyID != nil,
		}
	}
	return out, nil
}
