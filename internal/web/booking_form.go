package web

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/validation"
)

// --- the booking form ---

type bookFormPage struct {
	fieldErrors
	Session    booking.SessionToBook
	Details    booking.Details
	Invite     string
	Full       bool // the form joins the waiting list
	JustFilled bool // the last place went while the person filled in the form
	Remembered bool // the line manager is filled in from the person's profile
}

func (p bookFormPage) CutoffText() string { return cutoffText(p.Session) }

func (p bookFormPage) title() string {
	if p.Full {
		return "Join the waiting list"
	}
	return "Book a place"
}

func (a *app) bookForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	se, err := a.deps.Bookings.SessionToBook(c.UserContext(), id, u.ID)
	if err != nil {
		return err
	}
	if se.NeedsInvite(actor.From(c.UserContext())) {
		return a.bookingRefused(c, se, booking.ErrNeedsInvite)
	}
	return a.showBookForm(c, se, "")
}

// inviteTokens look like the ones scheduling makes; anything else is
// refused before it reaches the database.
var inviteToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (a *app) inviteForm(c *fiber.Ctx) error {
	token := c.Params("token")
	if !inviteToken.MatchString(token) {
		return fiber.ErrNotFound
	}
	u := currentUser(c)
	se, err := a.deps.Bookings.SessionByInvite(c.UserContext(), token, u.ID)
	if err != nil {
		return err
	}
	if se.ForOtherAgency(actor.From(c.UserContext())) {
		return a.bookingRefused(c, se, booking.ErrNeedsInvite)
	}
	return a.showBookForm(c, se, token)
}

// showBookForm shows the empty form, or says why the person cannot book.
func (a *app) showBookForm(c *fiber.Ctx, se booking.SessionToBook, invite string) error {
	u := currentUser(c)
	switch {
	case se.LiveBookingID != 0 && se.LiveStatus == booking.Waiting:
		return a.bookingRefused(c, se, booking.ErrAlreadyWaiting)
	case se.LiveBookingID != 0:
		return a.bookingRefused(c, se, booking.ErrAlreadyBooked)
	case se.Delivering:
		return a.bookingRefused(c, se, booking.ErrDelivers)
	}
	if err := se.Closed(actor.From(c.UserContext()), a.deps.Now()); err != nil {
		return a.bookingRefused(c, se, err)
	}
	if !u.Verified {
		return a.bookingRefused(c, se, booking.ErrUnverified)
	}
	if err := a.deps.Prerequisites.MissingForSession(c.UserContext(), u.ID, se.ID); err != nil {
		return a.bookingRefused(c, se, err)
	}
	p := bookFormPage{Session: se, Invite: invite, Full: se.Full() || se.Capped != nil, Details: booking.Details{
		// remembered from their last booking, or their profile
		LineManagerName: u.LineManagerName, LineManagerEmail: u.LineManagerEmail,
	}}
	p.Remembered = p.Details.LineManagerName != ""
	return a.renderForm(c, "bookings/form", p.title(), p, nil)
}

func detailsFrom(c *fiber.Ctx) booking.Details {
	return booking.Details{
		AccessNeeds:      c.FormValue(booking.FieldAccessNeeds),
		DietaryNeeds:     c.FormValue(booking.FieldDietaryNeeds),
		LineManagerName:  c.FormValue(booking.FieldLineManagerName),
		LineManagerEmail: c.FormValue(booking.FieldLineManagerEmail),
		AgreePolicy:      c.FormValue(booking.FieldAgreePolicy) == "yes",
	}
}

func (a *app) book(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.UserContext()
	r := booking.Request{
		SessionID: id, PersonID: u.ID, Details: detailsFrom(c),
		InviteToken: c.FormValue("invite"), JoinWaitingList: c.FormValue("join-waiting-list") == "yes",
	}
	out, err := a.deps.Bookings.Book(ctx, r)
	if err == nil && out.Status == booking.Held {
		return c.Redirect(fmt.Sprintf("/bookings/%d/pay", out.BookingID), fiber.StatusSeeOther)
	}
	if err == nil {
		done := "booked"
		switch out.Status {
		case booking.Waiting:
			done = "waiting"
		case booking.AwaitingApproval:
			done = "awaiting-approval"
		}
		return c.Redirect(fmt.Sprintf("/bookings/%d?done=%s", out.BookingID, done), fiber.StatusSeeOther)
	}
	se, serr := a.sessionRefused(ctx, err, id, u.ID)
	if serr != nil {
		return serr
	}
	p := bookFormPage{Session: se, Details: r.Details, Invite: r.InviteToken, Full: r.JoinWaitingList || se.Full() || se.Capped != nil}
	var verr *validation.Errors
	capped, isCapped := booking.IsCapped(err)
	switch {
	case isCapped:
		// Their agency took its last place while they filled in the form.
		p.Session.Capped, p.Full, p.JustFilled = capped, true, true
		return a.render(c, fiber.StatusConflict, "bookings/form", p.title(), p)
	case errors.Is(err, booking.ErrCapReached):
		p.Full, p.JustFilled = true, true
		return a.render(c, fiber.StatusConflict, "bookings/form", p.title(), p)
	case errors.As(err, &verr):
		p.fieldErrors = fieldErrors{verr}
		return a.renderForm(c, "bookings/form", p.title(), p, verr)
	case errors.Is(err, booking.ErrFull):
		p.Full, p.JustFilled = true, true
		return a.render(c, fiber.StatusConflict, "bookings/form", p.title(), p)
	}
	return a.bookingRefused(c, se, err)
}

