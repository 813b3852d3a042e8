package web

import (
	"errors"
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
	booking.AgencyList
	AgencyName string
	NoAgency   bool // the coordinator's organisation is not a confirmed agency
	Query      string
	Notice     string
}

func (a *app) agencyBookings(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyBookingsPage{AgencyName: u.AgencyName, Query: validation.CleanLine(c.Query("q")),
		Notice: agencyBookingNotices[c.Query("done")]}
	if u.AgencyID == nil {
		d.NoAgency = true
		return a.render(c, fiber.StatusOK, "agency/bookings", agencyNoAgencyTitle, d)
	}
	l, err := a.deps.Bookings.AgencyBookings(c.UserContext(), booking.AgencyFilter{Search: d.Query})
	if err != nil {
		return err
	}
	d.AgencyList = l
	if err := a.auditView(c, account.Coordinator, audit.View{
		What: "their agency's bookings", AgencyID: u.AgencyID,
		Bookings: agencyBookingIDs(l.Upcoming, l.Waiting, l.Past, l.LateCancellations, l.NonAttendance),
	}); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agency/bookings", "Bookings for "+u.AgencyName, d)
}

// agencyBookPage is the coordinator's booking form: first a choice of
// session, then who to book and their details.
type agencyBookPage struct {
	fieldErrors
	AgencyName string
	NoAgency   bool
	Sessions   []booking.OpenSession // to choose from, when no session is chosen yet
	Session    *booking.OpenSession
	People     []booking.BookablePerson
	PersonID   int64
	Details    booking.Details
	Wait       bool
}

func (a *app) agencyBookForm(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil {
		return a.render(c, fiber.StatusOK, "agency/bookings", agencyNoAgencyTitle, agencyBookingsPage{NoAgency: true, AgencyName: u.AgencyName})
	}
	ctx := c.UserContext()
	sessions, err := a.deps.Bookings.AgencySessions(ctx)
	if err != nil {
		return err
	}
	d := agencyBookPage{AgencyName: u.AgencyName, Sessions: sessions}
	chosen, asked := c.Queries()[fieldAgencySession]
	if !asked {
		return a.renderForm(c, "agency/bookings-new", "Choose a session", d, nil)
	}
	if d.Session = findOpenSession(sessions, chosen); d.Session == nil {
		var v validation.Errors
		if chosen == "" {
			v.Add(fieldAgencySession, "Select a session")
		} else {
			v.Add(fieldAgencySession, "That session is not open for booking. Select another session")
		}
		d.fieldErrors = fieldErrors{&v}
		return a.renderForm(c, "agency/bookings-new", "Choose a session", d, &v)
	}
	if d.People, err = a.deps.Bookings.AgencyPeople(ctx); err != nil {
		return err
	}
	return a.renderForm(c, "agency/bookings-new", "Book someone onto "+d.Session.CourseTitle, d, nil)
}

func findOpenSession(sessions []booking.OpenSession, id string) *booking.OpenSession {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	for i := range sessions {
		if sessions[i].ID == n {
			return &sessions[i]
		}
	}
	return nil
}

func (a *app) agencyBook(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil {
		return fiber.ErrForbidden
	}
	ctx := c.UserContext()
	sessions, err := a.deps.Bookings.AgencySessions(ctx)
	if err != nil {
		return err
	}
	d := agencyBookPage{
		AgencyName: u.AgencyName, Sessions: sessions, Wait: c.FormValue(fieldJoinWaiting) == "yes",
		Details: booking.Details{
			AccessNeeds:      c.FormValue(booking.FieldAccessNeeds),
			DietaryNeeds:     c.FormValue(booking.FieldDietaryNeeds),
			LineManagerName:  c.FormValue(booking.FieldLineManagerName),
			LineManagerEmail: c.FormValue(booking.FieldLineManagerEmail),
			AgreePolicy:      c.FormValue(booking.FieldAgreePolicy) == "yes",
		},
	}
	var v validation.Errors
	if d.Session = findOpenSession(sessions, c.Query(fieldAgencySession)); d.Session == nil {
		// It closed (or filled its cut-off) while the form was open.
		v.Add(fieldAgencySession, "Booking has closed for that session. Select another session")
		d.fieldErrors = fieldErrors{&v}
		return a.renderForm(c, "agency/bookings-new", "Choose a session", d, &v)
	}
	title := "Book someone onto " + d.Session.CourseTitle
	if d.People, err = a.deps.Bookings.AgencyPeople(ctx); err != nil {
		return err
	}
	// Only the people listed may be chosen: a changed value is refused here,
	// and Book refuses anyone outside the agency whatever is sent.
	d.PersonID, _ = strconv.ParseInt(c.FormValue(fieldAgencyPerson), 10, 64)
	person := findBookablePerson(d.People, d.PersonID)
	if person == nil {
		d.PersonID = 0
		v.Add(fieldAgencyPerson, "Select the person you are booking")
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

func findBookablePerson(people []booking.BookablePerson, id int64) *booking.BookablePerson {
	for i := range people {
		if people[i].ID == id {
			return &people[i]
		}
	}
	return nil
}
