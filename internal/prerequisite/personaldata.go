package prerequisite

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/prerequisite/internal/prerequisitedb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is prerequisite's part of the privacy registry: a person's
// prior learning claims, and the reasons training managers gave for booking
// them without a prerequisite. Erasure deletes the claims and the reasons.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name: "prior learning",
		Columns: []string{"prior_learning_claims.provider", "prior_learning_claims.note",
			"prior_learning_claims.reject_reason", "bookings.prerequisite_override"},
		Export: exportPriorLearning,
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			q := prerequisitedb.New(tx)
			if err := q.EraseClaims(ctx, p.ID); err != nil {
				return err
			}
			return booking.ErasePrerequisiteOverridesTx(ctx, tx, p.ID)
		},
	}}
}

// PersonalClaim is a claim as the person's download gives it.
type PersonalClaim struct {
	Course       string     `json:"course"`
	CompletedOn  string     `json:"completed_on"`
	Provider     string     `json:"provider"`
	Note         string     `json:"note,omitempty"`
	Status       string     `json:"status"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	RejectReason string     `json:"reason_not_accepted,omitempty"`
	CreatedAt    time.Time  `json:"made_at"`
}

// PersonalOverride is a booking made without a prerequisite, and why.
type PersonalOverride struct {
	Course   string    `json:"course"`
	StartsAt time.Time `json:"session_starts_at"`
	Reason   string    `json:"reason"`
}

// PersonalPriorLearning is the part's download.
type PersonalPriorLearning struct {
	Claims    []PersonalClaim    `json:"claims"`
	Overrides []PersonalOverride `json:"booked_without_prerequisite,omitempty"`
}

func exportPriorLearning(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	q := prerequisitedb.New(tx)
	claims, err := q.ClaimsOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	overrides, err := q.ExportOverrides(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := PersonalPriorLearning{Claims: make([]PersonalClaim, 0, len(claims))}
	for _, c := range claims {
		pc := PersonalClaim{Course: c.CourseTitle, CompletedOn: london.ISODate(dateOf(c.CompletedOn)), Provider: c.Provider,
			Note: c.Note, Status: string(c.Status), RejectReason: c.RejectReason, CreatedAt: c.CreatedAt.UTC()}
		if c.DecidedAt != nil {
			d := c.DecidedAt.UTC()
			pc.DecidedAt = &d
		}
		out.Claims = append(out.Claims, pc)
	}
	for _, o := range overrides {
		out.Overrides = append(out.Overrides, PersonalOverride{Course: o.CourseTitle, StartsAt: o.StartsAt.UTC(), Reason: o.PrerequisiteOverride})
	}
	return out, nil
}