// sessionRefused is the session of a booking refused with err, as its form
// shows it: read by the booking's own check when it was full, else read
// now.
func (a *app) sessionRefused(ctx context.Context, err error, sessionID, personID int64) (booking.SessionToBook, error) {
	if full := (*booking.FullError)(nil); errors.As(err, &full) {
		return full.Session, nil
	}
	return a.deps.Bookings.SessionToBook(ctx, sessionID, personID)
}

// bookingRefused says why a person cannot book se, for each of the booking
// package's reasons; any other error goes to the error handler.
func (a *app) bookingRefused(c *fiber.Ctx, se booking.SessionToBook, err error) error {
	course := link{"/courses/" + se.CourseSlug, "Look for another session of " + se.CourseTitle}
	mine := link{"/my-training", "Go to My training"}
	var missing *prerequisite.MissingError
	switch {
	case errors.As(err, &missing):
		return a.bookingMessage(c, fiber.StatusConflict, prerequisitesMissing(missing))
	case errors.Is(err, booking.ErrUnverified):
		return a.bookingMessage(c, fiber.StatusForbidden, bookingMessage{
			Heading: "Confirm your email address first",
			Paragraphs: []string{
				"Before you can book training, confirm your email address by following the link we sent to " + currentUser(c).Email + ".",
				"Then come back to this page to book.",
			},
			Resend: true, ResendNext: account.ReturnPath(c.Path()),
		})
	case errors.Is(err, booking.ErrAlreadyBooked):
		m := bookingMessage{Heading: "You already have a place on this session", Links: []link{mine}}
		if se.LiveBookingID != 0 {
			m.Links = []link{{fmt.Sprintf("/bookings/%d", se.LiveBookingID), "See your booking"}, mine}
		}
		return a.bookingMessage(c, fiber.StatusConflict, m)
	case errors.Is(err, booking.ErrAlreadyWaiting):
		m := bookingMessage{Heading: "You are already on the waiting list for this session", Links: []link{mine}}
		if se.LiveBookingID != 0 {
			m.Links = []link{{fmt.Sprintf("/bookings/%d", se.LiveBookingID), "See your place on the waiting list"}, mine}
		}
		return a.bookingMessage(c, fiber.StatusConflict, m)
	case errors.Is(err, booking.ErrDelivers):
		return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
			Heading: "You are a trainer on this session",
			Paragraphs: []string{
				"You cannot book a place on a session you deliver: places are for the people you train.",
				"To go on this course as a learner, book another session of it.",
			},
			Links: []link{{fmt.Sprintf("/trainer/sessions/%d", se.ID), "See the session you are delivering"}, course},
		})
	case errors.Is(err, booking.ErrNeedsInvite):
		return a.bookingMessage(c, fiber.StatusForbidden, bookingMessage{
			Heading: "This session is for one agency only",
			Paragraphs: []string{
				"It is being run for the staff of one agency, who book it through the invite link their agency sent them.",
				"If you work for that agency, use the invite link. If not, book an open session of the course instead.",
			},
			Links: []link{course},
		})
	case errors.Is(err, booking.ErrNotBookable), errors.Is(err, booking.ErrCutoffPassed):
		return a.bookingMessage(c, fiber.StatusGone, bookingMessage{
			Heading: "Booking has closed for this session", Paragraphs: a.closedReasons(se), Links: []link{course},
			Contact: a.closedContact(se),
		})
	}
	return err
}

// closedContact is the training team's contact for a session whose booking
// closed at its cut-off (the team may still add someone until it starts);
// nil when it has started, ended or been cancelled.
func (a *app) closedContact(se booking.SessionToBook) *teamContact {
	if se.Status != catalogue.SessionPublished || !a.deps.Now().Before(se.StartsAt) {
		return nil
	}
	return a.contact()
}

// closedReasons says why a session can no longer be booked.
func (a *app) closedReasons(se booking.SessionToBook) []string {
	what := se.CourseTitle + " on " + when(se.StartsAt, se.EndsAt)
	switch {
	case se.Status == catalogue.SessionCancelled:
		out := []string{"The training team has cancelled " + what + "."}
		if se.CancelledReason != "" {
			out = append(out, "The reason given: "+se.CancelledReason)
		}
		return out
	case se.Status == catalogue.SessionCompleted || !a.deps.Now().Before(se.EndsAt):
		return []string{what + " has already taken place."}
	case !a.deps.Now().Before(se.StartsAt):
		return []string{what + " has already started."}
	}
	urgent := "If you need a place urgently, contact the training team."
	if a.closedContact(se) != nil {
		urgent = "If you need a place urgently, contact the training team:"
	}
	return []string{
		"Booking for " + what + " closed at " + cutoffText(se) + ", so that trainers know who is coming.",
		urgent,
	}
}
