package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
)

// BillKey is the key of a billing batch: the rows of one invoice to an
// agency for a session, reserved before Stripe is asked. It is the invoice's
// idempotency key, the same on every attempt at that batch; the next batch
// (round) of the pair has another.
func BillKey(sessionID, agencyID int64, round int) string {
	return fmt.Sprintf("invoice-session-%d-agency-%d-%d", sessionID, agencyID, round)
}

// BillAgencies bills, here and now, every agency and session that is due
// (what the invoice jobs do one pair at a time; the sweep inserts a job for
// any pair that has none), and returns how many invoices it sent. It goes on
// past a failure with one agency and reports every failure at the end.
func (s *Service) BillAgencies(ctx context.Context) (int, error) {
	if !s.Online() {
		return 0, nil
	}
	q := paymentdb.New(s.pool)
	pairs, err := q.AgencySessionsToBill(ctx, paymentdb.AgencySessionsToBillParams{})
	if err != nil {
		return 0, fmt.Errorf("agencies to bill: %w", err)
	}
	left, err := q.BatchesToInvoice(ctx, paymentdb.BatchesToInvoiceParams{})
	if err != nil {
		return 0, fmt.Errorf("batches to invoice: %w", err)
	}
	seen := map[InvoiceArgs]bool{}
	var todo []InvoiceArgs
	for _, p := range pairs {
		if a := (InvoiceArgs{SessionID: p.SessionID, AgencyID: p.AgencyID}); !seen[a] {
			seen[a] = true
			todo = append(todo, a)
		}
	}
	for _, b := range left {
		if a := (InvoiceArgs{SessionID: b.SessionID, AgencyID: b.AgencyID}); !seen[a] {
			seen[a] = true
			todo = append(todo, a)
		}
	}
	n := 0
	var errs []error
	for _, a := range todo {
		sent, err := s.BillAgency(ctx, a.SessionID, a.AgencyID)
		n += sent
		if err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// BillAgency invoices agency agencyID, through Stripe, for what session
// sessionID owes now: its confirmed charges and the places it booked on
// invoice, once nothing is left to decide (completed, or register taken and
// no candidate undecided). It is the invoice job's work, and returns how
// many invoices it sent. An agency without a billing contact email is left
// for later (the charges page asks for one).
//
// It bills in two steps so that no row is ever on two invoices, and holds
// no row lock (and no connection) while Stripe answers. First the rows of
// the invoice are reserved into a batch in one short transaction. Then each
// batch of the pair not yet invoiced, whether reserved just now or left by a
// run that failed, is read, sent to Stripe with keys derived from the batch
// and its rows, and marked invoiced in a second short transaction. A reserved
// row never leaves its batch, so a retry after a lost answer, a failed
// commit or a crash asks Stripe the same questions and gets the same
// invoice; two runs at once send the same calls with the same keys and the
// second records nothing; rows confirmed meanwhile wait for a batch of their
// own, which this run bills too if they come before it ends.
func (s *Service) BillAgency(ctx context.Context, sessionID, agencyID int64) (int, error) {
	if !s.Online() {
		return 0, nil
	}
	q := paymentdb.New(s.pool)
	n := 0
	// A few rounds: rows confirmed while one round was with Stripe go on
	// the next invoice now rather than at the next sweep.
	for round := 0; round < 3; round++ {
		if err := s.reserveBatch(ctx, sessionID, agencyID); err != nil {
			return n, fmt.Errorf("reserve the bill of agency %d for session %d: %w", agencyID, sessionID, err)
		}
		batches, err := q.BatchesToInvoice(ctx, paymentdb.BatchesToInvoiceParams{SessionID: &sessionID, AgencyID: &agencyID})
		if err != nil {
			return n, fmt.Errorf("batches to invoice: %w", err)
		}
		if len(batches) == 0 {
			return n, nil
		}
		for _, b := range batches {
			sent, err := s.invoiceBatch(ctx, b.BillingBatch, sessionID, agencyID)
			switch {
			case errors.Is(err, ErrNoBillingEmail):
				return n, nil // left proposed: the manager's page asks for a billing contact
			case err != nil:
				if serr, ok := refusedForGood(err); ok {
					return n, river.JobCancel(fmt.Errorf("invoice %s to agency %d for session %d refused for good: %s", b.BillingBatch, agencyID, sessionID, stripeSays(serr)))
				}
				return n, fmt.Errorf("bill agency %d for session %d (%s): %w", agencyID, sessionID, b.BillingBatch, err)
			case sent:
				n++
			}
		}
	}
	return n, nil
}

// reserveBatch puts one agency's unbilled rows of one session into a new
// batch, in one short transaction that calls nobody. The agency's row is
// locked meanwhile, so two runs never number two batches alike. An agency
// without a billing contact reserves nothing: its rows wait, and may yet
// join what is confirmed before one is added.
func (s *Service) reserveBatch(ctx context.Context, sessionID, agencyID int64) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *paymentdb.Queries) error {
		a, err := q.LockAgencyBilling(ctx, agencyID)
		if err != nil {
			return fmt.Errorf("lock agency: %w", err)
		}
		if a.BillingContactEmail == "" {
			return nil
		}
		charges, err := q.LockChargesToReserve(ctx, paymentdb.LockChargesToReserveParams{SessionID: sessionID, AgencyID: agencyID})
		if err != nil {
			return fmt.Errorf("lock charges: %w", err)
		}
		places, err := q.LockPlacesToReserve(ctx, paymentdb.LockPlacesToReserveParams{SessionID: sessionID, AgencyID: &agencyID})
		if err != nil {
			return fmt.Errorf("lock places on invoice: %w", err)
		}
		if len(charges) == 0 && len(places) == 0 {
			return nil // reserved by another run
		}
		round, err := q.BatchesOfSessionAgency(ctx, paymentdb.BatchesOfSessionAgencyParams{SessionID: sessionID, AgencyID: agencyID})
		if err != nil {
			return fmt.Errorf("batches so far: %w", err)
		}
		batch, now := BillKey(sessionID, agencyID, int(round)), s.now()
		if _, err := q.ReserveCharges(ctx, paymentdb.ReserveChargesParams{BillingBatch: batch, Now: now, Ids: charges}); err != nil {
			return fmt.Errorf("reserve charges: %w", err)
		}
		if _, err := q.ReservePlaces(ctx, paymentdb.ReservePlacesParams{BillingBatch: batch, Now: now, Ids: places}); err != nil {
			return fmt.Errorf("reserve places: %w", err)
		}
		return nil
	})
}

