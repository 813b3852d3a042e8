package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// agencyBookingNotices are the fixed success messages of ?done=.
var agencyBookingNotices = map[string]string{
	"booked":  "Place booked: they have been emailed the details",
	"waiting": "Added to the waiting list: they will be emailed if a place comes up",
}

// Form fields of the coordinator's booking form beyond the booking details.
const (
	fieldAgencySession  = "session"
	fieldAgencyPerson   = "person"
	fieldJoinWaiting    = "join-waiting-list"
	agencyNoAgencyTitle = "Your agency’s bookings"
)

type agencyBookingsPage struct {
	AgencyName string
	NoAgency   bool // the coordinator's organisation is not a confirmed agency
	Query      string
	Notice     string
	// Groups are all five, the first few of each; or, when Show is set,
	// that group alone, a page of it (Pages).
	Groups []agencyBookingGroup
	Show   booking.AgencyGroup
	Pages  *pagination
}

// agencyBookingGroup is one table of the coordinator's bookings.
type agencyBookingGroup struct {
	ID     booking.AgencyGroup
	Title  string
	Column string // the last column's heading, "" for none
	Empty  string // the sentence when there are none
	Rows   []booking.AgencyBooking
	More   bool   // bookings follow Rows
	Link   string // to the whole group, when More and all groups are shown
}

// agencyGroupWords are each group's title, last column and sentence when
// empty.
var agencyGroupWords = map[booking.AgencyGroup][3]string{
	booking.GroupUpcoming:          {"Upcoming", "Status", "No one from your agency has a place on a session still to come."},
	booking.GroupWaiting:           {"Waiting lists", "Place in the queue", "No one from your agency is on a waiting list."},
	booking.GroupPast:              {"Past training", "Attendance", "No one from your agency has been on a session yet."},
	booking.GroupLateCancellations: {"Late cancellations", "", "No one from your agency has cancelled after a session’s cut-off."},
	booking.GroupNonAttendance:     {"Non-attendance", "", "No one from your agency has missed a session they were booked on."},
}

