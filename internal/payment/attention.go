package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/queue"
)

// Describers tell the Needs attention page what each payment job was doing,
// for whom, and where a manager puts it right.
func (s *Service) Describers() map[string]queue.Describe {
	return map[string]queue.Describe{
		KindRefund: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a RefundArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("refund job: %w", err)
			}
			return s.describePayment(ctx, a.PaymentID, "Refund of %s for %s on %s")
		},
		KindCloseCheckout: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a CloseCheckoutArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("checkout job: %w", err)
			}
			return s.describePayment(ctx, a.PaymentID, "Closing the card payment page (%s) for %s on %s")
		},
		KindInvoice: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a InvoiceArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("invoice job: %w", err)
			}
			return s.describeInvoice(ctx, a)
		},
	}
}

func (s *Service) describePayment(ctx context.Context, id int64, what string) (queue.Subject, error) {
	p, err := paymentdb.New(s.pool).PaymentSubject(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{What: fmt.Sprintf(what, "payment "+strconv.FormatInt(id, 10), "a place no longer held", "an unknown date")}, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("payment %d: %w", id, err)
	}
	return queue.Subject{
		What: fmt.Sprintf(what, Pence(p.AmountPence), p.CourseTitle, london.LongDate(p.StartsAt)),
		Who:  fmt.Sprintf("%s (%s)", p.FullName, p.Email),
		Link: "/bookings/" + strconv.FormatInt(p.BookingID, 10),
	}, nil
}

func (s *Service) describeInvoice(ctx context.Context, a InvoiceArgs) (queue.Subject, error) {
	q := paymentdb.New(s.pool)
	link := fmt.Sprintf("/admin/sessions/%d/charges", a.SessionID)
	out := queue.Subject{What: fmt.Sprintf("Invoice for session %d", a.SessionID), Link: link}
	if sess, err := q.ChargeSession(ctx, a.SessionID); err == nil {
		out.What = fmt.Sprintf("Invoice for %s on %s", sess.CourseTitle, london.LongDate(sess.StartsAt))
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{}, fmt.Errorf("session %d: %w", a.SessionID, err)
	}
	ag, err := q.AgencyBilling(ctx, a.AgencyID)
	if errors.Is(err, pgx.ErrNoRows) {
		out.Who = fmt.Sprintf("agency %d (no longer listed)", a.AgencyID)
		return out, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("agency %d: %w", a.AgencyID, err)
	}
	out.What += " to " + ag.Name
	out.Who = ag.Name
	if ag.BillingContactEmail != "" {
		contact := ag.BillingContactEmail
		if ag.BillingContactName != "" {
			contact = ag.BillingContactName + ", " + contact
		}
		out.Who += " (" + contact + ")"
	}
	return out, nil
}
