package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// Two reports pass axe-core at a desktop's width and at 320 pixels, where
// nothing scrolls sideways; printed, the manager's navigation and the
// period form are left out. Full-page screenshots of each are kept (their
// paths are in the test's log) to be looked at.
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	base := listen(t, f.testApp)

	b := browsertest.New(t)
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024)))
	signInBrowser(t, b, base, "reports@example.org")
	dir := t.TempDir()
	if d, err := os.MkdirTemp("", "reports-screens-"); err == nil {
		dir = d
	}
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(b, chromedp.FullScreenshot(100)) // 100 makes a PNG
		require.NoError(t, err)
		path := filepath.Join(dir, name+".png")
		require.NoError(t, os.WriteFile(path, buf, 0o644))
		t.Logf("screenshot %s", path)
	}

	pages := []string{"/admin/reports/delivery?year=2021", "/admin/reports/contribution?year=2021"}
	browsertest.Navigate(t, b, base+"/admin/reports?year=2021")
	checkPage(t, b)
	shot("index-desktop")
	for i, p := range pages {
		browsertest.Navigate(t, b, base+p)
		checkPage(t, b)
		shot([]string{"delivery", "contribution"}[i] + "-desktop")
	}
	// A bad period: the error summary, and still accessible.
	browsertest.Navigate(t, b, base+"/admin/reports/delivery?period=dates&from-day=31&from-month=2&from-year=2022")
	checkPage(t, b)
	assert.Equal(t, "There is a problem", text(t, b, ".govuk-error-summary__title"))

	// Printed: no navigation, no form, the chart and the tables kept.
	browsertest.Navigate(t, b, base+pages[0])
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	require.NoError(t, chromedp.Do(b, media("print")))
	hidden, err := chromedp.Run(b, chromedp.Evaluate[[]bool](`[
		getComputedStyle(document.querySelector('nav[aria-label="Manage"]').parentElement).display === 'none',
		getComputedStyle(document.querySelector('#period-form').closest('details')).display === 'none',
		getComputedStyle(document.querySelector('.govuk-header') || document.body).display === 'none' || !document.querySelector('.govuk-header'),
		getComputedStyle(document.querySelector('.app-chart')).display !== 'none',
		document.querySelector('#table-by-month').getBoundingClientRect().width <= document.documentElement.clientWidth,
	]`))
	require.NoError(t, err)
	assert.Equal(t, []bool{true, true, true, true, true}, hidden, "printed: navigation, form and header hidden; chart shown; tables fit")
	shot("delivery-print")
	require.NoError(t, chromedp.Do(b, media("")))

	// At 320 pixels.
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(browsertest.NarrowWidth, 800)))
	for i, p := range pages {
		fitsNarrowScreen(t, b, base, p)
		shot([]string{"delivery", "contribution"}[i] + "-narrow")
	}
	fitsNarrowScreen(t, b, base, "/admin/reports?year=2021")
	shot("index-narrow")

	// The chart's text, scaled with the drawing, is still readable at 320
	// pixels (at least 15 pixels high), and no bigger than the page's
	// headings on a desktop.
	browsertest.Navigate(t, b, base+pages[0])
	require.NoError(t, chromedp.Do(b, chromedp.ScrollIntoView(chromedp.CSS("#chart-fill"))))
	browsertest.Screenshot(t, b, "narrow chart")
	textHeight := func() float64 {
		h, err := chromedp.Run(b, chromedp.Evaluate[float64](`document.querySelector('#chart-fill .app-chart__label').getBoundingClientRect().height`))
		require.NoError(t, err)
		return h
	}
	assert.GreaterOrEqual(t, textHeight(), 15.0, "the chart's text at 320px")
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024)))
	browsertest.Navigate(t, b, base+pages[0])
	assert.LessOrEqual(t, textHeight(), 30.0, "the chart's text on a desktop")
}

// The evaluation report, with answers, passes axe at a desktop's width and
// at 320 pixels; its screenshots are kept to be looked at.
func TestBrowserEvaluationReport(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	f.addEvaluations(t)
	base := listen(t, f.testApp)
	b := browsertest.New(t)
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024)))
	signInBrowser(t, b, base, "reports@example.org")
	browsertest.Navigate(t, b, base+"/admin/reports/evaluation?year=2021")
	checkPage(t, b)
	assert.Equal(t, "2", text(t, b, "#table-courses tbody tr:first-child td:nth-child(3)"), "answered, in the table")
	browsertest.Screenshot(t, b, "evaluation report")
	browsertest.Navigate(t, b, base+"/admin/reports/pack?year=2021")
	checkPage(t, b)
	browsertest.Screenshot(t, b, "the board's pack")
	browsertest.Navigate(t, b, base+"/admin/reports/evaluation?year=2021")
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(browsertest.NarrowWidth, 800)))
	fitsNarrowScreen(t, b, base, "/admin/reports/evaluation?year=2021")
	browsertest.Screenshot(t, b, "evaluation report, narrow")
}