// invoiceBatch sends the invoice of one batch, first bringing the agency's
// Stripe customer up to date with its billing contact, and marks its rows
// invoiced. Nothing is locked while Stripe answers: the batch's rows are
// read, Stripe is asked, then one short transaction marks those still
// unmarked (none, when another run got there first: it records nothing and
// audits nothing). If this fails after Stripe made the invoice, the rows
// stay in the batch and the next attempt repeats the same calls with the
// same keys.
func (s *Service) invoiceBatch(ctx context.Context, batch string, sessionID, agencyID int64) (bool, error) {
	customer, err := s.EnsureAgencyCustomer(ctx, agencyID)
	if err != nil {
		return false, err
	}
	q := paymentdb.New(s.pool)
	charges, err := q.BatchCharges(ctx, batch)
	if err != nil {
		return false, fmt.Errorf("charges of %s: %w", batch, err)
	}
	places, err := q.BatchPlaces(ctx, batch)
	if err != nil {
		return false, fmt.Errorf("places on invoice of %s: %w", batch, err)
	}
	if len(charges) == 0 && len(places) == 0 {
		return false, nil // invoiced by another run
	}
	sess, err := q.ChargeSession(ctx, sessionID)
	if err != nil {
		return false, fmt.Errorf("session %d: %w", sessionID, err)
	}
	day := london.Date(sess.StartsAt)
	var lines []InvoiceLine
	var total Pence
	for _, p := range places {
		d := fmt.Sprintf("Place: %s, %s, %s", p.FullName, sess.CourseTitle, day)
		if p.PurchaseOrder != nil {
			d += ", purchase order " + *p.PurchaseOrder
		}
		lines = append(lines, InvoiceLine{Description: d, AmountPence: Pence(p.AmountPence), Ref: "place-" + strconv.FormatInt(p.ID, 10)})
		total += Pence(p.AmountPence)
	}
	for _, c := range charges {
		lines = append(lines, InvoiceLine{
			Description: fmt.Sprintf("%s: %s, %s, %s", ChargeKind(c.Kind).Label(), c.FullName, sess.CourseTitle, day),
			AmountPence: Pence(c.AmountPence),
			Ref:         "charge-" + strconv.FormatInt(c.ID, 10),
		})
		total += Pence(c.AmountPence)
	}
	inv, err := s.gateway.InvoiceCharges(ctx, customer, lines, batch)
	if err != nil {
		return false, err
	}
	sent := false
	err = s.inTx(ctx, func(tx pgx.Tx, q *paymentdb.Queries) error {
		now := s.now()
		nc, err := q.MarkBatchChargesInvoiced(ctx, paymentdb.MarkBatchChargesInvoicedParams{StripeInvoiceID: &inv, Now: now, BillingBatch: batch})
		if err != nil {
			return fmt.Errorf("mark charges invoiced: %w", err)
		}
		np, err := q.MarkBatchPlacesInvoiced(ctx, paymentdb.MarkBatchPlacesInvoicedParams{StripeInvoiceID: &inv, Now: now, BillingBatch: batch})
		if err != nil {
			return fmt.Errorf("mark places invoiced: %w", err)
		}
		if nc+np == 0 {
			return nil // recorded by another run meanwhile
		}
		sent = true
		by := actor.From(ctx) // the service, in the invoice job
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: AgencyInvoiced, ActorID: by.IDPtr(), IP: by.IP, AgencyID: &agencyID, Details: map[string]any{
			"invoice": inv, "batch": batch, "session_id": sessionID, "course": sess.CourseTitle, "total": total.String(),
			"charges": len(charges), "places": len(places),
		}})
	})
	return sent, err
}

