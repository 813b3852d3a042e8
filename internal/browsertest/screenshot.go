package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// location returns the URL of the tab, for messages.
func location(ctx context.Context) string {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc == "" {
		return "the current page"
	}
	return loc
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
