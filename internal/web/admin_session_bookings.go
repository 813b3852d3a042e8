package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

var sessionListNotices = map[string]string{
	"added":     "Place booked: they have been sent a confirmation email",
	"waiting":   "Added to the waiting list: they have been sent an email",
	"removed":   "Booking removed: they have been sent an email",
	"moved":     "Place moved to the other session: they have been sent an email",
	"late":      "Cancellation changed",
	"reordered": "Waiting list reordered",
	"approved":  "Place approved for the line manager: they have been sent an email",
}

// sessionBookingsPage is the list of everyone on a session.
type sessionBookingsPage struct {
	adminArea
	Session scheduling.Session
	List    booking.SessionList
	Open    bool // published and not started: people can be added, removed and moved
	Shares  booking.SessionShares
	Now     time.Time
}

// CapsText says the session's places per agency, if it has them.
func (p sessionBookingsPage) CapsText() string { return capsWords(p.Shares.Caps) }

// AtCap reports whether a listed agency holds every place its cap allows
// while the caps hold.
func (p sessionBookingsPage) AtCap(a booking.AgencyShare) bool {
	c := p.Shares.Caps
	return c.Active(p.Now) && a.Sector != "" && c.AgencyCap > 0 && a.Places >= c.AgencyCap
}

// StatusText words how a booking ended.
func (sessionBookingsPage) StatusText(status booking.Status) string {
	return endedStatus(status)
}

func endedStatus(status booking.Status) string { return booking.StatusWords(status) }

// listedSession is the session the path names.
func (a *app) listedSession(c *fiber.Ctx) (scheduling.Session, bool, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return scheduling.Session{}, false, err
	}
	se, err := a.scheduler().Get(c.UserContext(), id)
	if err != nil {
		return se, false, err
	}
	open := se.Status == catalogue.SessionPublished && a.deps.Now().Before(se.StartsAt)
	return se, open, nil
}

func (a *app) sessionBookings(c *fiber.Ctx) error {
	se, open, err := a.listedSession(c)
	if err != nil {
		return err
	}
	list, err := a.deps.Bookings.ListSession(c.UserContext(), se.ID)
	if err != nil {
		return err
	}
	session := se.ID
	if err := a.auditView(c, account.Manager, audit.View{
		What:      "the bookings of " + sessionWords(se.ID, se.CourseTitle, se.StartsAt),
		SessionID: &session, Bookings: entryIDs(list.Confirmed, list.Offered, list.Waiting, list.Ended),
	}); err != nil {
		return err
	}
	shares, err := a.deps.Bookings.Shares(c.UserContext(), se.ID)
	if err != nil {
		return err
	}
	d := sessionBookingsPage{adminArea: newAdminArea(c), Session: se, List: list, Open: open, Shares: shares, Now: a.deps.Now()}
	d.Notice = sessionListNotices[c.Query("done")]
	return a.render(c, fiber.StatusOK, "admin/sessions/bookings", "Bookings: "+se.CourseTitle, d)
}

// waitingFor counts the people waiting for a place on a session, for the
// link to its list.
func (a *app) waitingFor(c *fiber.Ctx, sessionID int64) (int, error) {
	counts, err := a.deps.Bookings.WaitingCounts(c.UserContext(), []int64{sessionID})
	return counts[sessionID], err
}

func listDone(se scheduling.Session, done string) string {
	return fmt.Sprintf("/admin/sessions/%d/bookings?done=%s", se.ID, done)
}

// --- adding someone ---

type addPersonPage struct {
	adminArea
	fieldErrors
	Session     scheduling.Session
	PersonEmail string
	Details     booking.Details
	Join        bool
	CapReason   string
	CapsActive  bool // the session's places per agency hold now: a reason can book past them
	// Missing says what prerequisites the person lacks, when the manager
	// must give a reason (Override) to add them anyway.
	Missing  string
	Override string
}

func (a *app) addPersonForm(c *fiber.Ctx) error {
	se, _, err := a.listedSession(c)
	if err != nil {
		return err
	}
	d := addPersonPage{adminArea: newAdminArea(c), Session: se, Join: se.Booked >= se.Capacity,
		CapsActive: capsActive(se, a.deps.Now())}
	return a.renderForm(c, "admin/sessions/bookings-add", "Add a person", d, nil)
}

