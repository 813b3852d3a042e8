// Package browsertest is the support code of the browser tests. It starts
// Debian's headless Chromium, opens one tab per test, and checks the page in
// the tab: with axe-core for WCAG 2.2 level A and AA violations, and for
// errors in the browser console (console.error, uncaught exceptions and
// Content-Security-Policy violations).
//
// A test looks like this:
//
//	func TestHomePage(t *testing.T) {
//		t.Parallel()
//		ctx := browsertest.New(t)
//		browsertest.Navigate(t, ctx, srv.URL+"/")
//		browsertest.CheckAccessibility(t, ctx)
//		browsertest.CheckNoConsoleErrors(t, ctx)
//	}
//
// The browser is the chromium command of Debian. Run .ci/ensure-chromium to
// install it. A missing browser fails the test; it never skips it.
package browsertest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// startTimeout limits the start of the browser.
	startTimeout = 60 * time.Second
	// closeTimeout limits the graceful close of the browser.
	closeTimeout = 10 * time.Second
	// axeTimeout limits one axe run.
	axeTimeout = 2 * time.Minute
	// maxNodesShown is how many elements CheckAccessibility shows per violation.
	maxNodesShown = 3
)

// ChromiumPath returns the path of Debian's chromium, or an error that says
// how to install it.
func ChromiumPath() (string, error) {
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	const fallback = "/usr/bin/chromium"
	if fi, err := os.Stat(fallback); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return fallback, nil
	}
	return "", errors.New("headless Chromium is not installed: run .ci/ensure-chromium " +
		"(as root it installs Debian's chromium package; otherwise run: sudo apt-get install chromium)")
}

// The size of the browser's window, which every tab starts with.
const windowWidth, windowHeight = 1280, 1024

// New starts a fresh headless Chromium for the test and returns the context
// of its only tab. Pass the context to chromedp actions and to the other
// funcs of this package. Each call starts its own browser, with its own
// temporary profile, so tests that call New can run in parallel and share no
// cookies or storage. t.Cleanup closes the browser; when the test failed, it
// first saves a screenshot of the tab and logs its path.
//
// New fails the test (never skips it) when Chromium is missing or does not
// start.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := ChromiumPath()
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		// The tests run as root, and Chromium needs --no-sandbox as root.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The machine has no network. Without these flags Chromium keeps
		// trying to reach Google's services, and its connections are refused.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.WindowSize(windowWidth, windowHeight),
		// No UserDataDir: chromedp then makes a fresh temporary profile for
		// each browser, and at the end it kills Chromium's leftover child
		// processes and removes the profile with retries. A t.TempDir()
		// profile can fail the test in its cleanup, when a child process
		// of Chromium still writes to it.
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)

	tb := &tab{}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(tb.listen))
	ctx = context.WithValue(ctx, tabKey{}, tb)

	// Start the browser. The first Run binds the life of the browser to its
	// context, so it must be ctx itself and not a context with a timeout;
	// the timer below limits the start instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	var startErr error
	select {
	case startErr = <-started:
	case <-time.After(startTimeout):
		startErr = fmt.Errorf("the browser did not start within %v", startTimeout)
	}
	if startErr != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("browsertest: starting %s: %v (run .ci/ensure-chromium to check the browser)", path, startErr)
	}

	t.Cleanup(func() {
		if t.Failed() {
			saveFailureScreenshot(t, ctx)
		}
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// NewTab opens another tab in the browser of ctx, which must come from New,
// and returns its context. The tab has its own browser context, like a
// private window: it shares no cookies or storage with the other tabs, so a
// test can act as two users at once. Tabs of one browser can be used in
// parallel (for example by parallel subtests that each call NewTab with
// their own t), which saves the start of a browser per test. t.Cleanup
// closes the tab.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	if parent, _ := ctx.Value(tabKey{}).(*tab); parent == nil {
		t.Fatalf("browsertest: NewTab needs a context from browsertest.New")
	}
	tb := &tab{}
	tabCtx, cancel := chromedp.NewContext(ctx,
		chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	tabCtx = context.WithValue(tabCtx, tabKey{}, tb)
	if err := chromedp.Do(tabCtx); err != nil {
		cancel()
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveFailureScreenshot(t, tabCtx)
		}
		cancel()
	})
	return tabCtx
}

// Navigate loads url in the tab and waits for the load event. It fails the
// test when the page cannot load (for example, the connection is refused),
// but not for an HTTP error status: the test can check the returned response.
func Navigate(t testing.TB, ctx context.Context, rawURL string) *network.Response {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(rawURL))
	if err != nil {
		t.Fatalf("browsertest: navigating to %s: %v", rawURL, err)
	}
	return resp
}
