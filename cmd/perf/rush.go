package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pscp/booktraining/internal/booking"
)

// browser is one person at their own browser: their cookie jar, CSRF token
// and connection.
type browser struct {
	csrf string
	http *http.Client
}

func newBrowser(base string, cookies ...*http.Cookie) (*browser, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	site, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	jar.SetCookies(site, cookies)
	return &browser{http: &http.Client{
		Jar:           jar,
		Timeout:       2 * time.Minute,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

func (b *browser) close() { b.http.CloseIdleConnections() }

// get reads a page and returns its status and body.
func (b *browser) get(target string) (int, string, error) {
	resp, err := b.http.Get(target)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// timed is one request's outcome.
type timed struct {
	status int
	took   time.Duration
	err    error
}

// together prepares one request per browser, releases them all at the same
// instant, and returns each outcome and the time from the release to the
// last answer.
func together(browsers []*browser, request func(i int) (*http.Request, error)) ([]timed, time.Duration, error) {
	out := make([]timed, len(browsers))
	gate := make(chan struct{})
	var ready, done sync.WaitGroup
	for i, b := range browsers {
		req, err := request(i)
		if err != nil {
			return nil, 0, err
		}
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-gate
			began := time.Now()
			resp, err := b.http.Do(req)
			if err != nil {
				out[i] = timed{err: err, took: time.Since(began)}
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			out[i] = timed{status: resp.StatusCode, took: time.Since(began), err: err}
		})
	}
	ready.Wait()
	began := time.Now()
	close(gate)
	done.Wait()
	return out, time.Since(began), nil
}

// rushFigures are one rush's: requests (or transactions) a second from the
// release to the last answer, and the latencies' p50 and p99 in ms.
type rushFigures struct {
	rate, p50, p99 float64
	end            time.Time // when the last answer came
}

// httpRush has every signed-in person post the booking form at once: person
// p books session p % sessions, and every other person of each session
// would rather join the waiting list than be told it is full.
func httpRush(ctx context.Context, w *world, app *appProcess, people []*browser, sessions int) (rushFigures, error) {
	ids := w.rush[sessions]
	answers, took, err := together(people, func(p int) (*http.Request, error) {
		form := url.Values{
			"_csrf":                       {people[p].csrf},
			booking.FieldAccessNeeds:      {""},
			booking.FieldDietaryNeeds:     {""},
			booking.FieldLineManagerName:  {"Lee Manager"},
			booking.FieldLineManagerEmail: {"lee@example.org"},
			booking.FieldAgreePolicy:      {"yes"},
		}
		if (p/sessions)%2 == 0 {
			form.Set("join-waiting-list", "yes")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			app.base+"/sessions/"+strconv.FormatInt(ids[p%sessions], 10)+"/book", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	})
	if err != nil {
		return rushFigures{}, err
	}
	end := time.Now()
	var latencies []time.Duration
	for p, a := range answers {
		switch {
		case a.err != nil:
			return rushFigures{}, fmt.Errorf("person %d: %w", p, a.err)
		case a.status == http.StatusSeeOther, a.status == http.StatusConflict && (p/sessions)%2 == 1:
		default:
			return rushFigures{}, fmt.Errorf("person %d (waiting list: %v): the booking form answered %d", p, (p/sessions)%2 == 0, a.status)
		}
		latencies = append(latencies, a.took)
	}
	if err := w.check(ctx, sessions); err != nil {
		return rushFigures{}, err
	}
	return rushFigures{rate: float64(len(answers)) / took.Seconds(), p50: percentile(latencies, 50), p99: percentile(latencies, 99), end: end}, nil
}

// pgbenchRush runs the booking's own statements (script) through pgbench
// for the same people and sessions, on as many connections as the app's
// pool, and reports the warm figures (see warm).
func pgbenchRush(ctx context.Context, w *world, bin, script string, sessions int) (rushFigures, error) {
	logs, err := os.MkdirTemp("", "perf-pgbench-")
	if err != nil {
		return rushFigures{}, err
	}
	defer os.RemoveAll(logs)
	people := len(w.users)
	if people%poolSize != 0 {
		return rushFigures{}, fmt.Errorf("%d people do not share out over %d connections", people, poolSize)
	}
	_, _, err = runPgbench(bin, people, "-n", "-M", "prepared",
		"-c", strconv.Itoa(poolSize), "-j", "2", "-t", strconv.Itoa(people/poolSize),
		"-l", "--log-prefix", filepath.Join(logs, "rush"),
		"-D", "n=0",
		"-D", "clients="+strconv.Itoa(poolSize),
		"-D", "first_user="+strconv.FormatInt(w.users[0], 10),
		"-D", "first_session="+strconv.FormatInt(w.rush[sessions][0], 10),
		"-D", "sessions="+strconv.Itoa(sessions),
		"-D", "now="+time.Now().UTC().Format(time.RFC3339),
		// the script's text values, as BenchmarkBookingRushPgbench gives them
		"-D", "free_status=confirmed", "-D", "empty= ", // pgbench refuses an empty value
		"-D", "lm_name=Lee Manager", "-D", "lm_email=lee@example.org",
		"-f", script,
		w.url)
	if err != nil {
		return rushFigures{}, err
	}
	files, err := filepath.Glob(filepath.Join(logs, "rush.*"))
	if err != nil || len(files) == 0 {
		return rushFigures{}, fmt.Errorf("no pgbench logs in %s (%v)", logs, err)
	}
	var txs []loggedTx
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return rushFigures{}, err
		}
		t, err := parsePgbenchLog(f)
		_ = f.Close()
		if err != nil {
			return rushFigures{}, err
		}
		txs = append(txs, t...)
	}
	if len(txs) != people {
		return rushFigures{}, fmt.Errorf("pgbench logged %d transactions, want %d", len(txs), people)
	}
	if err := w.check(ctx, sessions); err != nil {
		return rushFigures{}, fmt.Errorf("after pgbench: %w", err)
	}
	wf := warm(txs)
	return rushFigures{rate: wf.tps, p50: percentile(wf.latencies, 50), p99: percentile(wf.latencies, 99)}, nil
}

// ceiling is the single-row update ceiling: pgbench updating one row under
// its lock and committing, on as many connections as the app's pool, for d.
func ceiling(w *world, bin string, d time.Duration) (float64, error) {
	script, err := os.CreateTemp("", "perf-ceiling-*.pgbench")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString("BEGIN;\nUPDATE perf_ceiling SET n = n + 1 WHERE id = 1;\nCOMMIT;\n"); err != nil {
		return 0, err
	}
	if err := script.Close(); err != nil {
		return 0, err
	}
	s, _, err := runPgbench(bin, 0, "-n", "-M", "prepared", "-c", strconv.Itoa(poolSize), "-j", "2",
		"-T", strconv.Itoa(max(1, int(d.Seconds()))), "-f", script.Name(), w.url)
	return s.tps, err
}
