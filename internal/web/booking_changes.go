package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// --- cancel ---

func (a *app) cancelForm(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	if !b.Upcoming() {
		return a.cannotChange(c, b, "This booking cannot be cancelled")
	}
	title := "Cancel your booking"
	switch b.Status {
	case booking.Held:
		title = "Give up the place held for you"
	case booking.AwaitingApproval:
		title = "Cancel your booking waiting for approval"
	case booking.Waiting, booking.Offered:
		title = "Leave the waiting list"
	}
	p := bookingPage{Booking: b, Own: b.PersonID == currentUser(c).ID}
	if refund, err := a.deps.Payments.RefundDue(c.UserContext(), b.Booking); err != nil {
		return err
	} else if refund > 0 {
		p.Refund = refund.String()
	}
	return a.render(c, fiber.StatusOK, "bookings/cancel", title, p)
}

// myTrainingNotices are the fixed success messages of ?done= on My training.
var myTrainingNotices = map[string]string{
	"cancelled":      "Booking cancelled. It was before the cut-off, so it is not recorded as a late cancellation.",
	"cancelled-late": "Booking cancelled. It was after the cut-off, so it is recorded as a late cancellation.",
	"left":           "You have left the waiting list",
	"declined":       "You have declined the place. It has been offered to the next person waiting.",
	"released":       "You have given up the place held for you. Nothing was charged.",
	"withdrawn":      "Booking cancelled before your line manager answered. The place has been released.",
	"cancelled-refunded": "Booking cancelled. It was before the cut-off, so it is not recorded as a late cancellation, " +
		"and the price is being refunded in full to the card it was paid with.",
	"feed-reset": "Your calendar feed has a new address: the old one no longer works",
	"prior-learning": "Thank you: the training team will check the training you did elsewhere, and email you when " +
		"they have decided",
}

func (a *app) cancelBooking(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	out, err := a.deps.Bookings.Cancel(c.UserContext(), b.ID)
	switch {
	case errors.Is(err, booking.ErrStarted), errors.Is(err, booking.ErrWrongState):
		if b, err = a.booking(c); err != nil {
			return err
		}
		return a.cannotChange(c, b, "This booking cannot be cancelled")
	case err != nil:
		return err
	}
	done := "left"
	switch {
	case b.Status == booking.Offered:
		done = "declined"
	case b.Status == booking.Held:
		done = "released"
	case b.Status == booking.AwaitingApproval:
		done = "withdrawn"
	case b.Status != booking.Confirmed:
	case out.Late:
		done = "cancelled-late"
	case out.Refund > 0:
		done = "cancelled-refunded"
	default:
		done = "cancelled"
	}
	return c.Redirect(a.afterChange(c, b, done), fiber.StatusSeeOther)
}

// afterChange is where to go once a booking has changed: My training for
// one's own, the booking itself for one looked after for someone else.
func (a *app) afterChange(c *fiber.Ctx, b bookingView, done string) string {
	if b.PersonID == currentUser(c).ID {
		return "/my-training?done=" + done
	}
	return fmt.Sprintf("/bookings/%d", b.ID)
}

// --- substitute ---

type substitutePage struct {
	fieldErrors
	Booking        bookingView
	ColleagueEmail string
	Details        booking.Details
}

func (a *app) substituteForm(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	if b.Status != booking.Confirmed || !b.Changeable {
		return a.cannotChange(c, b, "This place cannot be passed on")
	}
	return a.renderForm(c, "bookings/substitute", "Pass your place to a colleague", substitutePage{Booking: b}, nil)
}

func (a *app) substitute(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	colleague, d := c.FormValue(booking.FieldColleagueEmail), detailsFrom(c)
	_, err = a.deps.Bookings.Substitute(c.UserContext(), b.ID, colleague, d)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		p := substitutePage{fieldErrors: fieldErrors{verr}, Booking: b, ColleagueEmail: colleague, Details: d}
		return a.renderForm(c, "bookings/substitute", "Pass your place to a colleague", p, verr)
	case errors.Is(err, booking.ErrStarted), errors.Is(err, booking.ErrWrongState):
		if b, err = a.booking(c); err != nil {
			return err
		}
		return a.cannotChange(c, b, "This place cannot be passed on")
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/bookings/%d?done=substituted", b.ID), fiber.StatusSeeOther)
}

// --- offers and the waiting list ---

func (a *app) offerGone(c *fiber.Ctx, b bookingView) error {
	heading := "This offer has expired or has already been answered"
	if b.Status == booking.Waiting {
		heading = "You are no longer on this waiting list"
	}
	return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
		Heading: heading,
		Links:   []link{{fmt.Sprintf("/bookings/%d", b.ID), "See the booking as it is now"}, {"/my-training", "Go to My training"}},
	})
}

func (a *app) acceptOffer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = a.deps.Bookings.AcceptOffer(c.UserContext(), id)
	switch {
	case errors.Is(err, booking.ErrOfferGone):
		return a.offerGone(c, bookingView{booking.Booking{ID: id}})
	case err != nil:
		return err
	}
	b, err := a.deps.Bookings.Get(c.UserContext(), id)
	switch {
	case err == nil && b.Status == booking.Held:
		return c.Redirect(fmt.Sprintf("/bookings/%d/pay", id), fiber.StatusSeeOther)
	case err == nil && b.Status == booking.AwaitingApproval:
		return c.Redirect(fmt.Sprintf("/bookings/%d?done=awaiting-approval", id), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/bookings/%d?done=accepted", id), fiber.StatusSeeOther)
}

func (a *app) leave(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	err = a.deps.Bookings.Leave(c.UserContext(), b.ID)
	switch {
	case errors.Is(err, booking.ErrWrongState), errors.Is(err, booking.ErrOfferGone):
		return a.offerGone(c, b)
	case err != nil:
		return err
	}
	done := "left"
	if b.Status == booking.Offered {
		done = "declined"
	}
	return c.Redirect(a.afterChange(c, b, done), fiber.StatusSeeOther)
}
