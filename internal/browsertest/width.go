package browsertest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// NarrowWidth is the narrowest screen pages must fit without scrolling
// sideways: WCAG 2.2's reflow criterion (1.4.10) is 320 CSS pixels.
const NarrowWidth = 320

// Overflow is how the page in a tab fits its screen: how wide it lays out,
// how wide the screen is and, when the page is wider, the outermost and the
// innermost element that reach past the screen's right edge, to name the
// culprit.
type Overflow struct {
	Width, Screen int
	Outer, Inner  string
}

const measureOverflow = `(() => {
  const width = document.documentElement.scrollWidth;
  const screen = document.documentElement.clientWidth;
  const name = (el) => {
    if (!el) return "";
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) s += "." + el.className.trim().split(/\s+/).join(".");
    const r = el.getBoundingClientRect();
    return s + " (" + Math.round(r.width) + "px wide, right edge at " + Math.round(r.right) + "px: \"" +
      (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60) + "\")";
  };
  let outer = null, inner = null;
  if (width > screen) {
    for (const el of document.querySelectorAll("body *")) {
      if (el.getBoundingClientRect().right > screen + 0.5) {
        if (!outer) outer = el;
        inner = el;
      }
    }
  }
  return JSON.stringify({width: width, screen: screen, outer: name(outer), inner: name(inner)});
})()`

// MeasureOverflow measures the page in ctx on its current screen.
func MeasureOverflow(t testing.TB, ctx context.Context) Overflow {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](measureOverflow))
	if err != nil {
		t.Fatalf("measure the page's width: %v", err)
	}
	var o Overflow
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("measure the page's width: %v", err)
	}
	return o
}

// FitsScreen fails the test if the page in ctx is wider than its screen
// (it scrolls sideways), naming what sticks out.
func FitsScreen(t testing.TB, ctx context.Context) {
	t.Helper()
	if o := MeasureOverflow(t, ctx); o.Width > o.Screen {
		t.Errorf("the page is %dpx wide on a %dpx screen: it scrolls sideways. Outermost element past the edge: %s; innermost: %s",
			o.Width, o.Screen, o.Outer, o.Inner)
	}
}

// FitsWidth lays the page in ctx out on a screen width pixels wide (headless
// Chromium ignores window sizes under 500, so the screen is emulated),
// checks it fits (FitsScreen), and puts the tab back to its usual size
// (the window New opens).
func FitsWidth(t testing.TB, ctx context.Context, width int64) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatalf("emulate a %dpx screen: %v", width, err)
	}
	defer func() {
		if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(windowWidth, windowHeight)); err != nil {
			t.Errorf("reset the screen: %v", err)
		}
	}()
	FitsScreen(t, ctx)
}
