package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The line manager's approval page passes axe-core and fits a 320px
// screen, with its error; so do the person's booking waiting for approval
// and the agency's setting shown again with its error.
func TestBrowserApprovalPages(t *testing.T) {
	t.Parallel()
	a := setup(t)
	base := listen(t, a)
	_, booking, token := a.bookForApproval(t, 2)

	lm := narrowTab(t, base, "")
	fitsNarrowScreen(t, lm, base, "/approvals/"+token)
	assert.Equal(t, "Approve Asker Tester’s place on safeguarding training", text(t, lm, "h1"))
	submitExpecting(t, lm, `main form button.govuk-button--warning`, 422)
	checkPage(t, lm)
	fitsNarrowScreenAnswering(t, lm, base, "/approvals/made-up", 404)
	assert.Equal(t, "This link does not work", text(t, lm, "h1"))

	own := narrowTab(t, base, "asker@example.org")
	fitsNarrowScreen(t, own, base, fmt.Sprintf("/bookings/%d", booking))
	fitsNarrowScreen(t, own, base, "/my-training")
	fitsNarrowScreen(t, own, base, fmt.Sprintf("/bookings/%d/cancel", booking))

	boss := narrowTab(t, base, "boss@example.org")
	fitsNarrowScreen(t, boss, base, fmt.Sprintf("/admin/agencies/%d", a.agencyID(t, approvalAgency)))
	require.NoError(t, chromedp.Do(boss, chromedp.SetValue(chromedp.CSS("#approval-hours"), "999")))
	submitExpecting(t, boss, `form[action$="/approval"] button[type=submit]`, 422)
	checkPage(t, boss)

	// Approved, the link shows its answer.
	fitsNarrowScreen(t, lm, base, "/approvals/"+token)
	submitExpecting(t, lm, `main form button.govuk-button:not(.govuk-button--warning)`, 200)
	checkPage(t, lm)
	assert.Equal(t, "Place approved", text(t, lm, "h1"))
}