// invoiceOf reads the invoice an invoice.* event is about.
func invoiceOf(ev stripe.Event) (string, error) {
	var inv stripe.Invoice
	if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil || inv.ID == "" {
		return "", fmt.Errorf("%w: %s carries no invoice", ErrBadPayload, ev.ID)
	}
	return inv.ID, nil
}

// InvoicePaid (invoice.paid) marks the charges and places on a paid invoice
// paid. An invoice that is none of ours (made by hand in Stripe) changes
// nothing.
func (s *Service) InvoicePaid(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	id, err := invoiceOf(ev)
	if err != nil {
		return err
	}
	q := paymentdb.New(tx)
	now := s.now()
	if _, err := q.MarkInvoiceChargesPaid(ctx, paymentdb.MarkInvoiceChargesPaidParams{StripeInvoiceID: &id, Now: now}); err != nil {
		return fmt.Errorf("mark charges of invoice %s paid: %w", id, err)
	}
	if _, err := q.MarkInvoicePlacesPaid(ctx, paymentdb.MarkInvoicePlacesPaidParams{StripeInvoiceID: &id, Now: now}); err != nil {
		return fmt.Errorf("mark places of invoice %s paid: %w", id, err)
	}
	return nil
}

// InvoiceVoided (invoice.voided, invoice.marked_uncollectible) records in the
// audit log that an invoice of ours will not be paid. Its charges stay
// invoiced: voiding is a decision made in Stripe's dashboard, and billing
// them again is the manager’s call there, not the invoice job’s.
func (s *Service) InvoiceVoided(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	id, err := invoiceOf(ev)
	if err != nil {
		return err
	}
	q := paymentdb.New(tx)
	agencyID, err := q.InvoiceAgency(ctx, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not ours
	} else if err != nil {
		return fmt.Errorf("agency of invoice %s: %w", id, err)
	}
	by := actor.From(ctx) // the service, for Stripe's webhook
	return audit.RecordTx(ctx, tx, s.now(), audit.Event{Action: AgencyInvoiceVoided, ActorID: by.IDPtr(), IP: by.IP, AgencyID: &agencyID, Details: map[string]any{
		"invoice": id, "event": string(ev.Type),
	}})
}

// EnsureAgencyCustomer returns the agency's Stripe customer, made the first
// time (one per agency, named after it, billed at its billing contact) and
// brought up to date when the agency's name or billing contact email has
// changed since it was last sent, so the next invoice goes to the new one.
// Without a billing contact it is ErrNoBillingEmail: nothing is billed to an
// address that was cleared.
//
// No row is locked while Stripe answers: the agency is read, Stripe asked
// with the agency's key (an update's, the agency's as last changed), and the
// answer recorded only while the agency still reads the same and it is not
// recorded already. So two at once, or a retry after a lost answer, make one
// customer and one change, recorded and audited once; and a change made
// while Stripe answered is sent before the invoice (it is read again).
func (s *Service) EnsureAgencyCustomer(ctx context.Context, agencyID int64) (string, error) {
	if s.gateway == nil {
		return "", ErrOffline
	}
	q := paymentdb.New(s.pool)
	for range 3 {
		a, err := q.AgencyBilling(ctx, agencyID)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", ErrNotFound
		} else if err != nil {
			return "", fmt.Errorf("stripe customer of agency %d: %w", agencyID, err)
		}
		if a.BillingContactEmail == "" {
			return "", ErrNoBillingEmail
		}
		c := Customer{AgencyID: a.ID, Name: a.Name, BillingEmail: a.BillingContactEmail}
		action := StripeCustomerMade
		var id string
		switch {
		case a.StripeCustomerID == nil:
			if id, err = s.gateway.EnsureCustomer(ctx, c, CustomerKey(a.ID)); err != nil {
				return "", err
			}
		case deref(a.StripeCustomerEmail) != c.BillingEmail || deref(a.StripeCustomerName) != c.Name:
			id, action = *a.StripeCustomerID, StripeCustomerUpdated
			if err := s.gateway.UpdateCustomer(ctx, id, c, CustomerUpdateKey(a.ID, c.Name, c.BillingEmail, a.UpdatedAt)); err != nil {
				return "", err
			}
		default:
			return *a.StripeCustomerID, nil
		}
		err = s.inTx(ctx, func(tx pgx.Tx, q *paymentdb.Queries) error {
			now := s.now()
			set, err := agency.SetStripeCustomerTx(ctx, tx, now, a.ID, agency.StripeCustomer{ID: id, Name: c.Name, Email: c.BillingEmail})
			if err != nil || !set {
				return err // recorded already, or the agency changed: read again
			}
			by := actor.From(ctx) // the service, in the invoice job
			return audit.RecordTx(ctx, tx, now, audit.Event{Action: action, ActorID: by.IDPtr(), IP: by.IP, AgencyID: &a.ID, Details: map[string]any{
				"customer": id, "email": c.BillingEmail,
			}})
		})
		if err != nil {
			return "", fmt.Errorf("store stripe customer of agency %d: %w", agencyID, err)
		}
	}
	return "", fmt.Errorf("stripe customer of agency %d: the agency kept changing while Stripe answered; tried again later", agencyID)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
