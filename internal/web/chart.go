package web

import (
	"fmt"
	"strconv"
	"strings"
)

// The reports' charts are drawn here, on the server, as SVG: horizontal
// bars, one series to a chart, each bar labelled with its name above it and
// its value at its end, so neither colour nor a legend is needed to read
// one. The geometry is worked out in Go and views/partials/chart.html only
// writes it out; the page's table of the same figures follows each chart.

// chartWidth is the drawing's width in SVG units. The SVG scales to its
// column (at most 26em wide, static/app/app.css), so at 320 pixels its 14
// units of text are about 16 pixels.
const (
	chartWidth  = 260
	chartLabelH = 18 // the bar's name, above it
	chartBarH   = 16
	chartGap    = 10 // below each bar
	// chartCharWidth is about how wide a character of the chart's text is
	// (14 units of Arial), to keep room for the values right of the bars.
	chartCharWidth = 8
)

// barChart is one chart: a title, a description for those who cannot see
// it, and its bars.
type barChart struct {
	ID    string // the chart's id; its title and description are ID-title, ID-desc
	Title string
	Desc  string // what it shows, in words: read by screen readers
	Bars  []chartBar
}

// chartBar is one bar, laid out.
type chartBar struct {
	Label     string
	ValueText string
	LabelY    int // the baseline of the label
	Y         int // the top of the bar
	Width     int // 0 for a value of nothing: only the value is written
	ValueX    int
	ValueY    int
}

// Height is the drawing's height in SVG units.
func (c barChart) Height() int {
	if len(c.Bars) == 0 {
		return chartLabelH + chartBarH + chartGap
	}
	return len(c.Bars) * (chartLabelH + chartBarH + chartGap)
}

// Width is the drawing's width in SVG units.
func (c barChart) Width() int { return chartWidth }

// BarHeight is each bar's height.
func (c barChart) BarHeight() int { return chartBarH }

// newBarChart lays out bars of values (none below zero: a value below zero
// is drawn as nothing, its text still written), each named by labels and
// written by texts.
func newBarChart(id, title, desc string, labels []string, values []float64, texts []string) barChart {
	c := barChart{ID: id, Title: title, Desc: desc}
	highest := 0.0
	for _, v := range values {
		highest = max(highest, v)
	}
	longest := 0
	for _, t := range texts {
		longest = max(longest, len([]rune(t)))
	}
	run := max(chartWidth/3, chartWidth-8-longest*chartCharWidth)
	for i, label := range labels {
		top := i * (chartLabelH + chartBarH + chartGap)
		b := chartBar{Label: shorten(label, chartWidth/chartCharWidth), ValueText: texts[i], LabelY: top + chartLabelH - 5, Y: top + chartLabelH}
		if highest > 0 && values[i] > 0 {
			b.Width = max(1, int(values[i]/highest*float64(run)+0.5))
		}
		b.ValueX = b.Width + 6
		b.ValueY = b.Y + chartBarH - 3
		c.Bars = append(c.Bars, b)
	}
	return c
}

// countChart is a bar chart of whole numbers.
func countChart(id, title, desc string, labels []string, counts []int) barChart {
	values := make([]float64, len(counts))
	texts := make([]string, len(counts))
	for i, n := range counts {
		values[i], texts[i] = float64(n), strconv.Itoa(n)
	}
	return newBarChart(id, title, desc, labels, values, texts)
}

// percentText writes a share (0 to 1) as a whole percentage: "84%".
func percentText(share float64) string {
	return fmt.Sprintf("%.0f%%", share*100)
}

// minutesAsHours writes minutes as hours, to one decimal place where needed:
// "3", "4.5".
func minutesAsHours(minutes int64) string {
	if minutes%60 == 0 {
		return strconv.FormatInt(minutes/60, 10)
	}
	return strconv.FormatFloat(float64(minutes)/60, 'f', 1, 64)
}

// shorten cuts a bar's name to n characters, with an ellipsis: the table
// below the chart has it in full.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
