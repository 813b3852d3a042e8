package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

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
