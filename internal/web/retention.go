package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/privacy"
)

// privacyNotice is the privacy notice, whose retention section is the
// retention schedule itself, so the notice and the job cannot disagree.
func (a *app) privacyNotice(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "privacy", "Privacy notice", privacyPage{Schedule: privacy.Schedule()})
}

type privacyPage struct {
	Schedule []privacy.Rule
}

// retentionRunsShown is how many of the latest runs the manager's page lists.
const retentionRunsShown = 14

type retentionPage struct {
	adminArea
	Schedule []privacy.Rule
	Runs     []retentionRun
}

// retentionRun is one run with its counts in the schedule's order.
type retentionRun struct {
	privacy.Run
	Lines    []retentionLine
	Total    int
	Finished time.Time // FinishedAt, when it has
}

type retentionLine struct {
	Records string
	Then    string
	Count   int64
}

// retention shows a training manager the schedule and what its daily job
// did on its latest runs.
func (h *admin) retention(c *fiber.Ctx) error {
	runs, err := h.deps.Retention.Runs(c.UserContext(), retentionRunsShown)
	if err != nil {
		return err
	}
	d := retentionPage{adminArea: h.area(c), Schedule: privacy.Schedule()}
	for _, r := range runs {
		row := retentionRun{Run: r}
		if r.FinishedAt != nil {
			row.Finished = *r.FinishedAt
		}
		for _, rule := range d.Schedule {
			n := r.Counts[rule.Key]
			row.Total += int(n)
			row.Lines = append(row.Lines, retentionLine{Records: rule.Records, Then: rule.Then, Count: n})
		}
		d.Runs = append(d.Runs, row)
	}
	return h.render(c, fiber.StatusOK, "admin/retention", "Retention of personal data", d)
}
