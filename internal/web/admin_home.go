package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/report"
)

// --- the training manager's home: what needs doing ---

// homeItem is one kind of thing to do: how many, and where it is done.
type homeItem struct {
	ID    string // the element's id, for tests and links
	Count int
	Text  string // what is counted, after the number ("training requests waiting for an answer")
	Href  string
	// Overdue is how many of Count are past their target, shown as a tag.
	Overdue int
	Hint    string // where the link leads, when it shows more than what is counted
}

type adminHomePage struct {
	adminArea
	ToDo    report.ToDo
	Waiting []homeItem // something to do: listed first, prominently
	Clear   []homeItem // nothing to do: listed quietly, collapsed
}

// homeItems turns the counts into the page's list, each linked to the page
// where it is done (filtered where that page has a filter for it).
func homeItems(t report.ToDo) []homeItem {
	return []homeItem{
		{ID: "requests", Count: t.RequestsWaiting, Overdue: t.RequestsOverdue,
			Text: plural(t.RequestsWaiting, "training request waiting for an answer", "training requests waiting for an answer"),
			Href: "/admin/training-requests?status=submitted",
			Hint: fmt.Sprintf("The target is an answer within %d working %s.", t.ResponseDays, plural(t.ResponseDays, "day", "days"))},
		{ID: "registers", Count: t.RegistersNotTaken,
			Text: plural(t.RegistersNotTaken, "register not taken for a session that has ended", "registers not taken for sessions that have ended"),
			Href: "/admin/sessions?when=past", Hint: "Past sessions, most recent first: open each to take its register."},
		{ID: "charges", Count: t.ChargesToDecide,
			Text: plural(t.ChargesToDecide, "non-attendance or late cancellation charge to decide", "non-attendance or late cancellation charges to decide"),
			Href: "/admin/sessions?when=past", Hint: "Past sessions: open each one’s charges to charge or waive."},
		{ID: "no-trainer", Count: t.SessionsWithoutTrainer,
			Text: plural(t.SessionsWithoutTrainer, "session to come with no trainer", "sessions to come with no trainer"),
			Href: "/admin/sessions", Hint: "Upcoming sessions: each says who delivers it, or “no trainer”."},
		{ID: "under-half-full", Count: t.SessionsUnderHalfFull,
			Text: plural(t.SessionsUnderHalfFull, "session in the next two weeks less than half full", "sessions in the next two weeks less than half full"),
			Href: "/admin/sessions?status=published", Hint: "Upcoming published sessions, with the places booked on each."},
		{ID: "offers", Count: t.OffersLapsing,
			Text: plural(t.OffersLapsing, "waiting-list offer lapsing within 24 hours", "waiting-list offers lapsing within 24 hours"),
			Href: "/admin/sessions", Hint: "Upcoming sessions: open a session’s bookings to see its offers."},
		{ID: "holds", Count: t.HoldsLapsing,
			Text: plural(t.HoldsLapsing, "place held for payment lapsing within 24 hours", "places held for payment lapsing within 24 hours"),
			Href: "/admin/sessions", Hint: "Upcoming sessions: open a session’s bookings to see its held places."},
		{ID: "organisations", Count: t.OrganisationsToConfirm,
			Text: plural(t.OrganisationsToConfirm, "organisation to confirm", "organisations to confirm"),
			Href: "/admin/organisations"},
		{ID: "agency-changes", Count: t.AgencyChangesToConfirm,
			Text: plural(t.AgencyChangesToConfirm, "change of organisation to confirm", "changes of organisation to confirm"),
			Href: "/admin/agency-changes"},
		{ID: "prior-learning", Count: t.PriorLearningToDecide,
			Text: plural(t.PriorLearningToDecide, "claim of training done elsewhere to decide", "claims of training done elsewhere to decide"),
			Href: "/admin/prior-learning"},
		{ID: "emails", Count: t.EmailsFailed,
			Text: plural(t.EmailsFailed, "email that could not be delivered in the last 30 days", "emails that could not be delivered in the last 30 days"),
			Href: "/admin/emails?status=failed"},
		{ID: "jobs", Count: t.JobsFailed,
			Text: plural(t.JobsFailed, "background task that failed", "background tasks that failed"),
			Href: "/admin/attention"},
	}
}

// adminHome is where a training manager starts the day.
func (a *app) adminHome(c *fiber.Ctx) error {
	todo, err := a.deps.Reports.Home(c.UserContext())
	if err != nil {
		return err
	}
	d := adminHomePage{adminArea: newAdminArea(c), ToDo: todo}
	for _, it := range homeItems(todo) {
		if it.Count > 0 {
			d.Waiting = append(d.Waiting, it)
		} else {
			d.Clear = append(d.Clear, it)
		}
	}
	return a.render(c, fiber.StatusOK, "admin/home", "What needs doing", d)
}
