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
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1's axe.min.js, from the npm package axe-core@4.14.1
// (npm install axe-core@4.14.1; node_modules/axe-core/axe.min.js), MPL-2.0: see AXE_LICENSE.
//
//go:embed axe.min.js
var axeSource string

// axeVersion is the version of axeSource. CheckAccessibility injects axe again
// when the page has another version (or none).
const axeVersion = "4.14.1"

// WCAGTags are the axe-core tags that CheckAccessibility runs: the rules for
// WCAG 2.0, 2.1 and 2.2 at levels A and AA.
var WCAGTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

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

// tabKey is the context key of the *tab of a context made by New.
type tabKey struct{}

// tab is the state that New keeps for the tab of a test.
type tab struct {
	mu        sync.Mutex
	messages  []string                   // console errors, in order
	documents map[network.RequestID]bool // requests that loaded a page
}

func (tb *tab) add(msg string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.messages = append(tb.messages, msg)
}

// listen records the console errors of the tab. chromedp calls it in the loop
// that reads the messages of the tab, in order, so it must be fast and must
// not run a command.
func (tb *tab) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		// A page's own status (a 404 page, a form answered 422) is the
		// test's to check, not a console error; its subresources' are.
		if ev.Type == network.ResourceTypeDocument {
			tb.mu.Lock()
			if tb.documents == nil {
				tb.documents = map[network.RequestID]bool{}
			}
			tb.documents[ev.RequestID] = true
			tb.mu.Unlock()
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg := "console." + string(ev.Type) + ": " + formatArgs(ev.Args)
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			msg += fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
		}
		tb.add(msg)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			desc, _, _ := strings.Cut(d.Exception.Description, "\n")
			text += " " + desc
		}
		msg := "exception: " + text
		if d.URL != "" {
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
		tb.add(msg)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != log.EntryLevelError || isFaviconError(e) || tb.isDocument(e) {
			return
		}
		// CSP violations have the source "security", failed requests
		// "network".
		msg := string(e.Source) + " error: " + e.Text
		if e.URL != "" && !strings.Contains(e.Text, e.URL) {
			msg += " (" + e.URL + ")"
		}
		tb.add(msg)
	}
}

// isDocument reports whether e is a failed status of a page itself.
func (tb *tab) isDocument(e *log.Entry) bool {
	if e.Source != log.EntrySourceNetwork || e.NetworkRequestID == "" {
		return false
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.documents[e.NetworkRequestID]
}

// isFaviconError reports whether e is the failure of the browser's own
// request for /favicon.ico, which headless Chromium makes for every page. It
// is no error of the page, so ConsoleErrors leaves it out.
func isFaviconError(e *log.Entry) bool {
	if e.Source != log.EntrySourceNetwork {
		return false
	}
	u, err := url.Parse(e.URL)
	return err == nil && u.Path == "/favicon.ico"
}

// formatArgs renders the arguments of a console call roughly as the DevTools
// console does.
func formatArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a == nil:
			s = "null"
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.UnserializableValue != "":
			s = string(a.UnserializableValue)
		case a.Description != "":
			s = a.Description
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.Type)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
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

// Violation is a failed axe-core rule.
type Violation struct {
	ID      string          `json:"id"`      // the rule, such as "image-alt"
	Impact  string          `json:"impact"`  // minor, moderate, serious or critical
	Help    string          `json:"help"`    // what the rule asks for
	HelpURL string          `json:"helpUrl"` // the rule's documentation at Deque
	Tags    []string        `json:"tags"`    // such as "wcag2a" and "wcag111"
	Nodes   []ViolationNode `json:"nodes"`   // the elements that fail the rule
}

// ViolationNode is an element that fails an axe-core rule.
type ViolationNode struct {
	Target         string `json:"target"`         // a CSS selector of the element
	HTML           string `json:"html"`           // the start of the element's HTML
	FailureSummary string `json:"failureSummary"` // how to fix it
}

// axeRunScript runs axe on the document and returns the violations as JSON
// values. %s is the JSON array of the tags.
const axeRunScript = `axe.run(document, {
	runOnly: {type: 'tag', values: %s},
	resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
	id: v.id,
	impact: v.impact || '',
	help: v.help,
	helpUrl: v.helpUrl,
	tags: v.tags,
	nodes: v.nodes.map(n => ({
		target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)).join(' | '),
		html: n.html,
		failureSummary: n.failureSummary || '',
	})),
})))`

