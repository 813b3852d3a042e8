package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/validation"
)

// trainers serves the manager's pages about trainers, a trainer's own
// sessions and their calendar feed.
type trainers struct {
	*app
	trainers *trainer.Service
}

// trainerNotices are the fixed success messages of ?done= on these pages.
var trainerNotices = map[string]string{
	"courses-saved":    "Courses saved",
	"time-off-added":   "Time off added",
	"time-off-removed": "Time off removed",
	"feed-reset":       "Your calendar feed has a new address: the old one no longer works",
}

func (h *trainers) area(c *fiber.Ctx) adminArea {
	a := newAdminArea(c)
	if a.Notice == "" {
		a.Notice = trainerNotices[c.Query("done")]
	}
	return a
}

// --- the manager's pages ---

type adminTrainersPage struct {
	adminArea
	Trainers []trainer.Trainer
	Total    int // everyone holding the role, on every page
	Pages    *pagination
}

func (h *trainers) list(c *fiber.Ctx) error {
	page := pageParam(c)
	list, total, err := h.trainers.List(c.UserContext(), page)
	if err != nil {
		return err
	}
	d := adminTrainersPage{adminArea: h.area(c), Trainers: list, Total: total,
		Pages: paginate("/admin/trainers", nil, page, (total+trainer.PageSize-1)/trainer.PageSize)}
	return h.render(c, fiber.StatusOK, "admin/trainers", "Trainers", d)
}

type adminTrainerPage struct {
	adminArea
	fieldErrors
	Trainer trainer.Trainer
	Courses []trainer.CourseApproval
	TimeOff []trainer.TimeOff
	Form    trainer.TimeOffForm
}

func (h *trainers) show(c *fiber.Ctx) error {
	return h.showTrainer(c, trainer.TimeOffForm{}, nil)
}

func (h *trainers) showTrainer(c *fiber.Ctx, f trainer.TimeOffForm, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := h.trainers.Get(ctx, id)
	if err != nil {
		return err
	}
	d := adminTrainerPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Trainer: t, Form: f}
	if d.Courses, err = h.trainers.CourseApprovals(ctx, id); err != nil {
		return err
	}
	if d.TimeOff, err = h.trainers.ListTimeOff(ctx, id); err != nil {
		return err
	}
	if err := h.auditView(c, account.Manager, audit.View{What: "their trainer page (approved courses and time off)", PersonID: &id}); err != nil {
		return err
	}
	return h.renderForm(c, "admin/trainer", t.Name, d, errs)
}

func (h *trainers) saveCourses(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range c.Request().PostArgs().PeekMulti("course") {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	if err := h.trainers.SetCourses(c.UserContext(), id, ids); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/trainers/%d?done=courses-saved", id), fiber.StatusSeeOther)
}

func (h *trainers) addTimeOff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := trainer.TimeOffForm{
		FromDay: c.FormValue("from-day"), FromMonth: c.FormValue("from-month"), FromYear: c.FormValue("from-year"),
		ToDay: c.FormValue("to-day"), ToMonth: c.FormValue("to-month"), ToYear: c.FormValue("to-year"),
		Reason: c.FormValue(trainer.FieldReason),
	}
	_, err = h.trainers.AddTimeOff(c.UserContext(), id, f)
	var verr *validation.Errors
	var clash *trainer.ClashError
	switch {
	case errors.As(err, &verr):
		return h.showTrainer(c, f, verr)
	case errors.As(err, &clash):
		var v validation.Errors
		v.Add(trainer.FieldFrom+"-day", timeOffClashMessage(clash.Clash))
		return h.showTrainer(c, f, &v)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/trainers/%d?done=time-off-added", id), fiber.StatusSeeOther)
}

// timeOffClashMessage names what the refused time off would overlap.
func timeOffClashMessage(cl trainer.Clash) string {
	switch {
	case cl.SessionID != nil:
		return fmt.Sprintf("This time off overlaps a session they deliver: %s, %s", cl.CourseTitle, when(cl.Start, cl.End))
	case !cl.Start.IsZero():
		t := trainer.TimeOff{Start: cl.Start, End: cl.End}
		return fmt.Sprintf("This time off overlaps time off already recorded, from %s to %s", longDate(t.FirstDay()), longDate(t.LastDay()))
	}
	return "This time off overlaps a session or other time off"
}

func (h *trainers) removeTimeOff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	entry, err := pathID(c, "entryID")
	if err != nil {
		return err
	}
	if err := h.trainers.RemoveTimeOff(c.UserContext(), id, entry); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/trainers/%d?done=time-off-removed", id), fiber.StatusSeeOther)
}

// --- the trainer's own pages ---

type mySessionsPage struct {
	trainer.MySessions
	Notice  string
	FeedURL string
	Pages   *pagination
}

func (h *trainers) mySessions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	past := c.Query("show") == "past"
	s, err := h.trainers.Sessions(ctx, u.ID, past, pageParam(c))
	if err != nil {
		return err
	}
	feed, err := h.feedURL(c)
	if err != nil {
		return err
	}
	d := mySessionsPage{
		MySessions: s,
		Notice:     trainerNotices[c.Query("done")],
		FeedURL:    feed,
		Pages:      paginate("/trainer/sessions", url.Values{"show": {map[bool]string{true: "past"}[past]}}, s.Page, s.PageCount),
	}
	return h.render(c, fiber.StatusOK, "trainer/sessions", "My sessions", d)
}

func (h *trainers) mySession(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	s, err := h.trainers.Session(c.UserContext(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	list, err := h.deps.Bookings.ListSession(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := h.auditView(c, account.Trainer, audit.View{
		What:      "the attendees of " + sessionWords(id, s.CourseTitle, s.Start),
		SessionID: &id, Bookings: entryIDs(list.Confirmed),
	}); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "trainer/session", s.CourseTitle, mySessionPage{Session: s, Attendees: list.Confirmed})
}

// mySessionPage is a session a trainer delivers and who is coming to it.
type mySessionPage struct {
	trainer.Session
	Attendees []booking.Entry
}

// CourseItems are the courses the trainer may be approved for, those they
// are approved for checked.
func (d adminTrainerPage) CourseItems() []choice {
	out := make([]choice, len(d.Courses))
	for i, c := range d.Courses {
		out[i] = choice{Value: strconv.FormatInt(c.CourseID, 10), Text: c.Title, Checked: c.Approved}
	}
	return out
}
