package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/pgplan"
	"github.com/pscp/booktraining/internal/validation"
)

// AgencyFilter narrows a coordinator's list of bookings.
type AgencyFilter struct {
	// Search matches part of a person's name or email address, or of the
	// course's title; "" matches everything.
	Search string
	// Group, when not "", lists that group alone, a page of AgencyPageSize
	// at a time (Page from 1); "" lists the first AgencyPreviewSize of each.
	Group AgencyGroup
	Page  int
}

// AgencyGroup is one of the groups of a coordinator's list of bookings.
type AgencyGroup string

// The groups of AgencyList, as the page's links name them.
const (
	GroupUpcoming          AgencyGroup = "upcoming"
	GroupWaiting           AgencyGroup = "waiting"
	GroupPast              AgencyGroup = "past"
	GroupLateCancellations AgencyGroup = "late-cancellations"
	GroupNonAttendance     AgencyGroup = "non-attendance"
)

// AgencyGroups are the groups in the order the page lists them.
var AgencyGroups = []AgencyGroup{GroupUpcoming, GroupWaiting, GroupPast, GroupLateCancellations, GroupNonAttendance}

// agencyGroupRows names each group as AgencyBookingsFor does.
var agencyGroupRows = map[AgencyGroup]string{
	GroupUpcoming: "upcoming", GroupWaiting: "waiting", GroupPast: "past",
	GroupLateCancellations: "late", GroupNonAttendance: "absent",
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

// AgencyList is an agency's bookings as its coordinator sees them: the
// first few of each group, or a page of one. A booking may be in more than
// one group: a past place missed is both Past and NonAttendance.
type AgencyList struct {
	Upcoming          []AgencyBooking // confirmed places and open offers, soonest first
	Waiting           []AgencyBooking // waiting lists of sessions still to come, soonest first
	Past              []AgencyBooking // places on sessions that have started, newest first
	LateCancellations []AgencyBooking // newest first
	NonAttendance     []AgencyBooking // marked absent on the register, newest first
	// More says which groups hold more bookings after those listed.
	More struct{ Upcoming, Waiting, Past, LateCancellations, NonAttendance bool }
}

// Group returns one group's bookings and whether more follow them.
func (l AgencyList) Group(g AgencyGroup) (bookings []AgencyBooking, more bool) {
	switch g {
	case GroupUpcoming:
		return l.Upcoming, l.More.Upcoming
	case GroupWaiting:
		return l.Waiting, l.More.Waiting
	case GroupPast:
		return l.Past, l.More.Past
	case GroupLateCancellations:
		return l.LateCancellations, l.More.LateCancellations
	case GroupNonAttendance:
		return l.NonAttendance, l.More.NonAttendance
	}
	return nil, false
}

// AgencyPreviewSize is how many bookings of each group AgencyList holds
// when all groups are listed, and AgencyPageSize how many of one group it
// holds a page: the page costs the same however many bookings an agency has.
const (
	AgencyPreviewSize = 10
	AgencyPageSize    = 25
)

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
	size, skip, only := AgencyPreviewSize, 0, ""
	if f.Group != "" {
		var ok bool
		if only, ok = agencyGroupRows[f.Group]; !ok {
			return AgencyList{}, fmt.Errorf("bookings of agency %d: %w", *who.AgencyID, ErrNotFound)
		}
		size, skip = AgencyPageSize, max(f.Page-1, 0)*AgencyPageSize
	}
	rows, err := s.agencyBookings(ctx, *who.AgencyID, search, only, int32(size+1), int32(skip))
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
		if len(*g.list) == size {
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

// agencyBookings reads an agency's bookings of one group, or of every group
// (only ""), perGroup of each from skip. Without a search they are read
// by a statement whose plan is kept for the connection (AgencyBookingsPage
// says why it is as good as one planned for the agency); a search is
// planned for its pattern.
func (s *Service) agencyBookings(ctx context.Context, agencyID int64, search, only string, perGroup, skip int32) (
	rows []bookingdb.AgencyBookingsForRow, err error,
) {
	if search != "" {
		return bookingdb.New(s.pool).AgencyBookingsFor(ctx, bookingdb.AgencyBookingsForParams{
			AgencyID: &agencyID, Now: s.now(), Search: likePattern(search), OnlyGroup: only,
			PerGroup: perGroup, SkipRows: skip,
		})
	}
	err = pgplan.Query(ctx, s.pool, func(db pgplan.Execer) error {
		page, err := bookingdb.New(db).AgencyBookingsPage(ctx, bookingdb.AgencyBookingsPageParams{
			AgencyID: &agencyID, Now: s.now(), OnlyGroup: only, PerGroup: perGroup, SkipRows: skip,
		})
		rows = make([]bookingdb.AgencyBookingsForRow, len(page))
		for i, r := range page {
			rows[i] = bookingdb.AgencyBookingsForRow(r)
		}
		return err
	})
	return rows, err
}

// BookablePerson is someone a coordinator may book onto a session.
type BookablePerson struct {
	ID    int64
	Name  string
	Email string
}

// coordinatorAgency is the agency of the coordinator in ctx, or
// ErrForbidden.
func coordinatorAgency(ctx context.Context) (int64, error) {
	who := actor.From(ctx)
	if !who.Coordinator || who.AgencyID == nil {
		return 0, ErrForbidden
	}
	return *who.AgencyID, nil
}

// beginCustomRead begins a read-only transaction whose statements are
// planned for each execution's parameters.
const beginCustomRead = "BEGIN READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan"

// AgencyPeople returns up to limit people of the coordinator's agency who can
// be booked (accounts with a confirmed email address) whose name or email
// address holds search ("" for anyone), by name; more says others match too.
func (s *Service) AgencyPeople(ctx context.Context, search string, limit int) (people []BookablePerson, more bool, err error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return nil, false, err
	}
	pattern := ""
	if search = strings.TrimSpace(search); search != "" {
		pattern = "%" + likePattern(strings.ToLower(search)) + "%"
	}
	// Planned for its own search, in the transaction's first message: kept
	// generic (after five requests) it was planned for an agency of twenty
	// people and a search that matches no one, and read every person of the
	// largest agency, four thousand, for a search of a common surname.
	var rows []bookingdb.AgencyBookablePeopleRow
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: beginCustomRead}, func(tx pgx.Tx) error {
		var err error
		rows, err = bookingdb.New(tx).AgencyBookablePeople(ctx, bookingdb.AgencyBookablePeopleParams{
			AgencyID: agencyID, Pattern: pattern, MaxRows: int32(limit + 1),
		})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("people of agency %d: %w", agencyID, err)
	}
	if len(rows) > limit {
		rows, more = rows[:limit], true
	}
	people = make([]BookablePerson, len(rows))
	for i, r := range rows {
		people[i] = BookablePerson{ID: r.ID, Name: r.FullName, Email: r.Email}
	}
	return people, more, nil
}

