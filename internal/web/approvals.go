package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// A line manager's answer to a request to approve a booking, through the
// link emailed to them: it needs no account, shows only that request, and
// its token is the secret (checked by booking; never logged). The pages
// send no referrer and are not cached, as the follow-up link's are
// (lineManagerPage).

type approvalPage struct {
	fieldErrors
	Request booking.ApprovalRequest
	Action  string
	Reason  string
}

const approvalTitle = "Approve a place on safeguarding training"

func (a *app) approvalForm(c *fiber.Ctx) error {
	if err := a.lineManagerPage(c); err != nil {
		return err
	}
	token := c.Params("token")
	r, err := a.deps.Bookings.ApprovalByToken(c.UserContext(), token)
	if err != nil {
		return a.approvalRefusal(c, err)
	}
	p := approvalPage{Request: r, Action: booking.ApprovalPath(token)}
	if !r.Open {
		return a.approvalClosed(c, r, c.Query("done"))
	}
	return a.render(c, fiber.StatusOK, "approvals/show", approvalTitle, p)
}

func (a *app) approvalSubmit(c *fiber.Ctx) error {
	if err := a.lineManagerPage(c); err != nil {
		return err
	}
	token := c.Params("token")
	r, err := a.deps.Bookings.ApprovalByToken(c.UserContext(), token)
	if err != nil {
		return a.approvalRefusal(c, err)
	}
	ctx := c.UserContext()
	if !actor.From(ctx).SignedIn() {
		// No account: the audit keeps where the answer came from.
		ctx = actor.With(ctx, actor.Actor{IP: a.clientIP(c)})
	} else {
		// Whoever is signed in on this browser is not the one answering:
		// the link is, so the answer is recorded as the link's.
		ctx = actor.With(ctx, actor.Actor{IP: actor.From(ctx).IP})
	}
	d := booking.Decision(c.FormValue("decision"))
	reason := c.FormValue("reason")
	err = a.deps.Bookings.AnswerApproval(ctx, token, d, reason)
	var v *validation.Errors
	switch {
	case err == nil:
		return c.Redirect(booking.ApprovalPath(token)+"?done="+string(d), fiber.StatusSeeOther)
	case errors.As(err, &v):
		return a.renderForm(c, "approvals/show", approvalTitle,
			approvalPage{fieldErrors: fieldErrors{v}, Request: r, Action: booking.ApprovalPath(token), Reason: reason}, v)
	case errors.Is(err, booking.ErrApprovalAnswered), errors.Is(err, booking.ErrApprovalExpired),
		errors.Is(err, booking.ErrApprovalWithdrawn):
		return c.Redirect(booking.ApprovalPath(token), fiber.StatusSeeOther)
	default:
		return a.approvalRefusal(c, err)
	}
}

// approvalClosed is the page of a request that can no longer be answered:
// answered (just now, when done says how), expired or withdrawn.
func (a *app) approvalClosed(c *fiber.Ctx, r booking.ApprovalRequest, done string) error {
	switch {
	case r.Decided && done == string(r.Decision) && r.Decision == booking.Approve:
		return a.message(c, fiber.StatusOK, "Place approved", messagePage{Success: true, Paragraphs: []string{
			"Thank you. We have told " + r.PersonName + " that you approved their place on " + r.CourseTitle + ".",
			"We have sent you an email to confirm it. Nothing else is needed from you.",
		}})
	case r.Decided && done == string(r.Decision):
		return a.message(c, fiber.StatusOK, "Place declined", messagePage{Success: true, Paragraphs: []string{
			"We have told " + r.PersonName + " that you declined their place on " + r.CourseTitle + ", with your reason, " +
				"and offered the place to someone else.",
		}})
	case r.Decided:
		return a.message(c, fiber.StatusConflict, "This request has already been answered", messagePage{Paragraphs: []string{
			"The place for " + r.PersonName + " on " + r.CourseTitle + " was " + decidedWord(r.Decision) +
				" already, so this link cannot change it.",
			"If the answer is wrong, contact the training team.",
		}})
	case r.Withdrawn:
		return a.message(c, fiber.StatusConflict, "This booking has been cancelled", messagePage{Paragraphs: []string{
			"The booking for " + r.PersonName + " on " + r.CourseTitle + " was cancelled before you answered, so there is nothing to approve.",
		}})
	}
	return a.message(c, fiber.StatusConflict, "This request has expired", messagePage{Paragraphs: []string{
		"The time to answer ended at " + clock(r.ExpiresAt) + " on " + longDate(r.ExpiresAt) + ", so the place has been released " +
			"and " + r.PersonName + " has been told.",
		"They can book again while places are left, and you will get a new request then.",
	}})
}

func decidedWord(d booking.Decision) string {
	if d == booking.Approve {
		return "approved"
	}
	return "declined"
}

// approvalRefusal says plainly why a link does not open a request.
func (a *app) approvalRefusal(c *fiber.Ctx, err error) error {
	if errors.Is(err, booking.ErrApprovalUnknown) {
		return a.message(c, fiber.StatusNotFound, "This link does not work", messagePage{Paragraphs: []string{
			"Check that you used the whole link from the email: it is long, and some email programs break it over two lines.",
			"Links stop working once the request has been answered or has expired. Nothing else is needed from you.",
		}})
	}
	return err
}

// approveForLineManager is a training manager approving a place that waits
// for approval on its line manager's behalf (they asked by phone, say), from
// the session's list; audited as the manager's. A request answered, expired
// or withdrawn meanwhile is refused with a page that says which.
func (a *app) approveForLineManager(c *fiber.Ctx) error {
	d, err := a.listedBooking(c)
	if err != nil {
		return err
	}
	if err := a.deps.Bookings.ConfirmForLineManager(c.UserContext(), d.Booking.ID, booking.Approve, ""); err != nil {
		return err
	}
	return c.Redirect(listDone(d.Session, "approved"), fiber.StatusSeeOther)
}
