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
	// More says which groups hold more than AgencyGroupSize bookings: only
	// the first AgencyGroupSize are listed (a search finds the others).
	More struct{ Upcoming, Waiting, Past, LateCancellations, NonAttendance bool }
}

// AgencyGroupSize is how many bookings each group of AgencyList holds at
// most, so the page costs the same however many bookings an agency has.
const AgencyGroupSize = 100

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
	now := s.now()
	rows, err := bookingdb.New(s.pool).AgencyBookingsFor(ctx, bookingdb.AgencyBookingsForParams{
		AgencyID: who.AgencyID, Now: now, Search: likePattern(search), PerGroup: AgencyGroupSize + 1,
	})
	if err != nil {
		return AgencyList{}, fmt.Errorf("bookings of agency %d: %w", *who.AgencyID, err)
	}
	var l AgencyList
	groups := map[string]struct {
		list *[]AgencyBooking
		more *bool
	}{
		"upcoming": {&l.Upcoming, &l.More.Upcoming},
		"waiting":  {&l.Waiting, &l.More.Waiting},
		"past":     {&l.Past, &l.More.Past},
		"late":     {&l.LateCancellations, &l.More.LateCancellations},
		"absent":   {&l.NonAttendance, &l.More.NonAttendance},
	}
	for _, r := range rows {
		g, ok := groups[r.Grp]
		if !ok {
			return AgencyList{}, fmt.Errorf("bookings of agency %d: unknown group %q", *who.AgencyID, r.Grp)
		}
		if len(*g.list) == AgencyGroupSize {
			*g.more = true
			continue
		}
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
		*g.list = append(*g.list, b)
	}
	return l, nil
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
