package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

type registerPage struct {
	fieldErrors
	booking.RegisterSheet
	// Marks are the marks as sent, when the form comes back with errors.
	Marks  map[int64]string
	Notice string
	Back   link
}

// Mark is the choice to show as selected for a person.
func (p registerPage) Mark(l booking.RegisterLine) string {
	if p.Marks != nil {
		return p.Marks[l.BookingID]
	}
	return l.Attendance
}

func (a *app) showRegister(c *fiber.Ctx) error {
	return a.renderRegister(c, nil, nil)
}

func (a *app) renderRegister(c *fiber.Ctx, marks map[int64]string, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	sheet, err := a.deps.Bookings.Register(c.UserContext(), id)
	if err != nil {
		return err
	}
	ids := make([]int64, len(sheet.People))
	for i, l := range sheet.People {
		ids[i] = l.BookingID
	}
	if err := a.auditView(c, viewRole(u), audit.View{
		What:      "the register of " + sessionWords(id, sheet.CourseTitle, sheet.StartsAt),
		SessionID: &id, Bookings: ids,
	}); err != nil {
		return err
	}
	d := registerPage{fieldErrors: fieldErrors{errs}, RegisterSheet: sheet, Marks: marks,
		Back: link{fmt.Sprintf("/trainer/sessions/%d", id), "Back to the session"}}
	if u.Has(account.Manager) {
		d.Back.Href = fmt.Sprintf("/admin/sessions/%d", id)
	}
	switch {
	case errs != nil:
	case c.Query("done") == "saved":
		attended, late, absent := sheet.Counts()
		d.Notice = fmt.Sprintf("Register saved: %d attended, %d arrived late, %d absent", attended, late, absent)
	case c.Query("done") == "everyone":
		n, _ := strconv.Atoi(c.Query("marked"))
		if n > 0 {
			d.Notice = fmt.Sprintf("%d %s marked as attended. Change anyone who arrived late or was absent, then save the register", n, plural(n, "person", "people"))
		} else {
			d.Notice = "Everyone already had a mark, so nothing changed"
		}
	}
	return a.renderForm(c, "register/sheet", "Register: "+sheet.CourseTitle, d, errs)
}

func (a *app) takeRegister(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// Each person's choice comes as attendance-<booking ID>; the domain
	// checks every booking of the session has one and no other is sent.
	// shown-<booking ID> is the mark the page showed, so a mark another
	// trainer saved meanwhile is not overwritten by one left unchanged here.
	marks, shown := map[int64]string{}, map[int64]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		into := marks
		rest, ok := strings.CutPrefix(string(k), "attendance-")
		if !ok {
			if rest, ok = strings.CutPrefix(string(k), "shown-"); !ok {
				return
			}
			into = shown
		}
		if b, err := strconv.ParseInt(rest, 10, 64); err == nil && b > 0 {
			into[b] = validation.CleanLine(string(v))
		}
	})
	err = a.deps.Bookings.TakeRegisterSeen(c.UserContext(), id, marks, shown)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return a.renderRegister(c, marks, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/sessions/%d/register?done=saved", id), fiber.StatusSeeOther)
}

// markEveryoneAttended marks everyone without a mark as attended, then shows
// the register again so the trainer can change the exceptions.
func (a *app) markEveryoneAttended(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := a.deps.Bookings.MarkEveryoneAttended(c.UserContext(), id)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return a.renderRegister(c, nil, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/sessions/%d/register?done=everyone&marked=%d", id, n), fiber.StatusSeeOther)
}