// agencyBookings lists the agency's bookings: the first few of each group,
// each with a link to the whole group (?show=), which is paged.
func (a *app) agencyBookings(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyBookingsPage{AgencyName: u.AgencyName, Query: validation.CleanLine(c.Query("q")),
		Notice: agencyBookingNotices[c.Query("done")], Show: booking.AgencyGroup(c.Query("show"))}
	if u.AgencyID == nil {
		d.NoAgency = true
		return a.render(c, fiber.StatusOK, "agency/bookings", agencyNoAgencyTitle, d)
	}
	if _, known := agencyGroupWords[d.Show]; d.Show != "" && !known {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	page := 1
	if d.Show != "" {
		page = pageParam(c)
	}
	f := booking.AgencyFilter{Search: d.Query, Group: d.Show, Page: page}
	l, err := a.deps.Bookings.AgencyBookings(ctx, f)
	if err != nil {
		return err
	}
	if rows, _ := l.Group(d.Show); d.Show != "" && len(rows) == 0 && page > 1 { // past the last page: the first
		page, f.Page = 1, 1
		if l, err = a.deps.Bookings.AgencyBookings(ctx, f); err != nil {
			return err
		}
	}
	groups := booking.AgencyGroups
	if d.Show != "" {
		groups = []booking.AgencyGroup{d.Show}
	}
	var shown []int64
	for _, g := range groups {
		rows, more := l.Group(g)
		words := agencyGroupWords[g]
		t := agencyBookingGroup{ID: g, Title: words[0], Column: words[1], Empty: words[2], Rows: rows, More: more}
		if more && d.Show == "" {
			t.Link = agencyBookingsLink(g, d.Query)
		}
		d.Groups = append(d.Groups, t)
		shown = append(shown, agencyBookingIDs(rows)...)
	}
	title := "Bookings for " + u.AgencyName
	if d.Show != "" {
		_, more := l.Group(d.Show)
		d.Pages = paginateCounted("/agency/bookings", url.Values{"show": {string(d.Show)}, "q": {d.Query}}, page, page, more)
		title = d.Groups[0].Title + ": bookings for " + u.AgencyName
		if page > 1 {
			title += " (page " + strconv.Itoa(page) + ")"
		}
	}
	if err := a.auditView(c, account.Coordinator, audit.View{
		What: "their agency's bookings", AgencyID: u.AgencyID, Bookings: shown,
	}); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agency/bookings", title, d)
}

// agencyBookingsLink is the address of the first page of one group of the
// agency's bookings, searched for query.
func agencyBookingsLink(g booking.AgencyGroup, query string) string {
	q := url.Values{"show": {string(g)}}
	if query != "" {
		q.Set("q", query)
	}
	return "/agency/bookings?" + q.Encode()
}

// The coordinator's booking form chooses a course, then one of its sessions
// a page at a time, then the person by a search of the agency's people: no
// step lists what grows with the partnership.
const (
	fieldAgencyCourse     = "course"
	fieldAgencySearch     = "q"
	agencySessionsPerPage = 10
	agencyPeopleShown     = 20
)

// agencyBookPage is the coordinator's booking form: first a course, then one
// of its sessions, then who to book and their details.
type agencyBookPage struct {
	fieldErrors
	AgencyName string
	NoAgency   bool
	// Choosing a course (no course or session yet).
	Courses []booking.OpenCourse
	// Choosing one of Course's sessions, a page of them.
	Course   *booking.OpenCourse
	Sessions []booking.OpenSession
	Pages    *pagination
	// Booking someone onto Session.
	Session    *booking.OpenSession
	Query      string // the search of the agency's people
	People     []booking.BookablePerson
	MorePeople bool // more than People match Query
	NoPeople   bool // nobody of the agency can be booked at all
	PersonID   int64
	Details    booking.Details
	Wait       bool
}

func (a *app) agencyBookForm(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil {
		return a.render(c, fiber.StatusOK, "agency/bookings", agencyNoAgencyTitle, agencyBookingsPage{NoAgency: true, AgencyName: u.AgencyName})
	}
	d := agencyBookPage{AgencyName: u.AgencyName}
	chosen, asked := c.Queries()[fieldAgencySession]
	if !asked {
		return a.chooseCourseOrSession(c, &d, nil)
	}
	var v validation.Errors
	if chosen == "" {
		if c.Query(fieldAgencyCourse) == "" {
			v.Add(fieldAgencyCourse, "Select a course")
		} else {
			v.Add(fieldAgencySession, "Select a session")
		}
		return a.chooseCourseOrSession(c, &d, &v)
	}
	if err := a.findAgencySession(c, &d, chosen); err != nil {
		return err
	}
	if d.Session == nil {
		a.sessionNotOpen(c, &v, "That session is not open for booking. Select another session")
		return a.chooseCourseOrSession(c, &d, &v)
	}
	d.Query = validation.CleanLine(c.Query(fieldAgencySearch))
	if err := a.findAgencyPeople(c, &d, nil); err != nil {
		return err
	}
	return a.renderForm(c, "agency/bookings-new", "Book someone onto "+d.Session.CourseTitle, d, nil)
}

// sessionNotOpen adds why a session cannot be chosen, to the session's
// field when a course's sessions are shown again, else to the course's.
func (a *app) sessionNotOpen(c *fiber.Ctx, v *validation.Errors, message string) {
	if c.Query(fieldAgencyCourse) != "" {
		v.Add(fieldAgencySession, message)
	} else {
		v.Add(fieldAgencyCourse, message+" (choose its course first)")
	}
}

// chooseCourseOrSession renders the first steps: a page of the chosen
// course's sessions (?course=), or the courses to choose from.
func (a *app) chooseCourseOrSession(c *fiber.Ctx, d *agencyBookPage, v *validation.Errors) error {
	ctx := c.UserContext()
	if v != nil {
		d.fieldErrors = fieldErrors{v}
	}
	if course := c.Query(fieldAgencyCourse); course != "" {
		// The chosen course alone is read, not every course's sessions.
		if id, err := strconv.ParseInt(course, 10, 64); err == nil && id > 0 {
			oc, err := a.deps.Bookings.AgencyCourse(ctx, id)
			if err == nil {
				d.Course = &oc
			} else if !errors.Is(err, booking.ErrNotBookable) {
				return err
			}
		}
		if d.Course == nil {
			if v == nil {
				v = &validation.Errors{}
				d.fieldErrors = fieldErrors{v}
			}
			v.Add(fieldAgencyCourse, "That course has no sessions open for booking. Select another course")
		}
	}
	var err error
	if d.Course == nil {
		if d.Courses, err = a.deps.Bookings.AgencyCourses(ctx); err != nil {
			return err
		}
		return a.renderForm(c, "agency/bookings-new", "Choose a course", d, v)
	}
	page := max(c.QueryInt("page", 1), 1)
	var more bool
	if d.Sessions, more, err = a.deps.Bookings.AgencySessions(ctx, d.Course.ID, page, agencySessionsPerPage); err != nil {
		return err
	}
	if len(d.Sessions) == 0 && page > 1 { // past the last page (sessions closed meanwhile): the first
		page = 1
		if d.Sessions, more, err = a.deps.Bookings.AgencySessions(ctx, d.Course.ID, page, agencySessionsPerPage); err != nil {
			return err
		}
	}
	d.Pages = paginateCounted("/agency/bookings/new", url.Values{fieldAgencyCourse: {strconv.FormatInt(d.Course.ID, 10)}}, page, page, more)
	return a.renderForm(c, "agency/bookings-new", "Choose a session of "+d.Course.Title, d, v)
}

// findAgencySession sets d.Session to the session chosen if it is open for
// booking to the coordinator's agency.
func (a *app) findAgencySession(c *fiber.Ctx, d *agencyBookPage, chosen string) error {
	id, err := strconv.ParseInt(chosen, 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	s, err := a.deps.Bookings.AgencySession(c.UserContext(), id)
	if errors.Is(err, booking.ErrNotBookable) {
		return nil
	} else if err != nil {
		return err
	}
	d.Session = &s
	return nil
}

// findAgencyPeople lists the agency's people matching d.Query, a bounded
// number of them, with chosen (the person the form came back with) among
// them.
func (a *app) findAgencyPeople(c *fiber.Ctx, d *agencyBookPage, chosen *booking.BookablePerson) error {
	people, more, err := a.deps.Bookings.AgencyPeople(c.UserContext(), d.Query, agencyPeopleShown)
	if err != nil {
		return err
	}
	d.People, d.MorePeople = people, more
	d.NoPeople = d.Query == "" && len(people) == 0
	if chosen != nil && !slices.ContainsFunc(people, func(p booking.BookablePerson) bool { return p.ID == chosen.ID }) {
		d.People = append([]booking.BookablePerson{*chosen}, d.People...)
	}
	return nil
}

func (a *app) agencyBook(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil {
		return fiber.ErrForbidden
	}
	ctx := c.UserContext()
	d := agencyBookPage{
		AgencyName: u.AgencyName, Wait: c.FormValue(fieldJoinWaiting) == "yes",
		Query: validation.CleanLine(c.FormValue(fieldAgencySearch)),
		Details: booking.Details{
			AccessNeeds:      c.FormValue(booking.FieldAccessNeeds),
			DietaryNeeds:     c.FormValue(booking.FieldDietaryNeeds),
			LineManagerName:  c.FormValue(booking.FieldLineManagerName),
			LineManagerEmail: c.FormValue(booking.FieldLineManagerEmail),
			AgreePolicy:      c.FormValue(booking.FieldAgreePolicy) == "yes",
		},
	}
	var v validation.Errors
	if err := a.findAgencySession(c, &d, c.Query(fieldAgencySession)); err != nil {
		return err
	}
	if d.Session == nil {
		// It closed (or filled its cut-off) while the form was open, or
		// the form was changed to name a session not open to the agency.
		a.sessionNotOpen(c, &v, "Booking has closed for that session. Select another session")
		return a.chooseCourseOrSession(c, &d, &v)
	}
	title := "Book someone onto " + d.Session.CourseTitle
	// Only the agency's people may be chosen: anyone else is refused here,
	// and Book refuses anyone outside the agency whatever is sent.
	d.PersonID, _ = strconv.ParseInt(c.FormValue(fieldAgencyPerson), 10, 64)
	var person *booking.BookablePerson
	if d.PersonID > 0 {
		p, err := a.deps.Bookings.AgencyPerson(ctx, d.PersonID)
		if err == nil {
			person = &p
		} else if !errors.Is(err, booking.ErrNotFound) {
			return err
		}
	}
	if person == nil {
		d.PersonID = 0
		v.Add(fieldAgencyPerson, "Select the person you are booking")
	}
	if err := a.findAgencyPeople(c, &d, person); err != nil {
		return err
	}
	var verr *validation.Errors
	if errors.As(booking.CheckDetails(d.Details), &verr) {
		for _, f := range verr.Fields {
			v.Add(f.Field, forThem.Replace(f.Message))
		}
	}
	if v.Err() != nil {
		d.fieldErrors = fieldErrors{&v}
		return a.renderForm(c, "agency/bookings-new", title, d, &v)
	}

	out, err := a.deps.Bookings.Book(ctx, booking.Request{
		SessionID: d.Session.ID, PersonID: person.ID, Details: d.Details, JoinWaitingList: d.Wait,
	})
	switch {
	case err == nil && out.Status == booking.Held:
		return c.Redirect("/bookings/"+strconv.FormatInt(out.BookingID, 10)+"/pay", fiber.StatusSeeOther)
	case err == nil:
		done := "booked"
		if out.Status == booking.Waiting {
			done = "waiting"
		}
		return c.Redirect("/agency/bookings?done="+done, fiber.StatusSeeOther)
	case errors.As(err, &verr):
		v = *verr
	case errors.Is(err, booking.ErrForbidden), errors.Is(err, booking.ErrUnverified):
		v.Add(fieldAgencyPerson, "Select someone from your agency whose account is confirmed")
	case errors.Is(err, booking.ErrAlreadyBooked):
		v.Add(fieldAgencyPerson, person.Name+" already has a place on this session")
	case errors.Is(err, booking.ErrAlreadyWaiting):
		v.Add(fieldAgencyPerson, person.Name+" is already on the waiting list for this session")
	case errors.Is(err, booking.ErrDelivers):
		v.Add(fieldAgencyPerson, person.Name+" delivers this session as a trainer, so cannot have a place on it")
	case errors.Is(err, booking.ErrFull):
		v.Add(fieldJoinWaiting, "The session is full. To add "+person.Name+" to the waiting list, tick the box")
	case errors.Is(err, booking.ErrCutoffPassed), errors.Is(err, booking.ErrNotBookable), errors.Is(err, booking.ErrNeedsInvite):
		v.Add(fieldAgencySession, "Booking has closed for this session. Choose another session")
	default:
		return err
	}
	d.fieldErrors = fieldErrors{&v}
	return a.renderForm(c, "agency/bookings-new", title, d, &v)
}

// forThem rewords the booking form's messages, written for people booking
// themselves, for a coordinator booking someone else.
var forThem = strings.NewReplacer("your line manager", "their line manager", "Your line manager", "Their line manager")
