package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
)

// The places-per-agency pages at 320 pixels pass axe and fit the screen:
// the course's caps (and its form shown again with errors), the session's
// list with each agency's share, adding a person past a cap, and the
// booking form of someone whose agency holds its share.
func TestBrowserPlacesPerAgencyPagesFitAndAreAccessible(t *testing.T) {
	t.Parallel()
	w, base := serveAdmin(t)
	ctx := context.Background()
	session := w.addSession(t, 10, 20*24*time.Hour, 3*24*time.Hour)
	capSession(t, w.testApp, session, 1, w.clock.Now().Add(10*24*time.Hour))
	svc := booking.New(w.pool, nil, nil, "", w.clock.Now, nil)
	first := w.newUser(t, "first@example.org", otherAgency)
	_, err := svc.Book(actor.With(ctx, actor.Actor{ID: first}), booking.Request{SessionID: session, PersonID: first,
		Details: booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}})
	require.NoError(t, err)
	var course int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT course_id FROM sessions WHERE id = $1", session).Scan(&course))

	boss := narrowTab(t, base, "manager@example.org")
	capsPath := fmt.Sprintf("/admin/courses/%d/caps", course)
	fitsNarrowScreen(t, boss, base, capsPath)
	require.NoError(t, chromedp.Do(boss, chromedp.SetValue(chromedp.CSS("#agency-cap"), "999")))
	submitExpecting(t, boss, `main form button[type=submit]`, 422)
	assert.Contains(t, text(t, boss, ".govuk-error-summary"), "cannot be more than the course’s")
	checkPage(t, boss)
	fitsNarrowScreen(t, boss, base, fmt.Sprintf("/admin/sessions/%d/bookings", session))
	assert.Contains(t, text(t, boss, "#shares + p"), "one agency may hold up to 1 place")
	fitsNarrowScreen(t, boss, base, fmt.Sprintf("/admin/sessions/%d/bookings/add", session))
	fitsNarrowScreen(t, boss, base, fmt.Sprintf("/admin/sessions/%d/edit", session))

	pat := narrowTab(t, base, "practitioner@example.org")
	fitsNarrowScreen(t, pat, base, fmt.Sprintf("/sessions/%d/book", session))
	assert.Contains(t, text(t, pat, "#why-waiting"), "each agency may hold 1 of its places")
	assert.Equal(t, "Join the waiting list", text(t, pat, "h1"))
}