func (a *app) addPerson(c *fiber.Ctx) error {
	se, _, err := a.listedSession(c)
	if err != nil {
		return err
	}
	d := addPersonPage{adminArea: newAdminArea(c), Session: se, PersonEmail: c.FormValue(booking.FieldPersonEmail),
		Details: detailsFrom(c), Join: c.FormValue("join-waiting-list") == "yes", CapReason: c.FormValue(booking.FieldCapReason),
		CapsActive: capsActive(se, a.deps.Now()), Override: c.FormValue(booking.FieldPrerequisiteOverride)}
	out, err := a.deps.Bookings.AddPerson(c.UserContext(), se.ID, d.PersonEmail, d.Details, d.Join,
		booking.Overrides{PastCap: d.CapReason, Prerequisite: d.Override})
	var v *validation.Errors
	var missing *prerequisite.MissingError
	capped, isCapped := booking.IsCapped(err)
	switch {
	case errors.As(err, &v):
		d.Missing = c.FormValue("prerequisite-missing")
	case errors.As(err, &missing):
		d.Missing = missing.ForSomeoneElse()
		v = refusal(booking.FieldPrerequisiteOverride, d.Missing+" To add them anyway, enter why")
	case isCapped:
		d.CapsActive = true
		v = refusal(booking.FieldCapReason, capped.Reason()+" To book them anyway, give a reason, or tick ‘Add them to the waiting list’")
	case errors.Is(err, booking.ErrCapReached):
		v = refusal(booking.FieldCapReason, "Their agency holds all the places its cap allows: give a reason to book them anyway")
	case errors.Is(err, booking.ErrFull):
		v = refusal("join-waiting-list", "The session is full: tick ‘Add them to the waiting list if the session is full’ to add them to its waiting list")
	case errors.Is(err, booking.ErrAlreadyBooked):
		v = refusal(booking.FieldPersonEmail, "They already have a place on this session")
	case errors.Is(err, booking.ErrAlreadyWaiting):
		v = refusal(booking.FieldPersonEmail, "They are already on the waiting list for this session")
	case errors.Is(err, booking.ErrDelivers):
		v = refusal(booking.FieldPersonEmail, "They deliver this session as a trainer, so cannot have a place on it")
	case errors.Is(err, booking.ErrNotBookable), errors.Is(err, booking.ErrNotFound):
		v = refusal("", "No one can be added: the session is not published, or it has started")
	case err != nil:
		return err
	default:
		done := "added"
		if out.Status == booking.Waiting {
			done = "waiting"
		}
		return c.Redirect(listDone(se, done), fiber.StatusSeeOther)
	}
	d.fieldErrors = fieldErrors{v}
	return a.renderForm(c, "admin/sessions/bookings-add", "Add a person", d, v)
}

// capsActive reports whether a session's places per agency hold at now.
func capsActive(se scheduling.Session, now time.Time) bool {
	return sessionCaps(se).Active(now)
}

// refusal is one problem to show in a form's error summary; with no field,
// it names no input.
func refusal(field, message string) *validation.Errors {
	return &validation.Errors{Fields: []validation.FieldError{{Field: field, Message: message}}}
}

// --- changing one booking ---

// bookingChangePage is the form for one change to one booking.
type bookingChangePage struct {
	adminArea
	fieldErrors
	Session scheduling.Session
	Booking booking.Booking
	Targets []booking.MoveTarget
	// The form's answers.
	Late   string // "yes" or "no"
	Note   string
	Reason string
	To     int64
	Up     bool
}

// StatusText words the booking's status.
func (p bookingChangePage) StatusText() string { return endedStatus(p.Booking.Status) }

var bookingChangeTitles = map[string]string{
	"remove":  "Remove a booking",
	"move":    "Move a place to another session",
	"late":    "Change whether a cancellation was late",
	"reorder": "Change the order of the waiting list",
}