// AccessibilityViolations runs axe-core on the page in the tab with the rules
// of WCAGTags and returns the violations. It injects axe into the page first.
//
// Both steps use the DevTools protocol's Runtime.evaluate, which the page's
// Content-Security-Policy does not govern, so it works on pages whose policy
// forbids inline scripts and eval. The page's CSP stays in force, so CSP
// violations of the page itself still show in ConsoleErrors.
func AccessibilityViolations(ctx context.Context) ([]Violation, error) {
	ctx, cancel := context.WithTimeout(ctx, axeTimeout)
	defer cancel()

	have, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`typeof axe === 'object' && axe !== null && typeof axe.run === 'function' ? String(axe.version) : ''`))
	if err != nil {
		return nil, fmt.Errorf("looking for axe in the page: %w", err)
	}
	if have != axeVersion {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("injecting axe-core into the page: %w", err)
		}
	}

	tags, err := json.Marshal(WCAGTags)
	if err != nil {
		return nil, err
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](
		fmt.Sprintf(axeRunScript, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe-core: %w", err)
	}
	return vs, nil
}

// CheckAccessibility runs axe-core on the page in the tab and fails the test
// (with t.Errorf, so the test goes on) with one readable message that lists
// every WCAG 2.2 A or AA violation: its rule, impact and help, and the first
// few elements that fail it.
func CheckAccessibility(t testing.TB, ctx context.Context) {
	t.Helper()
	vs, err := AccessibilityViolations(ctx)
	if err != nil {
		t.Errorf("browsertest: accessibility check of %s: %v", location(ctx), err)
		return
	}
	if len(vs) == 0 {
		return
	}
	t.Errorf("%s", FormatViolations(location(ctx), vs))
}

// FormatViolations renders violations as CheckAccessibility reports them.
func FormatViolations(page string, vs []Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "accessibility: %d axe-core violation(s) of WCAG 2.2 A/AA on %s:", len(vs), page)
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  - %s [%s]: %s (%d element(s))\n    %s",
			v.ID, v.Impact, v.Help, len(v.Nodes), v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodesShown {
				fmt.Fprintf(&b, "\n      ... and %d more", len(v.Nodes)-maxNodesShown)
				break
			}
			fmt.Fprintf(&b, "\n      at %s: %s", n.Target, shorten(n.HTML, 200))
			if s := summary(n.FailureSummary); s != "" {
				fmt.Fprintf(&b, "\n        %s", s)
			}
		}
	}
	return b.String()
}

// summary puts axe's failure summary on one line. axe writes a heading, such
// as "Fix any of the following:", and then one reason per line.
func summary(s string) string {
	var b strings.Builder
	sep := ""
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(line)
		if strings.HasSuffix(line, ":") {
			sep = " "
		} else {
			sep = "; "
		}
	}
	return shorten(b.String(), 400)
}

// shorten cuts s to at most n bytes, at a rune boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// location returns the URL of the tab, for messages.
func location(ctx context.Context) string {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc == "" {
		return "the current page"
	}
	return loc
}

// ConsoleErrors returns the errors of the tab's console since New opened the
// tab, in order: console.error and console.assert calls, uncaught exceptions
// and unhandled promise rejections, and the browser's own error messages,
// such as Content-Security-Policy violations ("security error: ...") and
// failed requests ("network error: ..."). ctx must come from New.
func ConsoleErrors(ctx context.Context) []string {
	tb, _ := ctx.Value(tabKey{}).(*tab)
	if tb == nil {
		panic("browsertest: ConsoleErrors needs a context from browsertest.New")
	}
	// The browser sends the events of the page before the reply to a later
	// command, and chromedp records them before the command returns. So
	// this round trip makes sure that every message so far is recorded.
	_ = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`0`))
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.messages...)
}

// CheckNoConsoleErrors fails the test (with t.Errorf) when ConsoleErrors is
// not empty, and lists the errors.
func CheckNoConsoleErrors(t testing.TB, ctx context.Context) {
	t.Helper()
	msgs := ConsoleErrors(ctx)
	if len(msgs) == 0 {
		return
	}
	t.Errorf("browser console: %d error(s):\n  - %s", len(msgs), strings.Join(msgs, "\n  - "))
}

// Screenshot saves a PNG of the tab's viewport in a new temporary directory
// that outlives the test, logs its path, and returns it. On failure it logs
// the error and returns "".
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("browsertest: screenshot: %v", err)
		return ""
	}
	dir, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Logf("browsertest: screenshot: %v", err)
		return ""
	}
	path := filepath.Join(dir, safeName(name)+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Logf("browsertest: screenshot: %v", err)
		return ""
	}
	t.Logf("browsertest: screenshot of %s saved to %s", location(ctx), path)
	return path
}

func saveFailureScreenshot(t testing.TB, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	Screenshot(t, sctx, t.Name())
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" {
		return "screenshot"
	}
	return s
}
