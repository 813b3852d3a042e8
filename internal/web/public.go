package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/partnership"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/prerequisite"
)

// homePage is the front page's data: with more than one partnership (HIPS),
// each partnership and the way to its courses.
type homePage struct {
	Partnerships []partnership.Partnership
}

func (a *app) home(c *fiber.Ctx) error {
	var d homePage
	if all := a.allPartnerships(c); len(all) > 1 {
		d.Partnerships = all
	}
	return a.render(c, fiber.StatusOK, "home", "", d)
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
	Courses []catalogue.CourseSummary
	Query   string
	// Partnerships to search within, when the service serves more than
	// one; the courses then say whose each is.
	Partnerships []option
	Levels       []option
	Audiences    []option
	Modes        []option
	Filtered     bool
	Selected     []option // what the list is filtered by, for the results heading
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

	all := a.allPartnerships(c)
	if len(all) > 1 {
		var within []partnership.Partnership
		within, page.Partnerships, page.Selected = filterOptions(values("partnership"), all, page.Selected,
			func(p partnership.Partnership) option { return option{Value: p.Slug, Label: p.ShortName} })
		for _, p := range within {
			f.Partnerships = append(f.Partnerships, p.ID)
		}
	}
	f.Levels, page.Levels, page.Selected = filterOptions(values("level"), catalogue.Levels, page.Selected,
		func(l catalogue.Level) option {
			return option{Value: strconv.Itoa(int(l)), Label: l.Name(), Hint: l.Description()}
		})
	f.Audiences, page.Audiences, page.Selected = filterOptions(values("audience"), catalogue.Audiences, page.Selected,
		func(au catalogue.Audience) option { return option{Value: string(au), Label: au.Label()} })
	f.Modes, page.Modes, page.Selected = filterOptions(values("mode"), catalogue.DeliveryModes, page.Selected,
		func(m catalogue.DeliveryMode) option { return option{Value: string(m), Label: m.Label()} })
	page.Filtered = !f.Empty()

	// The page is the query and the ticked options: in the options' own
	// order, however the address listed them.
	var key strings.Builder
	key.WriteString(strconv.Itoa(len(all)) + "\x00" + page.Query)
	for _, o := range page.Selected {
		key.WriteString("\x00" + o.Value)
	}
	return a.servePublic(c, key.String(), "courses/index", func(ctx context.Context) (string, publicPage, error) {
		courses, err := a.deps.Catalogue.ListCourses(ctx, f)
		if err != nil {
			return "", nil, err
		}
		page.Courses = courses
		return "Courses", page, nil
	})
}

func (p coursesPage) places() map[int64]int {
	m := make(map[int64]int, len(p.Courses))
	for _, c := range p.Courses {
		if c.Next != nil {
			m[c.Next.SessionID] = c.Next.PlacesLeft
		}
	}
	return m
}

func (p coursesPage) withPlaces(places map[int64]int) publicPage {
	p.Courses = slices.Clone(p.Courses)
	for i, c := range p.Courses {
		if c.Next == nil {
			continue
		}
		if n, ok := places[c.Next.SessionID]; ok {
			next := *c.Next
			next.PlacesLeft = n
			p.Courses[i].Next = &next
		}
	}
	return p
}

func (p coursesPage) changesAt() time.Time { return catalogue.ListChangesAt(p.Courses) }

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
	Course catalogue.Course
	// Several partnerships are served: the page says whose course it is.
	SeveralPartnerships bool
	Sessions            []catalogue.Session
	Price               payment.PriceView // for the viewer's agency, or by band
	// Requires are the courses to complete before booking this one.
	Requires []prerequisite.Requirement
}

func (a *app) course(c *fiber.Ctx) error {
	slug, err := url.PathUnescape(c.Params("slug"))
	if err != nil || len(slug) > 100 {
		return fiber.ErrNotFound
	}
	slug = strings.ToValidUTF8(slug, "")
	// The page shows a signed-in person their agency's price: one page per
	// agency, holding nothing else of theirs.
	var agencyID *int64
	key := "-"
	if u := currentUser(c); u != nil && u.AgencyID != nil {
		agencyID = u.AgencyID
		key = strconv.FormatInt(*agencyID, 10)
	}
	several := len(a.allPartnerships(c)) > 1
	if several {
		key += "+"
	}
	return a.servePublic(c, key, "courses/show", func(ctx context.Context) (string, publicPage, error) {
		course, sessions, err := a.deps.Catalogue.CourseWithSessions(ctx, slug)
		if err != nil {
			return "", nil, err
		}
		price, err := a.deps.Payments.PriceForViewer(ctx, course.ID, agencyID)
		if err != nil {
			return "", nil, err
		}
		requires, err := a.deps.Prerequisites.Requires(ctx, course.ID)
		if err != nil {
			return "", nil, err
		}
		return course.Title, coursePage{Course: course, SeveralPartnerships: several, Sessions: sessions, Price: price, Requires: requires}, nil
	})
}

func (p coursePage) places() map[int64]int {
	m := make(map[int64]int, len(p.Sessions))
	for _, s := range p.Sessions {
		m[s.ID] = s.PlacesLeft
	}
	return m
}

func (p coursePage) withPlaces(places map[int64]int) publicPage {
	p.Sessions = slices.Clone(p.Sessions)
	for i, s := range p.Sessions {
		if n, ok := places[s.ID]; ok {
			p.Sessions[i].PlacesLeft = n
		}
	}
	return p
}

func (p coursePage) changesAt() time.Time { return catalogue.SessionsChangeAt(p.Sessions) }

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
