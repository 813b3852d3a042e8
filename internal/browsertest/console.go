package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

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
