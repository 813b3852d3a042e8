package browsertest_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pscp/booktraining/internal/browsertest"
)

// strictCSP forbids inline scripts, inline styles and eval.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'"

const goodPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>An accessible page</title>
<link rel="stylesheet" href="/site.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><p>Book training</p></header>
<main>
<h1>Sign up</h1>
<img src="/pixel.gif" alt="A blank picture" width="10" height="10">
<form action="/" method="get">
<label for="name">Your name</label>
<input id="name" name="name" type="text" autocomplete="name">
<button type="submit">Send</button>
</form>
<p id="status">waiting for the script</p>
</main>
</body>
</html>`

// badPage has two known violations: an image with no alt text (image-alt)
// and an input with no label (label).
const badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>An inaccessible page</title></head>
<body>
<main>
<h1>Broken</h1>
<img src="/pixel.gif" width="10" height="10">
<form action="/" method="get">
<input id="q" name="q" type="text">
<button type="submit">Search</button>
</form>
</main>
</body>
</html>`

// cspViolationPage breaks its own CSP: the browser must refuse the inline
// script and the inline style, and report both in the console.
const cspViolationPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Before</title>
<style>body { color: red; }</style>
</head>
<body>
<main><h1>CSP</h1></main>
<script>document.title = 'inline script ran';</script>
<script src="/boom.js"></script>
</body>
</html>`

// A 1x1 transparent GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// newServer serves the test pages on 127.0.0.1, all with the strict CSP.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	static := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /{$}", page(goodPage))
	mux.HandleFunc("GET /bad", page(badPage))
	mux.HandleFunc("GET /csp", page(cspViolationPage))
	mux.HandleFunc("GET /site.css", static("text/css", "body { font-family: sans-serif; color: #111; background: #fff; }"))
	mux.HandleFunc("GET /app.js", static("text/javascript",
		`document.getElementById('status').textContent = 'script from self ran';`))
	mux.HandleFunc("GET /boom.js", static("text/javascript",
		`console.error('boom from', 'boom.js'); throw new Error('kaboom');`))
	mux.HandleFunc("GET /pixel.gif", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixelGIF)
	})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP)
		mux.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// recorder is a testing.TB that records Errorf calls instead of failing, so
// that a test can check that the harness reports a failure.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprint(args...))
}

func (r *recorder) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

func TestAccessiblePageWithStrictCSPPasses(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browsertest.New(t)

	resp := browsertest.Navigate(t, ctx, srv.URL+"/")
	if got := resp.Headers["Content-Security-Policy"]; got != strictCSP {
		t.Fatalf("the page was served with CSP %q, want %q", got, strictCSP)
	}
	// The page's own script (allowed by script-src 'self') ran.
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	if status != "script from self ran" {
		t.Errorf("#status = %q: the page's script did not run", status)
	}

	browsertest.CheckAccessibility(t, ctx)

	// axe must have run for real: check that it is in the page and that it
	// ran rules (it reports passes when asked for them).
	passes, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a']}}).then(r => r.passes.length)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if passes == 0 {
		t.Error("axe-core passed no rule on the accessible page; it did not really run")
	}

	// Injecting and running axe under the strict CSP must not cause any CSP
	// violation or other console error.
	browsertest.CheckNoConsoleErrors(t, ctx)
}

func TestViolationsAreReported(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browsertest.New(t)
	browsertest.Navigate(t, ctx, srv.URL+"/bad")

	rec := &recorder{TB: t}
	browsertest.CheckAccessibility(rec, ctx)
	report := rec.report()
	t.Logf("the harness reported:\n%s", report)
	if report == "" {
		t.Fatal("CheckAccessibility reported nothing for a page with an image without alt text and an input without a label")
	}
	for _, want := range []string{"image-alt", "label", `<img src="/pixel.gif"`, "#q", srv.URL + "/bad"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not mention %q", want)
		}
	}

	vs, err := browsertest.AccessibilityViolations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, v := range vs {
		ids[v.ID] = true
		if v.Impact == "" || v.Help == "" || len(v.Nodes) == 0 {
			t.Errorf("violation %+v lacks an impact, a help text or an element", v)
		}
	}
	if !ids["image-alt"] || !ids["label"] {
		t.Errorf("violations = %v, want image-alt and label among them", ids)
	}
}

func TestConsoleErrorsShowCSPViolations(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browsertest.New(t)
	browsertest.Navigate(t, ctx, srv.URL+"/csp")

	// The harness must not switch the page's CSP off.
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "Before" {
		t.Errorf("title = %q: the inline script ran, so the page's CSP was not enforced", title)
	}

	msgs := browsertest.ConsoleErrors(ctx)
	t.Logf("console errors:\n%s", strings.Join(msgs, "\n"))
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"script-src 'self'",                // the refused inline script
		"style-src 'self'",                 // the refused inline style
		"console.error: boom from boom.js", // console.error
		"kaboom",                           // the uncaught exception
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the console errors do not mention %q", want)
		}
	}

	rec := &recorder{TB: t}
	browsertest.CheckNoConsoleErrors(rec, ctx)
	if rec.report() == "" {
		t.Error("CheckNoConsoleErrors reported nothing")
	}
}

func TestTabsShareABrowserAndNoCookies(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browsertest.New(t)

	t.Run("group", func(t *testing.T) {
		t.Run("good", func(t *testing.T) {
			t.Parallel()
			tab := browsertest.NewTab(t, ctx)
			browsertest.Navigate(t, tab, srv.URL+"/")
			browsertest.CheckAccessibility(t, tab)
			browsertest.CheckNoConsoleErrors(t, tab)
		})
		t.Run("bad", func(t *testing.T) {
			t.Parallel()
			tab := browsertest.NewTab(t, ctx)
			browsertest.Navigate(t, tab, srv.URL+"/bad")
			vs, err := browsertest.AccessibilityViolations(tab)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) == 0 {
				t.Error("no violation found on the bad page")
			}
		})
	})

	// Each tab has its own cookie jar.
	a, b := browsertest.NewTab(t, ctx), browsertest.NewTab(t, ctx)
	browsertest.Navigate(t, a, srv.URL+"/")
	browsertest.Navigate(t, b, srv.URL+"/")
	if err := chromedp.Do(a, chromedp.Evaluate[chromedp.Void](`document.cookie = 'user=a; path=/'`)); err != nil {
		t.Fatal(err)
	}
	browsertest.Navigate(t, b, srv.URL+"/")
	cookies, err := chromedp.Run(b, chromedp.Evaluate[string](`document.cookie`))
	if err != nil {
		t.Fatal(err)
	}
	if cookies != "" {
		t.Errorf("tab b sees the cookies %q of tab a", cookies)
	}
	if cookies, _ := chromedp.Run(a, chromedp.Evaluate[string](`document.cookie`)); cookies != "user=a" {
		t.Errorf("tab a has cookies %q, want user=a", cookies)
	}
}

// A page's own error status is the test's business; a broken subresource is
// still a console error.
func TestConsoleErrorsIgnoreThePagesOwnStatus(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/missing-page" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<!DOCTYPE html><html lang="en"><head><title>Not found</title>`+
			`<link rel="stylesheet" href="/missing.css"></head><body><main><h1>Not found</h1></main></body></html>`)
	}))
	t.Cleanup(srv.Close)
	ctx := browsertest.New(t)
	resp := browsertest.Navigate(t, ctx, srv.URL+"/missing-page")
	if resp.Status != 404 {
		t.Fatalf("status %d, want 404", resp.Status)
	}
	errs := browsertest.ConsoleErrors(ctx)
	joined := strings.Join(errs, "\n")
	if !strings.Contains(joined, "missing.css") {
		t.Errorf("the missing stylesheet is not reported: %q", errs)
	}
	for _, e := range errs {
		if strings.Contains(e, "status of 404") && strings.HasSuffix(e, "/missing-page)") {
			t.Errorf("the page's own 404 is reported: %q", e)
		}
	}
}

