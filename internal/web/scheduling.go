package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

func (a *app) scheduler() *scheduling.Service { return a.deps.Scheduler }

func int64Value(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// --- one session ---

type sessionPage struct {
	adminArea
	Session  scheduling.Session
	Errors   fieldErrors
	Reason   string
	Warnings []string
	Waiting  int  // people on the waiting list, for the link to the bookings
	Ended    bool // it can be marked as delivered once it has ended
}

func (a *app) sessionPageFor(c *fiber.Ctx, se scheduling.Session) sessionPage {
	return sessionPage{adminArea: newAdminArea(c), Session: se, Ended: !se.EndsAt.After(a.deps.Now())}
}

func (a *app) sessionShow(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	se, err := a.scheduler().Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := a.sessionPageFor(c, se)
	if d.Waiting, err = a.waitingFor(c, se.ID); err != nil {
		return err
	}
	d.Notice = sessionNotices[c.Query("done")]
	if c.Query("warn") == "agency" {
		d.Warnings = []string{"Both trainers come from the same agency: multi-agency courses are usually delivered by trainers from different agencies."}
	}
	return a.render(c, fiber.StatusOK, "admin/sessions/show", se.CourseTitle, d)
}

var sessionNotices = map[string]string{
	"created":   "Session scheduled as a draft: publish it when it is ready to book",
	"series":    "Series scheduled as drafts",
	"changed":   "Session changed",
	"published": "Session published: people can now book it",
	"completed": "Session marked as delivered",
	"cancelled": "Session cancelled",
}

// sessionAction publishes a draft or marks a session delivered.
func (a *app) sessionAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, svc := c.UserContext(), a.scheduler()
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		switch action {
		case "publish":
			err = svc.Publish(ctx, id)
		case "complete":
			err = svc.Complete(ctx, id)
		}
		if err == nil {
			done := map[string]string{"publish": "published", "complete": "completed"}[action]
			return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=%s", id, done), fiber.StatusSeeOther)
		}
		if !errors.Is(err, scheduling.ErrWrongState) && !errors.Is(err, scheduling.ErrNotEnded) {
			return err
		}
		se, gerr := svc.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		var message string
		switch {
		case errors.Is(err, scheduling.ErrNotEnded):
			message = fmt.Sprintf("This session has not ended yet: you can mark it as delivered from %s on %s",
				clock(se.EndsAt), longDate(se.EndsAt))
		case action == "complete":
			message = fmt.Sprintf("This session is %s: only a published session that has ended can be marked as delivered", statusLabel(se.Status))
		case se.Status == catalogue.SessionDraft:
			message = "This session has already started, so it can no longer be published"
		default:
			message = fmt.Sprintf("This session is %s, so it cannot be published", statusLabel(se.Status))
		}
		verr := refusal("status", message)
		d := a.sessionPageFor(c, se)
		d.Errors = fieldErrors{verr}
		d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
		return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
	}
}

// --- cancelling a session: first what it will do, then the reason ---

type sessionCancelPage struct {
	adminArea
	fieldErrors
	Session scheduling.Session
	Effect  booking.SessionCancellation
	Reason  string
}

func (a *app) sessionCancelPage(c *fiber.Ctx, reason string, errs *validation.Errors) error {
	ctx := c.UserContext()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	se, err := a.scheduler().Get(ctx, id)
	if err != nil {
		return err
	}
	if se.Status != catalogue.SessionDraft && se.Status != catalogue.SessionPublished {
		return c.Redirect(fmt.Sprintf("/admin/sessions/%d", se.ID), fiber.StatusSeeOther)
	}
	effect, err := a.deps.Bookings.SessionCancellation(ctx, se.ID)
	if err != nil {
		return err
	}
	d := sessionCancelPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Session: se, Effect: effect, Reason: reason}
	return a.renderForm(c, "admin/sessions/cancel", "Cancel "+se.CourseTitle, d, errs)
}

func (a *app) sessionCancelForm(c *fiber.Ctx) error { return a.sessionCancelPage(c, "", nil) }

func (a *app) sessionCancel(c *fiber.Ctx) error {
	ctx, svc := c.UserContext(), a.scheduler()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	// The page said who would be told and refunded: if that changed while it
	// was open, show the new numbers before cancelling.
	if told, refunds := c.FormValue("told"), c.FormValue("refunds"); told != "" || refunds != "" {
		now, err := a.deps.Bookings.SessionCancellation(ctx, id)
		if err != nil {
			return err
		}
		if told != strconv.Itoa(now.Told()) || refunds != strconv.Itoa(now.Refunds) {
			return a.sessionCancelPage(c, reason, refusal("", "The bookings changed while this page was open: check who will be told and refunded now, then cancel again"))
		}
	}
	err = svc.Cancel(ctx, id, strings.TrimSpace(reason))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return a.sessionCancelPage(c, reason, verr)
	case errors.Is(err, scheduling.ErrWrongState):
		se, gerr := svc.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		verr = refusal("status", fmt.Sprintf("This session is %s, so it cannot be cancelled", statusLabel(se.Status)))
		d := a.sessionPageFor(c, se)
		d.Errors = fieldErrors{verr}
		d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
		return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=cancelled", id), fiber.StatusSeeOther)
}

// statusLabel words a session's status to end a sentence ("This session
// is a draft").
func statusLabel(s catalogue.SessionStatus) string {
	if s == catalogue.SessionDraft {
		return "a draft"
	}
	return strings.ToLower(catalogue.SessionStatusWords(s))
}
