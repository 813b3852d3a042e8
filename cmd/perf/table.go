package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// figure formats the median of key over the runs, and each run's value.
func figure(results []measures, key string, decimals int) (string, string) {
	var values []float64
	each := make([]string, 0, len(results))
	for _, m := range results {
		v, ok := m[key]
		if !ok {
			return "", ""
		}
		values = append(values, v)
		each = append(each, strconv.FormatFloat(v, 'f', decimals, 64))
	}
	med := strconv.FormatFloat(median(values), 'f', decimals, 64)
	if len(results) == 1 {
		return med, ""
	}
	return med, "(" + strings.Join(each, ", ") + ")"
}

// printTable prints the medians: rates and latencies, the ratios the issue
// sets targets for, and peak memory.
func printTable(out io.Writer, o options, w *world, results []measures) error {
	t := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(label, rateKey, p50Key, p99Key string, ratios ...[2]string) {
		rate, runs := figure(results, rateKey, 0)
		p50, _ := figure(results, p50Key, 1)
		p99, _ := figure(results, p99Key, 1)
		var rs []string
		for _, r := range ratios {
			v, each := figure(results, r[0], 2)
			rs = append(rs, strings.TrimSpace(v+" "+r[1]+" "+each))
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", label, rate, p50, p99, runs, strings.Join(rs, "; "))
	}
	section := func(label string) { fmt.Fprintf(t, "%s\t\t\t\t\t\n", label) }

	fmt.Fprintf(t, "measure\tper second\tp50 ms\tp99 ms\teach run\tratios\n")
	row(fmt.Sprintf("single-row update ceiling (pgbench, %d connections)", poolSize), "ceiling", "", "")
	for _, n := range []int{1, 50} {
		section(fmt.Sprintf("booking rush: %d people at once, %s of %d places", len(w.users), sessionsOf(n), rushCapacity))
		k := fmt.Sprintf("rush%d.", n)
		row("  app over HTTP (requests)", k+"app", k+"app.p50", k+"app.p99",
			[2]string{k + "app/pgbench", "of pgbench"}, [2]string{k + "app/ceiling", "of the ceiling"})
		row(fmt.Sprintf("  pgbench, the booking's statements, %d connections (warm)", poolSize), k+"pgbench", k+"pgbench.p50", k+"pgbench.p99")
	}
	section(fmt.Sprintf("pages: %d clients for %s each (requests)", o.clients, o.pageTime))
	for _, p := range pages(w) {
		var rs [][2]string
		if p.key != "healthz" {
			rs = append(rs, [2]string{"page." + p.key + "/healthz", "of /healthz"})
		}
		row("  "+p.path, "page."+p.key, "", "page."+p.key+".p99", rs...)
	}
	row(fmt.Sprintf("%d sign-ins at once (sign-ins)", o.signIns), "signin", "signin.p50", "signin.p99")
	if err := t.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(out)
	t = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(t, "app process memory (MB)\tpeak RSS\teach run\n")
	for _, m := range []struct{ label, key string }{
		{"idle, just started (VmRSS)", "rss.idle"},
		{"booking rush, 1 session (VmHWM)", "rss.rush1"},
		{"booking rush, 50 sessions (VmHWM)", "rss.rush50"},
		{fmt.Sprintf("%d sign-ins at once (VmHWM)", o.signIns), "rss.signin"},
	} {
		v, each := figure(results, m.key, 0)
		fmt.Fprintf(t, "%s\t%s\t%s\n", m.label, v, each)
	}
	if err := t.Flush(); err != nil {
		return err
	}

	// CPU per booking: the app process's and every PostgreSQL process's
	// (utime + stime, backends that ended included), over the rush, and
	// over the rush and the sending of its emails.
	fmt.Fprintln(out)
	t = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(t, "booking rush\tlast email sent after the rush (s)\tCPU ms per booking: app\tPostgreSQL\tboth\twith its emails sent: app\tPostgreSQL\tboth\n")
	for _, n := range []int{1, 50} {
		k := fmt.Sprintf("rush%d.", n)
		// The medians; each run's figure for the totals.
		cell := func(key string, decimals int, each bool) string {
			v, runs := figure(results, k+key, decimals)
			if !each {
				return v
			}
			return strings.TrimSpace(v + " " + runs)
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sessionsOf(n), cell("trail", 1, true),
			cell("cpu.app", 2, false), cell("cpu.pg", 2, false), cell("cpu", 2, true),
			cell("cpu.app.sent", 2, false), cell("cpu.pg.sent", 2, false), cell("cpu.sent", 2, true))
	}
	return t.Flush()
}

func sessionsOf(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}