// A page wider than a 320-pixel screen fails FitsWidth, naming what sticks
// out; a page that reflows passes; and the tab gets its usual size back.
func TestFitsWidthNamesWhatSticksOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		width := "100%"
		if r.URL.Path == "/wide" {
			width = "600px"
		}
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>Width</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0"><main><div id="box" style="width:%s">A box</div></main></body></html>`, width)
	}))
	t.Cleanup(srv.Close)
	ctx := browsertest.New(t)

	browsertest.Navigate(t, ctx, srv.URL+"/wide")
	rec := &recorder{TB: t}
	browsertest.FitsWidth(rec, ctx, browsertest.NarrowWidth)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "600px wide on a 320px screen") || !strings.Contains(rec.errors[0], "div#box") {
		t.Errorf("a 600px page at 320px: got %q", rec.errors)
	}

	browsertest.Navigate(t, ctx, srv.URL+"/narrow")
	rec = &recorder{TB: t}
	browsertest.FitsWidth(rec, ctx, browsertest.NarrowWidth)
	if len(rec.errors) != 0 {
		t.Errorf("a page that reflows: got %q", rec.errors)
	}
	if o := browsertest.MeasureOverflow(t, ctx); o.Screen <= browsertest.NarrowWidth {
		t.Errorf("the tab keeps a %dpx screen after FitsWidth", o.Screen)
	}
}
