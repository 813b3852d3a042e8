package evaluation

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
)

// ErrEvaluateFirst: the place's certificate waits for its evaluation.
var ErrEvaluateFirst = errs.Says(errs.Conflict,
	"Evaluate the session to get your certificate. It takes about 5 minutes, and your certificate is ready as soon as you have answered.")

// CertificateReady is the certificate's gate (certificate.Service.Ready):
// when the settings say a certificate opens once its evaluation is done, a
// place whose evaluation is open and unanswered waits. An evaluation that
// closed unanswered no longer holds the certificate back (the person can no
// longer answer it), nor does a place attended before evaluations began.
func (s *Service) CertificateReady(ctx context.Context, tx pgx.Tx, bookingID int64) error {
	waits, err := evaluationdb.New(tx).CertificateWaits(ctx, evaluationdb.CertificateWaitsParams{BookingID: bookingID, Now: s.now()})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("certificate gate of booking %d: %w", bookingID, err)
	case waits:
		return ErrEvaluateFirst
	}
	return nil
}
