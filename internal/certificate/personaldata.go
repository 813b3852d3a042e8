package certificate

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/certificate/internal/certificatedb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the certificates' part of the privacy registry. A
// certificate's code leads anyone who holds it to the person's name, so it
// is in their download, and erasure deletes their certificates: the codes
// stop verifying. The retention schedule deletes a certificate with its
// booking (the table's foreign key cascades).
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name:    "certificates",
		Columns: []string{"certificates.code"},
		Export: func(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
			rows, err := certificatedb.New(tx).ExportCertificates(ctx, p.ID)
			if err != nil {
				return nil, err
			}
			out := make([]PersonalCertificate, 0, len(rows))
			for _, r := range rows {
				out = append(out, PersonalCertificate{Code: r.Code, IssuedAt: r.IssuedAt, Course: r.CourseTitle, StartsAt: r.StartsAt})
			}
			return out, nil
		},
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return certificatedb.New(tx).EraseCertificates(ctx, p.ID)
		},
	}}
}

// PersonalCertificate is a certificate as the person's download gives it.
type PersonalCertificate struct {
	Code     string    `json:"code"`
	IssuedAt time.Time `json:"issued_at"`
	Course   string    `json:"course"`
	StartsAt time.Time `json:"starts_at"`
}
