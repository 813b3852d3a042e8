package renewal

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/renewal/internal/renewaldb"
)

// NoticeYears is how long a renewal notice is kept after the training it
// was about lapsed.
const NoticeYears = 1

// PersonalData is renewal's part of the privacy registry: the renewal
// notices a person was sent (which course, when it lapses, when we told
// them). Erasure deletes them; the training itself is the person's
// bookings', and goes with them.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name:    "renewal_notices",
		Columns: []string{"renewal_notices.valid_until"},
		Export: func(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
			rows, err := renewaldb.New(tx).ExportNotices(ctx, p.ID)
			if err != nil {
				return nil, err
			}
			out := make([]PersonalNotice, 0, len(rows))
			for _, r := range rows {
				out = append(out, PersonalNotice{Course: r.CourseTitle, ValidUntil: r.ValidUntil.Time.Format(time.DateOnly),
					SentAt: r.SentAt.UTC()})
			}
			return out, nil
		},
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return renewaldb.New(tx).EraseNotices(ctx, p.ID)
		},
	}}
}

// PersonalNotice is one renewal notice as the person's download gives it.
type PersonalNotice struct {
	Course     string    `json:"course"`
	ValidUntil string    `json:"training_valid_until"`
	SentAt     time.Time `json:"sent_at"`
}

// Retention returns the retention schedule's rule renewal applies: a notice
// goes NoticeYears after the training it was about lapsed.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"renewal_notices": func(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
			before := Today(now).AddDate(-NoticeYears, 0, 0)
			n, err := renewaldb.New(tx).ForgetOldNotices(ctx, renewaldb.ForgetOldNoticesParams{
				Before: pgDate(before), MaxRows: max})
			return int(n), err
		},
	}
}
