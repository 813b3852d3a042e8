package web

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

// attentionPageSize is how many failures one page of Needs attention lists.
const attentionPageSize = 20

// attentionNotices are the banners a redirect after an action asks for with
// ?done=: Success ones, and Important ones that say nothing was done.
var attentionNotices = map[string]struct {
	Text    string
	Success bool
}{
	"retried":    {"Tried again: the task is running now. If it fails again it comes back to this list.", true},
	"dealt-with": {"Marked as dealt with", true},
	"already":    {"Nothing was done: this task had already been tried again or marked as dealt with, by you or another manager.", false},
	"gone":       {"Nothing was done: this task no longer exists.", false},
	"no-retry":   {"Nothing was done: trying this task again would not help. Put it right another way, then mark it as dealt with.", false},
	"queued":     {"Nothing was done: the same task is already waiting to run. If it fails too it will be listed here.", false},
}

type attentionPage struct {
	adminArea
	fieldErrors
	Failures  []attentionItem
	Total     int
	Pages     *pagination
	Sweeps    []queue.SweepRun
	Important string // a banner saying nothing was done
	JobsUI    bool   // River UI is mounted at /admin/jobs/
}

type attentionItem struct {
	queue.Failure
	Failed string // FailedAt in microseconds, for the forms
	Note   string // typed note, shown again with its error
}

// attention is the Needs attention page: every background task that failed
// for good and waits for a manager, and the safety-net sweeps' last runs.
func (a *app) attention(c *fiber.Ctx) error {
	return a.showAttention(c, 0, "", nil)
}

func (a *app) showAttention(c *fiber.Ctx, noteFor int64, note string, errs *validation.Errors) error {
	ctx := c.UserContext()
	page := pageParam(c)
	list, total, err := a.deps.Failures.List(ctx, attentionPageSize, (page-1)*attentionPageSize)
	if err != nil {
		return err
	}
	sweeps, err := a.deps.Failures.LastSweepRuns(ctx)
	if err != nil {
		return err
	}
	d := attentionPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Total: total, Sweeps: sweeps, JobsUI: a.deps.JobsUI != nil}
	if n, ok := attentionNotices[c.Query("done")]; ok {
		if n.Success {
			d.Notice = n.Text
		} else {
			d.Important = n.Text
		}
	}
	for _, f := range list {
		item := attentionItem{Failure: f, Failed: strconv.FormatInt(f.FailedAt.UnixMicro(), 10)}
		if f.JobID == noteFor {
			item.Note = note
		}
		d.Failures = append(d.Failures, item)
	}
	d.Pages = paginate("/admin/attention", nil, page, (total+attentionPageSize-1)/attentionPageSize)
	return a.renderForm(c, "admin/attention", "Needs attention", d, errs)
}

// jobForm reads the job's id and the failure the manager saw.
func jobForm(c *fiber.Ctx) (int64, time.Time, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, time.Time{}, err
	}
	micro, err := strconv.ParseInt(c.FormValue("failed"), 10, 64)
	if err != nil {
		return 0, time.Time{}, fiber.ErrBadRequest
	}
	return id, time.UnixMicro(micro), nil
}

func (a *app) retryJob(c *fiber.Ctx) error {
	id, failed, err := jobForm(c)
	if err != nil {
		return err
	}
	_, err = a.deps.Failures.Retry(c.UserContext(), id, failed)
	return a.afterJobAction(c, err, "retried")
}

func (a *app) jobDealtWith(c *fiber.Ctx) error {
	id, failed, err := jobForm(c)
	if err != nil {
		return err
	}
	note := c.FormValue("note")
	_, err = a.deps.Failures.DealtWith(c.UserContext(), id, failed, note)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		// The field of this failure's own form.
		var v validation.Errors
		for _, f := range verr.Fields {
			v.Add(fmt.Sprintf("%s-%d", f.Field, id), f.Message)
		}
		return a.showAttention(c, id, note, &v)
	}
	return a.afterJobAction(c, err, "dealt-with")
}

// afterJobAction sends the manager back to the list with a banner saying
// what happened, including when nothing could be done.
func (a *app) afterJobAction(c *fiber.Ctx, err error, done string) error {
	switch {
	case errors.Is(err, queue.ErrAlreadyHandled):
		done = "already"
	case errors.Is(err, queue.ErrNoSuchJob):
		done = "gone"
	case errors.Is(err, queue.ErrCannotRetry):
		done = "no-retry"
	case errors.Is(err, queue.ErrAlreadyQueued):
		done = "queued"
	case err != nil:
		return err
	}
	return c.Redirect("/admin/attention?done="+done, fiber.StatusSeeOther)
}
