package trainer

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
)

// PersonalData is the trainers' part of the privacy registry: the courses a
// person is approved to deliver, their time off, and the sessions they
// deliver. An erased person trains no more: approvals and time off (reason
// and all) are deleted. The sessions they delivered stay, as the session's
// history, with "Deleted person" as the trainer.
func PersonalData() []privacy.Part {
	return []privacy.Part{
		{
			Name:   "trainer_approvals",
			Export: exportApprovals,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return trainerdb.New(tx).DeleteCourseApprovalsOf(ctx, p.ID)
			},
		},
		{
			Name:    "time_off",
			Columns: []string{"trainer_commitments.reason"},
			Export:  exportTimeOff,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return trainerdb.New(tx).DeleteTimeOffOf(ctx, p.ID)
			},
		},
		{
			Name:   "sessions_delivered",
			Export: exportDelivered,
			Erase:  func(context.Context, pgx.Tx, privacy.Person, time.Time) error { return nil },
		},
	}
}

// PersonalApproval is a course the person may deliver, and the
// partnership that approved them for it.
type PersonalApproval struct {
	Course      string    `json:"course"`
	Partnership string    `json:"partnership"`
	ApprovedAt  time.Time `json:"approved_at"`
}

func exportApprovals(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := trainerdb.New(tx).ExportCourseApprovals(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalApproval{}
	for _, r := range rows {
		out = append(out, PersonalApproval{Course: r.Title, Partnership: r.Partnership, ApprovedAt: r.ApprovedAt.UTC()})
	}
	return out, nil
}

// PersonalTimeOff is time the person cannot train, and why.
type PersonalTimeOff struct {
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

func exportTimeOff(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := trainerdb.New(tx).ExportTimeOff(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalTimeOff{}
	for _, r := range rows {
		out = append(out, PersonalTimeOff{StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Reason: r.Reason, CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

// PersonalDelivery is a session the person delivers or delivered.
type PersonalDelivery struct {
	Course   string    `json:"course"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Status   string    `json:"status"`
}

func exportDelivered(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := trainerdb.New(tx).ExportSessionsDelivered(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalDelivery{}
	for _, r := range rows {
		out = append(out, PersonalDelivery{Course: r.CourseTitle, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Status: string(r.Status)})
	}
	return out, nil
}