// listedBooking is the session and booking the path names. A booking that is
// not on that session is not found.
func (a *app) listedBooking(c *fiber.Ctx) (bookingChangePage, error) {
	se, _, err := a.listedSession(c)
	if err != nil {
		return bookingChangePage{}, err
	}
	bookingID, err := pathID(c, "booking")
	if err != nil {
		return bookingChangePage{}, err
	}
	b, err := a.deps.Bookings.Get(c.UserContext(), bookingID)
	if err != nil {
		return bookingChangePage{}, err
	}
	if b.SessionID != se.ID {
		return bookingChangePage{}, fiber.ErrNotFound
	}
	return bookingChangePage{adminArea: newAdminArea(c), Session: se, Booking: b}, nil
}

// direction reads which way a waiting booking moves: "up" or "down".
func direction(s string) (up bool, err error) {
	switch s {
	case "up":
		return true, nil
	case "down":
		return false, nil
	}
	return false, fiber.ErrNotFound
}

func (a *app) bookingChangeForm(act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d, err := a.listedBooking(c)
		if err != nil {
			return err
		}
		switch act {
		case "remove":
			d.Late = yesNo(d.Booking.LateIfCancelledNow) // the rule a person cancelling meets
		case "move":
			if d.Targets, err = a.deps.Bookings.MoveTargets(c.UserContext(), d.Session.ID); err != nil {
				return err
			}
		case "late":
			d.Late = yesNo(!d.Booking.Late) // the usual change is to turn it round
		case "reorder":
			if d.Up, err = direction(c.Query("direction")); err != nil {
				return err
			}
		}
		return a.renderForm(c, "admin/sessions/bookings-"+act, bookingChangeTitles[act], d, nil)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (a *app) bookingChange(act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		d, err := a.listedBooking(c)
		if err != nil {
			return err
		}
		svc, id := a.deps.Bookings, d.Booking.ID
		d.Note, d.Reason = c.FormValue(booking.FieldNote), c.FormValue(booking.FieldReason)
		var done string
		switch act {
		case "remove":
			d.Late, done = c.FormValue("late"), "removed"
			err = svc.Remove(ctx, id, d.Late == "yes", d.Note)
		case "move":
			d.To, _ = strconv.ParseInt(c.FormValue(booking.FieldToSession), 10, 64)
			_, err = svc.Move(ctx, id, d.To)
			done = "moved"
		case "late":
			d.Late, done = c.FormValue("late"), "late"
			if d.Late != "yes" && d.Late != "no" {
				err = refusal("late", "Select whether the cancellation was late")
			} else {
				err = svc.MarkLate(ctx, id, d.Late == "yes", d.Reason)
			}
		case "reorder":
			if d.Up, err = direction(c.FormValue("direction")); err != nil {
				return err
			}
			done = "reordered"
			err = svc.Reorder(ctx, id, d.Up, d.Reason)
		}
		if err == nil {
			return c.Redirect(listDone(d.Session, done), fiber.StatusSeeOther)
		}
		v := changeRefused(act, d, err)
		if v == nil {
			return err
		}
		if act == "move" {
			if d.Targets, err = svc.MoveTargets(ctx, d.Session.ID); err != nil {
				return err
			}
		}
		d.fieldErrors = fieldErrors{v}
		return a.renderForm(c, "admin/sessions/bookings-"+act, bookingChangeTitles[act], d, v)
	}
}

// changeRefused words why a change could not be made, for the form's error
// summary, or returns nil for an error that is not the person's to fix.
func changeRefused(act string, d bookingChangePage, err error) *validation.Errors {
	var v *validation.Errors
	switch {
	case errors.As(err, &v):
		return v
	case errors.Is(err, booking.ErrStarted):
		return refusal("", "The session has started, so its bookings can no longer be changed")
	case errors.Is(err, booking.ErrFull):
		return refusal(booking.FieldToSession, "That session has no places left: choose another")
	case !errors.Is(err, booking.ErrWrongState):
		return nil
	}
	switch act {
	case "move":
		return refusal("", "Only a booked place can be moved, and this booking is “"+strings.ToLower(endedStatus(d.Booking.Status))+"”")
	case "late":
		return refusal("", "Only a cancelled booking can be a late cancellation")
	case "reorder":
		if d.Booking.Status != booking.Waiting {
			return refusal("", "They are no longer on the waiting list")
		}
		if d.Up {
			return refusal("", "They are already first on the waiting list")
		}
		return refusal("", "They are already last on the waiting list")
	}
	return refusal("", "This booking has already ended")
}
