package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/queue"
)

// refundJob is a job that fails as a real one does: every attempt errors
// (one attempt), or its worker refuses it for good, or (Succeed) it works.
type refundJob struct {
	PaymentID int64 `json:"payment_id"`
	Refuse    bool  `json:"refuse"`
	Succeed   bool  `json:"succeed"`
}

func (refundJob) Kind() string { return "test_refund" }

func (refundJob) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type refundJobWorker struct {
	river.WorkerDefaults[refundJob]
}

func (refundJobWorker) Work(_ context.Context, job *river.Job[refundJob]) error {
	switch {
	case job.Args.Succeed:
		return nil
	case job.Args.Refuse:
		return river.JobCancel(errors.New("stripe: charge already refunded"))
	}
	return errors.New("stripe: connection refused")
}

// jobsWorld is an app whose jobs really run: a River client working the
// test's jobs and email deliveries, the Needs attention page describing
// both, and River UI mounted.
type jobsWorld struct {
	adminWorld
	jobs *river.Client[pgx.Tx]
}

func jobsSetup(t *testing.T, opts ...deps) jobsWorld {
	t.Helper()
	var jobs *river.Client[pgx.Tx]
	withJobs := func(d *testDeps) {
		var err error
		jobs, err = queue.New(d.Pool, nil, func(c *river.Config) error {
			c.FetchPollInterval = 20 * time.Millisecond
			c.FetchCooldown = 10 * time.Millisecond
			return river.AddWorkerSafely(c.Workers, refundJobWorker{})
		})
		require.NoError(t, err)
		require.NoError(t, jobs.Start(context.Background()))
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = jobs.Stop(stop)
		})
		describers := map[string]queue.Describe{
			refundJob{}.Kind(): func(context.Context, []byte) (queue.Subject, error) {
				return queue.Subject{What: "Refund of £45.00", Who: "Jo Bennett (jo@example.org)", Link: "/admin/people"}, nil
			},
		}
		maps.Copy(describers, email.Describers(d.Pool))
		d.Failures = queue.NewFailures(d.Pool, jobs, describers, d.Now, nil)
		ui, err := queue.UI(t.Context(), jobs, nil)
		require.NoError(t, err)
		d.JobsUI = ui
	}
	a := setup(t, append([]deps{withJobs}, opts...)...)
	w := adminWorld{
		testApp:      a,
		manager:      a.newUser(t, "manager@example.org", managerAgency, "manager"),
		coordinator:  a.newUser(t, "coordinator@example.org", coordAgency, "coordinator"),
		colleague:    a.newUser(t, "colleague@example.org", coordAgency),
		trainer:      a.newUser(t, "trainer@example.org", otherAgency, "trainer"),
		practitioner: a.newUser(t, "practitioner@example.org", otherAgency),
	}
	return jobsWorld{adminWorld: w, jobs: jobs}
}

// run inserts a job and waits until River has finished with it.
func (w jobsWorld) run(t *testing.T, args river.JobArgs) int64 {
	t.Helper()
	res, err := w.jobs.Insert(context.Background(), args, nil)
	require.NoError(t, err)
	w.waitFor(t, res.Job.ID, rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateCompleted)
	return res.Job.ID
}

func (w jobsWorld) waitFor(t *testing.T, id int64, states ...rivertype.JobState) {
	t.Helper()
	require.Eventually(t, func() bool {
		j, err := w.jobs.JobGet(context.Background(), id)
		require.NoError(t, err)
		for _, s := range states {
			if j.State == s {
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "job %d never reached %v", id, states)
}

// failedEmailJob is a delivery that gave up: its email is marked failed and
// its job discarded, as the delivery worker leaves them.
func (w jobsWorld) failedEmailJob(t *testing.T) (job, emailID int64) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO emails (to_address, to_name, subject, body_text, attempts, last_error, failed_at)
		VALUES ('gone@example.org', 'Sam Jones', 'Booking confirmed: Working Together', '', 10, '550 5.1.1 No such user', now()) RETURNING id`).Scan(&emailID))
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO river_job (state, attempt, max_attempts, attempted_at, finalized_at, args, kind, errors)
		VALUES ('discarded', 10, 10, now(), now(), jsonb_build_object('email_id', $1::bigint), 'email_deliver',
		        ARRAY[jsonb_build_object('error', 'deliver email ' || $1 || ': 550 5.1.1 No such user', 'attempt', 10, 'at', now())])
		RETURNING id`, emailID).Scan(&job))
	return job, emailID
}

