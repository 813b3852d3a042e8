package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/prerequisite"
)

func (a *app) home(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "home", "", nil)
}

func (a *app) staticPage(name, title string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return a.render(c, fiber.StatusOK, name, title, nil)
	}
}

// option is one checkbox of a filter.
type option struct {
	Value, Label, Hint string
	Checked            bool
}

type coursesPage struct {
	Courses   []catalogue.CourseSummary
	Query     string
	Levels    []option
	Audiences []option
	Modes     []option
	Filtered  bool
	Selected  []option // what the list is filtered by, for the results heading
}

// courses lists the catalogue. Filters come from the query string; values
// that mean nothing are ignored rather than refused, because they come from
// links and bookmarks as often as from the form.
func (a *app) courses(c *fiber.Ctx) error {
	args := c.Context().QueryArgs()
	values := func(key string) map[string]bool {
		set := map[string]bool{}
		for _, v := range args.PeekMulti(key) {
			set[string(v)] = true
		}
		return set
	}
	var f catalogue.Filter
	page := coursesPage{Query: catalogue.CleanQuery(string(args.Peek("q")))}
	f.Query = page.Query

	f.Levels, page.Levels, page.Selected = filterOptions(values("level"), catalogue.Levels, page.Selected,
		func(l catalogue.Level) option {
			return option{Value: strconv.Itoa(int(l)), Label: l.Name(), Hint: l.Description()}
		})
	f.Audiences, page.Audiences, page.Selected = filterOptions(values("audience"), catalogue.Audiences, page.Selected,
		func(au catalogue.Audience) option { return option{Value: string(au), Label: au.Label()} })
	f.Modes, page.Modes, page.Selected = filterOptions(values("mode"), catalogue.DeliveryModes, page.Selected,
		func(m catalogue.DeliveryMode) option { return option{Value: string(m), Label: m.Label()} })
	page.Filtered = !f.Empty()

	courses, err := a.deps.Catalogue.ListCourses(c.UserContext(), f)
	if err != nil {
		return err
	}
	page.Courses = courses
	return a.render(c, fiber.StatusOK, "courses/index", "Courses", page)
}

// filterOptions turns every possible value of one filter into a checkbox,
// ticked when the request chose it; it returns the chosen values, the
// checkboxes, and selected with the ticked ones added.
func filterOptions[T any](chosen map[string]bool, all []T, selected []option, toOption func(T) option) ([]T, []option, []option) {
	var picked []T
	opts := make([]option, 0, len(all))
	for _, v := range all {
		o := toOption(v)
		o.Checked = chosen[o.Value]
		if o.Checked {
			picked = append(picked, v)
			selected = append(selected, o)
		}
		opts = append(opts, o)
	}
	return picked, opts, selected
}

type coursePage struct {
	Course   catalogue.Course
	Sessions []catalogue.Session
	Price    payment.PriceView // for the viewer's agency, or by band
	// Requires are the courses to complete before booking this one.
	Requires []prerequisite.Requirement
}

func (a *app) course(c *fiber.Ctx) error {
	slug, err := url.PathUnescape(c.Params("slug"))
	if err != nil || len(slug) > 100 {
		return fiber.ErrNotFound
	}
	course, sessions, err := a.deps.Catalogue.CourseWithSessions(c.UserContext(), strings.ToValidUTF8(slug, ""))
	if err != nil {
		return err
	}
	var agencyID *int64
	if u := currentUser(c); u != nil {
		agencyID = u.AgencyID
	}
	price, err := a.deps.Payments.PriceForViewer(c.UserContext(), course.ID, agencyID)
	if err != nil {
		return err
	}
	requires, err := a.deps.Prerequisites.Requires(c.UserContext(), course.ID)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "courses/show", course.Title, coursePage{Course: course, Sessions: sessions, Price: price, Requires: requires})
}

func (a *app) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

func (a *app) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.deps.Ready(ctx); err != nil {
		a.log.WarnContext(ctx, "not ready", "error", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ok")
}
