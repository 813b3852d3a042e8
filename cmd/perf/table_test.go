package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table shows the medians, each run's figure, and the ratios measured
// within each run.
func TestTableShowsMediansAndRatios(t *testing.T) {
	t.Parallel()
	w := &world{users: make([]int64, 500), slug: "neglect"}
	o := options{clients: 32, pageTime: 5 * time.Second, signIns: 200}
	var runs []measures
	for i, app := range []float64{400, 500, 450} {
		m := measures{"ceiling": 4000, "page.healthz": 20000, "page.courses": 2000, "page.courses.p99": 9 + float64(i),
			"rss.idle": 55, "rss.rush1": 90 + float64(i), "rss.rush50": 80, "rss.signin": 250}
		m.rush("pgbench", 1, rushFigures{rate: 500, p50: 20, p99: 40})
		m.rush("app", 1, rushFigures{rate: app, p50: 600, p99: 900})
		m["page.courses/healthz"] = ratio(m["page.courses"], m["page.healthz"])
		m["rush50.trail"] = 2.5 + float64(i)
		m["rush50.cpu.app"], m["rush50.cpu.pg"], m["rush50.cpu"] = 1.25, 0.5+float64(i)/10, 1.75+float64(i)/10
		m["rush50.cpu.app.sent"], m["rush50.cpu.pg.sent"], m["rush50.cpu.sent"] = 1.5, 0.75, 2.25
		runs = append(runs, m)
	}
	var out strings.Builder
	require.NoError(t, printTable(&out, o, w, runs))
	text := out.String()
	lines := strings.Split(text, "\n")
	find := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return l
			}
		}
		t.Fatalf("no line %q in\n%s", prefix, text)
		return ""
	}
	assert.Contains(t, find("single-row update ceiling"), "4000")
	rush := find("app over HTTP")
	assert.Contains(t, rush, " 450 ", "the median of 400, 500, 450")
	assert.Contains(t, rush, "(400, 500, 450)")
	assert.Contains(t, rush, "0.90 of pgbench (0.80, 1.00, 0.90)")
	assert.Contains(t, rush, "0.11 of the ceiling")
	assert.Contains(t, find("/courses "), "0.10 of /healthz")
	assert.Contains(t, find("/courses "), "10.0", "the median p99")
	assert.Contains(t, find("booking rush, 1 session"), "91")
	assert.Contains(t, find("/courses/neglect"), "/courses/neglect", "a page no run measured is listed empty")
	cpu := strings.Fields(find("50 sessions"))
	assert.Equal(t, []string{"50", "sessions", "3.5", "(2.5,", "3.5,", "4.5)", "1.25", "0.60",
		"1.85", "(1.75,", "1.85,", "1.95)", "1.50", "0.75", "2.25", "(2.25,", "2.25,", "2.25)"}, cpu, "the last email's delay and CPU per booking")
}