// failedValue is the failure the page's forms name for job.
func failedValue(t *testing.T, page string, job int64) string {
	t.Helper()
	re := regexp.MustCompile(`action="/admin/attention/` + id(job) + `/dealt-with"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]*">\s*<input type="hidden" name="failed" value="(\d+)">`)
	m := re.FindStringSubmatch(page)
	require.NotNil(t, m, "the page has job %d's forms", job)
	return m[1]
}

func (w jobsWorld) jobAudits(t *testing.T, action string, job int64) int {
	t.Helper()
	var n int
	require.NoError(t, w.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE action = $1 AND actor_id = $2 AND (details->>'job_id')::bigint = $3`, action, w.manager, job).Scan(&n))
	return n
}

// A training manager sees each task that failed for good, what it was for
// and why, tries one again and marks one dealt with, each audited; a double
// submit is told nothing more was done, never a 500.
func TestNeedsAttentionRetryAndDealtWith(t *testing.T) {
	t.Parallel()
	w := jobsSetup(t)
	exhausted := w.run(t, refundJob{PaymentID: 7})
	refused := w.run(t, refundJob{PaymentID: 8, Refuse: true})
	w.run(t, refundJob{PaymentID: 9, Succeed: true})
	emailJob, emailID := w.failedEmailJob(t)

	m := w.as(t, "manager@example.org")
	_, home := m.get("/account")
	assert.Contains(t, home, "3 background tasks failed and need attention")
	assert.Contains(t, home, `href="/admin/attention"`)

	resp, page := m.get("/admin/attention")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "3 tasks need attention")
	assert.Contains(t, page, "Refund of £45.00")
	assert.Contains(t, page, "Jo Bennett (jo@example.org)")
	assert.Contains(t, page, "stripe: connection refused")
	assert.Contains(t, page, "All 1 attempt failed")
	assert.Contains(t, page, "stripe: charge already refunded")
	assert.Contains(t, page, "Refused for good after 1 attempt")
	assert.Contains(t, page, htmlEscape("Email “Booking confirmed: Working Together”"))
	assert.Contains(t, page, "Sam Jones (gone@example.org)")
	assert.Contains(t, page, fmt.Sprintf(`href="/admin/emails/%d"`, emailID))
	assert.Contains(t, page, "cannot be sent again")
	assert.NotContains(t, page, fmt.Sprintf(`/admin/attention/%d/retry`, emailJob), "an email given up on offers no retry")
	assert.Less(t, strings.Index(page, htmlEscape("Email “Booking")), strings.Index(page, "stripe: charge already refunded"), "newest first")

	// Try again: the job runs (and, here, fails again: a new failure).
	failed := failedValue(t, page, exhausted)
	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/retry", exhausted), url.Values{"failed": {failed}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/attention?done=retried", resp.Header.Get("Location"))
	assert.Equal(t, 1, w.jobAudits(t, "job_retried", exhausted))
	_, page = m.get("/admin/attention?done=retried")
	assert.Contains(t, page, "Tried again")

	// The same form again (a double click): nothing more is done.
	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/retry", exhausted), url.Values{"failed": {failed}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/attention?done=already", resp.Header.Get("Location"))
	_, page = m.get("/admin/attention?done=already")
	assert.Contains(t, page, "Nothing was done: this task had already been tried again or marked as dealt with")
	assert.Equal(t, 1, w.jobAudits(t, "job_retried", exhausted))

	// An email given up on cannot be tried again, even by a made-up form.
	_, page = m.get("/admin/attention")
	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/retry", emailJob), url.Values{"failed": {failedValue(t, page, emailJob)}})
	assert.Equal(t, "/admin/attention?done=no-retry", resp.Header.Get("Location"))

	// Mark as dealt with: a note too long is shown again with its error.
	refusedFailed := failedValue(t, page, refused)
	long := strings.Repeat("x", queue.MaxNoteLength+1)
	resp, page = m.post(fmt.Sprintf("/admin/attention/%d/dealt-with", refused), url.Values{"failed": {refusedFailed}, "note": {long}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), fmt.Sprintf(`href="#note-%d"`, refused))
	assert.Contains(t, page, "The note must be 500 characters or fewer")
	assert.Contains(t, page, ">"+long+"</textarea>")
	assert.Zero(t, w.jobAudits(t, "job_dealt_with", refused))

	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/dealt-with", refused), url.Values{"failed": {refusedFailed}, "note": {"Refunded by bank transfer"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/attention?done=dealt-with", resp.Header.Get("Location"))
	assert.Equal(t, 1, w.jobAudits(t, "job_dealt_with", refused))
	var by int64
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT dealt_by FROM job_failures_dealt_with WHERE job_id = $1", refused).Scan(&by))
	assert.Equal(t, w.manager, by)
	var note string
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT details->>'note' FROM audit_events WHERE action = 'job_dealt_with'").Scan(&note))
	assert.Equal(t, "Refunded by bank transfer", note)

	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/dealt-with", refused), url.Values{"failed": {refusedFailed}})
	assert.Equal(t, "/admin/attention?done=already", resp.Header.Get("Location"), "a second manager")
	assert.Equal(t, 1, w.jobAudits(t, "job_dealt_with", refused))

	resp, _ = m.post("/admin/attention/999999/dealt-with", url.Values{"failed": {refusedFailed}})
	assert.Equal(t, "/admin/attention?done=gone", resp.Header.Get("Location"))
	resp, _ = m.post(fmt.Sprintf("/admin/attention/%d/dealt-with", refused), url.Values{"failed": {"soon"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// The retried job failed again: it is back, once, with the email job.
	w.waitFor(t, exhausted, rivertype.JobStateDiscarded)
	_, page = m.get("/admin/attention")
	assert.Contains(t, page, "2 tasks need attention")
	assert.NotContains(t, page, "stripe: charge already refunded", "dealt with")

	_, logPage := m.get("/admin/audit")
	assert.Contains(t, logPage, "Tried a failed background task again")
	assert.Contains(t, logPage, "Marked a failed background task as dealt with")
}

// Only training managers see the page, River UI and the actions; anyone else
// is refused as on every manager's page, and nothing changes.
func TestNeedsAttentionIsForManagersOnly(t *testing.T) {
	t.Parallel()
	w := jobsSetup(t)
	job := w.run(t, refundJob{PaymentID: 7})
	m := w.as(t, "manager@example.org")
	_, page := m.get("/admin/attention")
	failed := failedValue(t, page, job)

	anon := w.client(t)
	anon.get("/sign-in")
	resp, _ := anon.get("/admin/attention")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/sign-in?next=%2Fadmin%2Fattention", resp.Header.Get("Location"))
	resp, _ = anon.get("/admin/jobs/")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	for _, addr := range []string{"practitioner@example.org", "trainer@example.org", "coordinator@example.org"} {
		c := w.as(t, addr)
		for _, path := range []string{"/admin/attention", "/admin/jobs/", "/admin/jobs/api/jobs?state=discarded"} {
			resp, page := c.get(path)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", path, addr)
			assert.Contains(t, page, "You cannot see this page")
		}
		for _, action := range []string{"retry", "dealt-with"} {
			c.get("/account")
			resp, page := c.post(fmt.Sprintf("/admin/attention/%d/%s", job, action), url.Values{"failed": {failed}})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", action, addr)
			assert.Contains(t, page, "You cannot see this page")
		}
		_, home := c.get("/account")
		assert.NotContains(t, home, "need attention")
	}
	assert.Zero(t, w.jobAudits(t, "job_retried", job)+w.jobAudits(t, "job_dealt_with", job))
	j, err := w.jobs.JobGet(context.Background(), job)
	require.NoError(t, err)
	assert.Equal(t, rivertype.JobStateDiscarded, j.State)
}

// River UI's JSON API works for a manager from the app's own pages, and
// refuses a state-changing request from another site.
func TestJobsUIRefusesOtherSites(t *testing.T) {
	t.Parallel()
	w := jobsSetup(t)
	job := w.run(t, refundJob{PaymentID: 7})
	m := w.as(t, "manager@example.org")

	resp, body := m.get("/admin/jobs/api/jobs?state=discarded")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `"kind":"test_refund"`)

	retry := func(headers map[string]string) int {
		req := fmt.Sprintf(`{"ids":["%d"]}`, job)
		r, _ := m.json(http.MethodPost, "/admin/jobs/api/jobs/retry", req, headers)
		return r.StatusCode
	}
	assert.Equal(t, http.StatusForbidden, retry(map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}))
	assert.Equal(t, http.StatusForbidden, retry(map[string]string{"Origin": "https://evil.example"}))
	j, err := w.jobs.JobGet(context.Background(), job)
	require.NoError(t, err)
	assert.Equal(t, rivertype.JobStateDiscarded, j.State, "refused: not retried")

	assert.Equal(t, http.StatusOK, retry(map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}))
	w.waitFor(t, job, rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateDiscarded)
	j, err = w.jobs.JobGet(context.Background(), job)
	require.NoError(t, err)
	assert.Equal(t, 2, j.MaxAttempts, "retried: River gives an exhausted job one more attempt")
}

// json sends a JSON request as River UI's script does, with the client's
// cookies and the given headers.
func (c *client) json(method, target, body string, headers map[string]string) (*http.Response, string) {
	c.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.app.app.Test(req, -1)
	require.NoError(c.t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}
