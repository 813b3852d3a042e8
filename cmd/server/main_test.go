package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/smtptest"
)

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs the whole program as `make run` does and returns its address;
// stop cancels it (as SIGTERM would) and waits for run to return.
func start(t *testing.T, env map[string]string) (addr string, logs *logBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs = &logBuffer{}
	go func() { done <- run(ctx, func(k string) string { return env[k] }, logs, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run returned before serving: %v\n%s", err, logs)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatalf("the app did not start\n%s", logs)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return addr, logs, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// On an empty database the app migrates, loads the demo data and serves the
// catalogue; on SIGTERM it stops cleanly.
func TestRunMigratesSeedsAndServes(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewEmpty(t)
	port := freePort(t)
	_, logs, stop := start(t, map[string]string{"DATABASE_URL": url, "PORT": port})

	status, body := get(t, "http://127.0.0.1:"+port+"/courses")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "16 courses")
	status, _ = get(t, "http://127.0.0.1:"+port+"/readyz")
	assert.Equal(t, http.StatusOK, status)

	require.NoError(t, stop())
	out := logs.String()
	assert.Contains(t, out, "applied migration")
	assert.Contains(t, out, "loaded demo data")
	assert.Contains(t, out, "request_id=")
	assert.Contains(t, out, "msg=stopped")
	_, err := http.Get("http://127.0.0.1:" + port + "/healthz")
	assert.Error(t, err, "no longer listening")
}

// With no DATABASE_URL, the app runs its own PostgreSQL in the project's
// folder and stops it on the way out; the next start reuses the data.
func TestRunWithPrivatePostgres(t *testing.T) {
	t.Parallel()
	root, err := os.MkdirTemp("", "server-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(root, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	dir := filepath.Join(root, ".data", "postgres")
	env := map[string]string{"LOCAL_POSTGRES_DIR": dir, "PORT": freePort(t)}

	addr, logs, stop := start(t, env)
	status, body := get(t, "http://"+addr+"/courses")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "16 courses")
	require.NoError(t, stop())
	assert.Contains(t, logs.String(), "stopped private PostgreSQL")
	assert.NoFileExists(t, filepath.Join(dir, "data", "postmaster.pid"))

	env["PORT"] = freePort(t)
	addr, logs, stop = start(t, env)
	status, _ = get(t, "http://"+addr+"/courses/working-together-to-safeguard-children")
	assert.Equal(t, http.StatusOK, status)
	require.NoError(t, stop())
	assert.NotContains(t, logs.String(), "creating private PostgreSQL cluster", "the cluster is reused")
	assert.NotContains(t, logs.String(), "loaded demo data", "demo data loads only into an empty database")
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), func(k string) string {
		return map[string]string{"PORT": "0", "LOG_FORMAT": "xml"}[k]
	}, io.Discard, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PORT")
	assert.Contains(t, err.Error(), "LOG_FORMAT")
}

// browser is a tiny HTTP client for the end-to-end test: cookies, no
// redirects followed, and the CSRF token of the last page.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: base, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.http.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	form.Set("_csrf", b.csrf)
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// The whole product wired together: sign up over HTTP, the confirmation
// email goes through River and a real SMTP conversation, and its link works.
func TestSignUpEmailArrivesOverSMTP(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	_, dbURL := pgtest.NewEmpty(t)
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	start(t, map[string]string{
		"DATABASE_URL": dbURL, "PORT": port, "BASE_URL": base, "SMTP_URL": smtp.URL(),
		"EMAIL_FROM": "Book safeguarding training <training@example.org>",
	})

	b := newBrowser(t, base)
	_, page := b.get("/sign-up")
	agency := regexp.MustCompile(`<option value="(\d+)"`).FindStringSubmatch(page)
	require.NotNil(t, agency)
	resp, _ := b.post("/sign-up", url.Values{
		"full-name": {"Alex Morgan"}, "email": {"alex@example.org"}, "job-title": {"School nurse"},
		"agency": {agency[1]}, "password": {"lighthouse keeper on the point"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// The demo's own timed emails (a renewal notice) may arrive meanwhile:
	// only Alex's are read.
	msgs := smtp.WaitForTo(t, "alex@example.org", 1, 30*time.Second)
	assert.Equal(t, []string{"alex@example.org"}, msgs[0].To)
	assert.Equal(t, "Confirm your email address", msgs[0].Subject)
	link := regexp.MustCompile(`http://\S+/verify-email\?token=\S+`).FindString(msgs[0].Body)
	require.NotEmpty(t, link, msgs[0].Body)

	_, page = b.get(strings.TrimPrefix(link, base))
	require.Contains(t, page, "Confirm and sign in")
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)[1]
	resp, _ = b.post("/verify-email", url.Values{"token": {token}, "password": {"lighthouse keeper on the point"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "confirmed and signed in")
	_, page = b.get("/account?confirmed=1")
	assert.Contains(t, page, "Email address confirmed")
	assert.Contains(t, page, "Alex Morgan")
	assert.NotContains(t, page, "Not confirmed")

	// A password reset is answered by its own job, which main registers.
	b.get("/forgot-password")
	resp, _ = b.post("/forgot-password", url.Values{"email": {"alex@example.org"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	msgs = smtp.WaitForTo(t, "alex@example.org", 2, 30*time.Second)
	assert.Equal(t, "Reset your password", msgs[1].Subject)
	assert.Contains(t, msgs[1].Body, "Dear Alex Morgan,", "a proven address is greeted by name")
}

// The job queue works on a pool of its own, of JOBS_DATABASE_MAX_CONNS
// connections (and the one River takes from it for LISTEN) named apart
// from the requests' in pg_stat_activity, and
// MEMORY_LIMIT sets the runtime's soft memory limit.
func TestRunGivesJobsTheirOwnPoolAndSetsTheMemoryLimit(t *testing.T) {
	t.Parallel()
	db, url := pgtest.NewEmpty(t)
	port := freePort(t)
	_, logs, stop := start(t, map[string]string{"DATABASE_URL": url, "PORT": port,
		"JOBS_DATABASE_MAX_CONNS": "2", "MEMORY_LIMIT": "300MiB"})
	status, _ := get(t, "http://127.0.0.1:"+port+"/courses")
	assert.Equal(t, http.StatusOK, status)

	count := func(app string) int {
		var n int
		require.NoError(t, db.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", app).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return count("booktraining jobs") > 0 }, 10*time.Second, 20*time.Millisecond,
		"the job queue (River's LISTEN, at least) is connected through its own pool")
	for range 20 {
		// River takes one connection out of the pool for LISTEN, for good.
		assert.LessOrEqual(t, count("booktraining jobs"), 2+1, "no more than JOBS_DATABASE_MAX_CONNS, and River's LISTEN")
		time.Sleep(10 * time.Millisecond)
	}
	assert.Positive(t, count("booktraining"), "requests have their own pool")
	require.NoError(t, stop())
	assert.Contains(t, logs.String(), `msg="soft memory limit set (MEMORY_LIMIT)" bytes=314572800`)
}
