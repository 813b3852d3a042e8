package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/pglocal"
)

// pgbenchBinary finds pgbench on PATH or beside the server binaries that
// pglocal uses.
func pgbenchBinary() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	dir, err := pglocal.FindBinaries()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "pgbench")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("pgbench not found on PATH nor in %s: install the PostgreSQL client tools", dir)
	}
	return p, nil
}

// pgbenchSummary is what pgbench prints at the end of a run.
type pgbenchSummary struct {
	tps       float64 // without the initial connection time
	processed int
	failed    int
}

var (
	tpsLine       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	processedLine = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	failedLine    = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
)

// parsePgbench reads pgbench's summary. Older pgbench prints no failed
// transactions line; then failed is 0.
func parsePgbench(out string) (pgbenchSummary, error) {
	var s pgbenchSummary
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return s, errors.New("pgbench printed no tps line")
	}
	s.tps, _ = strconv.ParseFloat(m[1], 64)
	m = processedLine.FindStringSubmatch(out)
	if m == nil {
		return s, errors.New("pgbench printed no count of transactions processed")
	}
	s.processed, _ = strconv.Atoi(m[1])
	if m = failedLine.FindStringSubmatch(out); m != nil {
		s.failed, _ = strconv.Atoi(m[1])
	}
	return s, nil
}

// loggedTx is a line of pgbench's per-transaction log (-l): client_id
// transaction_no latency_us script_no epoch_s epoch_us, then optional
// fields.
type loggedTx struct {
	client, number int
	took           time.Duration
	done           time.Time
}

func parsePgbenchLog(r io.Reader) ([]loggedTx, error) {
	var out []loggedTx
	s := bufio.NewScanner(r)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 6 {
			return nil, fmt.Errorf("pgbench log line %q", s.Text())
		}
		var n [6]int64
		for i := range n {
			v, err := strconv.ParseInt(fields[i], 10, 64)
			if err != nil {
				// A failed transaction logs "failed" (or "skipped") for its latency.
				return nil, fmt.Errorf("pgbench log line %q: %w", s.Text(), err)
			}
			n[i] = v
		}
		out = append(out, loggedTx{client: int(n[0]), number: int(n[1]),
			took: time.Duration(n[2]) * time.Microsecond, done: time.Unix(n[4], n[5]*1000)})
	}
	return out, s.Err()
}

// warmFigures are a run's figures without each connection's first
// transaction. That one is slow (the new backend loads its catalogue caches
// and prepares every statement), which the app's pool, kept open, does not
// pay in a rush: tps is the rate from the moment the last connection
// finished its first transaction to the end, and latencies are those of
// every other transaction.
type warmFigures struct {
	tps       float64
	latencies []time.Duration
}

func warm(txs []loggedTx) warmFigures {
	first := map[int]int{} // client → its lowest transaction number
	for _, t := range txs {
		if n, ok := first[t.client]; !ok || t.number < n {
			first[t.client] = t.number
		}
	}
	var from, end time.Time
	for _, t := range txs {
		if t.number == first[t.client] && t.done.After(from) {
			from = t.done
		}
		if t.done.After(end) {
			end = t.done
		}
	}
	var w warmFigures
	after := 0
	for _, t := range txs {
		if t.number != first[t.client] {
			w.latencies = append(w.latencies, t.took)
		}
		if t.done.After(from) {
			after++
		}
	}
	if span := end.Sub(from); after > 0 && span > 0 {
		w.tps = float64(after) / span.Seconds()
	}
	return w
}

// runPgbench runs pgbench with args (the database URL last) and returns its
// summary, refusing a run with failed or missing transactions.
func runPgbench(bin string, want int, args ...string) (pgbenchSummary, string, error) {
	cmd := exec.Command(bin, args...)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		return pgbenchSummary{}, "", fmt.Errorf("pgbench: %w\n%s\n%s", err, errs.String(), out.String())
	}
	s, err := parsePgbench(out.String())
	if err != nil {
		return s, "", fmt.Errorf("%w:\n%s", err, out.String())
	}
	if s.failed != 0 || (want > 0 && s.processed != want) {
		return s, "", fmt.Errorf("pgbench: %d transactions processed of %d, %d failed:\n%s\n%s", s.processed, want, s.failed, out.String(), errs.String())
	}
	return s, out.String(), nil
}