// AgencyPerson returns one person the coordinator may book, or ErrNotFound
// for anyone else (another agency's, an unconfirmed or erased account).
func (s *Service) AgencyPerson(ctx context.Context, id int64) (BookablePerson, error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return BookablePerson{}, err
	}
	r, err := bookingdb.New(s.pool).AgencyBookablePerson(ctx, bookingdb.AgencyBookablePersonParams{ID: id, AgencyID: agencyID})
	if errors.Is(err, pgx.ErrNoRows) {
		return BookablePerson{}, ErrNotFound
	} else if err != nil {
		return BookablePerson{}, fmt.Errorf("person %d of agency %d: %w", id, agencyID, err)
	}
	return BookablePerson{ID: r.ID, Name: r.FullName, Email: r.Email}, nil
}

// OpenSession is a session a coordinator can still book their people onto.
type OpenSession struct {
	ID          int64
	CourseID    int64
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

// OpenCourse is a course with sessions open for booking to the
// coordinator's agency.
type OpenCourse struct {
	ID       int64
	Title    string
	Sessions int
	Next     time.Time // the soonest session's start
}

// AgencyCourses returns the courses with sessions open for booking to the
// coordinator's agency, by title: the first step of choosing a session.
func (s *Service) AgencyCourses(ctx context.Context) ([]OpenCourse, error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := bookingdb.New(s.pool).AgencyBookableCourses(ctx, bookingdb.AgencyBookableCoursesParams{
		Now: s.now(), AgencyID: &agencyID,
	})
	if err != nil {
		return nil, fmt.Errorf("courses open to agency %d: %w", agencyID, err)
	}
	out := make([]OpenCourse, len(rows))
	for i, r := range rows {
		out[i] = OpenCourse{ID: r.ID, Title: r.Title, Sessions: int(r.Sessions), Next: r.NextStartsAt}
	}
	return out, nil
}

// AgencyCourse returns one course of AgencyCourses, or ErrNotBookable
// when it has no session open for booking to the coordinator's agency.
func (s *Service) AgencyCourse(ctx context.Context, courseID int64) (OpenCourse, error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return OpenCourse{}, err
	}
	r, err := bookingdb.New(s.pool).AgencyBookableCourse(ctx, bookingdb.AgencyBookableCourseParams{
		CourseID: courseID, Now: s.now(), AgencyID: &agencyID,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return OpenCourse{}, ErrNotBookable
	} else if err != nil {
		return OpenCourse{}, fmt.Errorf("course %d open to agency %d: %w", courseID, agencyID, err)
	}
	return OpenCourse{ID: r.ID, Title: r.Title, Sessions: int(r.Sessions), Next: r.NextStartsAt}, nil
}

// AgencySessions returns a page (from 1) of perPage sessions of a course
// open for booking to the coordinator's agency, soonest first: published
// sessions before their cut-off, open to everyone or closed to that agency;
// more says a later page has some.
func (s *Service) AgencySessions(ctx context.Context, courseID int64, page, perPage int) (sessions []OpenSession, more bool, err error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return nil, false, err
	}
	rows, err := bookingdb.New(s.pool).AgencyBookableSessions(ctx, bookingdb.AgencyBookableSessionsParams{
		CourseID: courseID, Now: s.now(), AgencyID: &agencyID,
		SkipRows: int32(max(page-1, 0) * perPage), MaxRows: int32(perPage + 1),
	})
	if err != nil {
		return nil, false, fmt.Errorf("sessions of course %d open to agency %d: %w", courseID, agencyID, err)
	}
	if len(rows) > perPage {
		rows, more = rows[:perPage], true
	}
	sessions = make([]OpenSession, len(rows))
	for i, r := range rows {
		sessions[i] = openSession(bookingdb.AgencyBookableSessionRow(r))
	}
	return sessions, more, nil
}

// AgencySession returns a session open for booking to the coordinator's
// agency, or ErrNotBookable (closed, past its cut-off, another agency's,
// or no such session).
func (s *Service) AgencySession(ctx context.Context, id int64) (OpenSession, error) {
	agencyID, err := coordinatorAgency(ctx)
	if err != nil {
		return OpenSession{}, err
	}
	r, err := bookingdb.New(s.pool).AgencyBookableSession(ctx, bookingdb.AgencyBookableSessionParams{
		ID: id, Now: s.now(), AgencyID: &agencyID,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return OpenSession{}, ErrNotBookable
	} else if err != nil {
		return OpenSession{}, fmt.Errorf("session %d open to agency %d: %w", id, agencyID, err)
	}
	return openSession(r), nil
}

func openSession(r bookingdb.AgencyBookableSessionRow) OpenSession {
	return OpenSession{
		ID: r.ID, CourseID: r.CourseID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		Cutoff: r.BookingCutoffAt, PlacesLeft: int(r.Capacity - r.SeatsTaken), VenueName: r.VenueName,
		Online: r.VenueOnline, ClosedToAgency: r.ClosedToAgencyID != nil,
	}
}
