package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/validation"
)

// A charge's life:
//
//	(candidate) ──manager confirms──▶ proposed ──invoice job───▶ invoiced ──invoice.paid──▶ paid
//	            └─manager waives, with a reason──▶ waived
//
// A candidate is a person marked absent on the register, or a cancellation
// inside the cut-off. Proposed means confirmed and waiting for the invoice job,
// which bills each agency once per session (Stripe invoice to its billing
// contact), together with the places it booked on invoice, once nothing is
// left to decide (see SessionCharges.BillingWaits).

// ChargeStatus is where a charge is in its life.
type ChargeStatus string

const (
	ChargeProposed ChargeStatus = "proposed"
	ChargeInvoiced ChargeStatus = "invoiced"
	ChargePaid     ChargeStatus = "paid"
	ChargeWaived   ChargeStatus = "waived"
)

// Label is the status as a coordinator or manager reads it.
func (s ChargeStatus) Label() string {
	switch s {
	case ChargeProposed:
		return "To be invoiced"
	case ChargeInvoiced:
		return "Invoiced"
	case ChargePaid:
		return "Paid"
	case ChargeWaived:
		return "Waived"
	}
	return string(s)
}

// Audited actions of charges.
const (
	ChargesConfirmed     = audit.ChargesConfirmed
	AgencyInvoiced       = audit.AgencyInvoiced
	AgencyInvoiceVoided  = audit.AgencyInvoiceVoided
	maxWaiverReasonRunes = 500
)

// NoChargeReason says why a candidate costs nothing without a decision.
type NoChargeReason string

const (
	// NoAgencyToBill: the person's organisation is not a listed agency.
	NoAgencyToBill NoChargeReason = "no_agency"
	// PlaceAlreadyPaid: the place was paid for (by card or on the agency's
	// invoice); that fee stands instead of a charge.
	PlaceAlreadyPaid NoChargeReason = "place_paid"
	// FreeByPolicy: the charge policy asks nothing of this agency's band.
	FreeByPolicy NoChargeReason = "free"
)

// Label is the reason as the manager's page says it.
func (r NoChargeReason) Label() string {
	switch r {
	case NoAgencyToBill:
		return "No agency to bill"
	case PlaceAlreadyPaid:
		return "No charge: already paid for the place"
	case FreeByPolicy:
		return "No charge: the policy charges this agency nothing"
	}
	return string(r)
}

// ChargeCandidate is one person who may be charged on a session.
type ChargeCandidate struct {
	BookingID  int64
	Person     string
	AgencyID   *int64
	AgencyName string
	Band       agency.ChargingBand
	Kind       ChargeKind
	Amount     Pence // the policy's amount, or the recorded charge's
	NoCharge   NoChargeReason
	// The decision, once made: Status is "" before.
	ChargeID     int64
	Status       ChargeStatus
	WaiverReason string
	// InvoiceReference is the finance system's, for a charge invoiced by hand.
	InvoiceReference string
	// NoBillingContact: a confirmed charge waits for the agency's billing
	// contact email before it can be invoiced.
	NoBillingContact bool
}

// Decided reports whether the manager has charged or waived it.
func (c ChargeCandidate) Decided() bool { return c.Status != "" }

// Undecided reports whether the manager must still charge or waive it.
func (c ChargeCandidate) Undecided() bool { return !c.Decided() && c.NoCharge == "" }

// DecisionField and ReasonField are the form fields of one candidate.
func (c ChargeCandidate) DecisionField() string { return DecisionField(c.BookingID) }
func (c ChargeCandidate) ReasonField() string   { return ReasonField(c.BookingID) }

// DecisionField is the form field holding "charge" or "waive" for a booking.
func DecisionField(bookingID int64) string { return "decision-" + strconv.FormatInt(bookingID, 10) }

// ReasonField is the form field holding the reason for waiving a booking's charge.
func ReasonField(bookingID int64) string { return "reason-" + strconv.FormatInt(bookingID, 10) }

// SessionCharges is a session's charges page.
type SessionCharges struct {
	SessionID     int64
	CourseTitle   string
	StartsAt      time.Time
	Duration      catalogue.Duration
	RegisterTaken bool
	Completed     bool // marked delivered
	Candidates    []ChargeCandidate
}

// BillingWaits reports whether billing holds this session’s invoices back:
// it bills a session once nothing is left to decide, that is once it is
// marked delivered, or its register is taken and every candidate is charged
// or waived, so each agency gets one invoice, not one before and one after
// the non-attendances.
func (s SessionCharges) BillingWaits() bool {
	return !s.Completed && (!s.RegisterTaken || s.Undecided() > 0)
}

// Undecided counts the candidates waiting for the manager.
func (s SessionCharges) Undecided() int {
	n := 0
	for _, c := range s.Candidates {
		if c.Undecided() {
			n++
		}
	}
	return n
}

// SessionCharges lists a session's non-attendances and late cancellations
// with the charge the policy gives each, and any decision made.
func (s *Service) SessionCharges(ctx context.Context, sessionID int64) (SessionCharges, error) {
	return sessionCharges(ctx, s.pool, sessionID)
}

// sessionCharges reads in db, the caller's transaction or the pool.
func sessionCharges(ctx context.Context, db dbsqlc.DBTX, sessionID int64) (SessionCharges, error) {
	q := dbsqlc.New(db)
	sess, err := q.ChargeSession(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return SessionCharges{}, ErrNotFound
	} else if err != nil {
		return SessionCharges{}, fmt.Errorf("session %d: %w", sessionID, err)
	}
	out := SessionCharges{
		SessionID: sess.ID, CourseTitle: sess.CourseTitle, StartsAt: sess.StartsAt,
		Duration: catalogue.Duration(sess.Duration), RegisterTaken: sess.RegisterTaken, Completed: sess.Status == "completed",
	}
	if sess.Status == "cancelled" {
		return out, nil // nobody is charged for a session that did not happen
	}
	rows, err := q.ChargeCandidates(ctx, sessionID)
	if err != nil {
		return SessionCharges{}, fmt.Errorf("charge candidates of session %d: %w", sessionID, err)
	}
	for _, r := range rows {
		c := ChargeCandidate{
			BookingID: r.BookingID, Person: r.FullName, AgencyID: r.AgencyID, AgencyName: r.AgencyName,
			Band: agency.ChargingBand(r.ChargingBand), Kind: ChargeKind(r.Kind),
		}
		if r.ChargeID != nil {
			c.ChargeID, c.Status, c.Amount = *r.ChargeID, ChargeStatus(*r.ChargeStatus), Pence(*r.ChargeAmount)
			c.WaiverReason, c.InvoiceReference = *r.ChargeWaiverReason, r.ChargeInvoiceReference
			c.NoBillingContact = c.Status == ChargeProposed && r.BillingEmail == ""
			out.Candidates = append(out.Candidates, c)
			continue
		}
		switch {
		case r.AgencyID == nil:
			c.NoCharge = NoAgencyToBill
		case r.PlacePaid:
			c.NoCharge = PlaceAlreadyPaid
		default:
			if c.Amount, err = PolicyCharge(ctx, db, c.Kind, out.Duration, c.Band); err != nil {
				return SessionCharges{}, err
			}
			if c.Amount.Free() {
				c.NoCharge = FreeByPolicy
			}
		}
		out.Candidates = append(out.Candidates, c)
	}
	return out, nil
}

// Decision is the manager's choice for one candidate.
type Decision struct {
	Charge bool   // false: waive
	Reason string // why it is waived
	Chosen bool   // false: neither was chosen
}

// ConfirmCharges records the manager's decisions on a session's undecided
// candidates, in one transaction: charged ones become proposed (billed by the
// invoice job), waived ones waived with their reason. Every undecided candidate
// needs a decision, and every waiver a reason (a *validation.Errors says
// which). A candidate decided meanwhile (another manager, a second press) keeps
// its first decision. It returns how many decisions it recorded.
func (s *Service) ConfirmCharges(ctx context.Context, actor, sessionID int64, decisions map[int64]Decision, ip string) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		sc, err := sessionCharges(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		var v validation.Errors
		for _, c := range sc.Candidates {
			if !c.Undecided() {
				continue
			}
			d := decisions[c.BookingID]
			switch {
			case !d.Chosen:
				v.Add(c.DecisionField(), fmt.Sprintf("Select whether to charge or waive the %s of %s", lowerFirst(c.Kind.Label()), c.Person))
			case !d.Charge && strings.TrimSpace(d.Reason) == "":
				v.Add(c.ReasonField(), fmt.Sprintf("Enter why the charge for %s is waived", c.Person))
			case !d.Charge && len([]rune(strings.TrimSpace(d.Reason))) > maxWaiverReasonRunes:
				v.Add(c.ReasonField(), fmt.Sprintf("The reason for waiving %s’s charge must be %d characters or fewer", c.Person, maxWaiverReasonRunes))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		var recorded []map[string]any
		for _, c := range sc.Candidates {
			if !c.Undecided() {
				continue
			}
			d := decisions[c.BookingID]
			p := dbsqlc.InsertChargeParams{
				BookingID: c.BookingID, AgencyID: *c.AgencyID, Kind: string(c.Kind), AmountPence: int32(c.Amount),
				Status: string(ChargeProposed), DecidedBy: &actor, Now: now,
			}
			if !d.Charge {
				p.Status, p.WaiverReason = string(ChargeWaived), strings.TrimSpace(d.Reason)
			}
			if _, err := q.InsertCharge(ctx, p); errors.Is(err, pgx.ErrNoRows) {
				continue // decided meanwhile
			} else if err != nil {
				return fmt.Errorf("record %s charge of booking %d: %w", c.Kind, c.BookingID, err)
			}
			n++
			e := map[string]any{"booking_id": c.BookingID, "person": c.Person, "agency": c.AgencyName,
				"kind": string(c.Kind), "amount": c.Amount.String(), "status": p.Status}
			if p.WaiverReason != "" {
				e["reason"] = p.WaiverReason
			}
			recorded = append(recorded, e)
		}
		if n == 0 {
			return nil
		}
		if err := audit.Record(ctx, q, now, audit.Event{Action: ChargesConfirmed, ActorID: &actor, IP: ip, Details: map[string]any{
			"session_id": sessionID, "course": sc.CourseTitle, "charges": recorded,
		}}); err != nil {
			return err
		}
		return s.BillWhenDueTx(ctx, tx, sessionID) // the last decision makes it billable
	})
	return n, err
}

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
	q := dbsqlc.New(s.pool)
	pairs, err := q.AgencySessionsToBill(ctx, dbsqlc.AgencySessionsToBillParams{})
	if err != nil {
		return 0, fmt.Errorf("agencies to bill: %w", err)
	}
	left, err := q.BatchesToInvoice(ctx, dbsqlc.BatchesToInvoiceParams{})
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
	q := dbsqlc.New(s.pool)
	n := 0
	// A few rounds: rows confirmed while one round was with Stripe go on
	// the next invoice now rather than at the next sweep.
	for round := 0; round < 3; round++ {
		if err := s.reserveBatch(ctx, sessionID, agencyID); err != nil {
			return n, fmt.Errorf("reserve the bill of agency %d for session %d: %w", agencyID, sessionID, err)
		}
		batches, err := q.BatchesToInvoice(ctx, dbsqlc.BatchesToInvoiceParams{SessionID: &sessionID, AgencyID: &agencyID})
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
	return s.inTx(ctx, func(q *dbsqlc.Queries) error {
		a, err := q.LockAgencyBilling(ctx, agencyID)
		if err != nil {
			return fmt.Errorf("lock agency: %w", err)
		}
		if a.BillingContactEmail == "" {
			return nil
		}
		charges, err := q.LockChargesToReserve(ctx, dbsqlc.LockChargesToReserveParams{SessionID: sessionID, AgencyID: agencyID})
		if err != nil {
			return fmt.Errorf("lock charges: %w", err)
		}
		places, err := q.LockPlacesToReserve(ctx, dbsqlc.LockPlacesToReserveParams{SessionID: sessionID, AgencyID: &agencyID})
		if err != nil {
			return fmt.Errorf("lock places on invoice: %w", err)
		}
		if len(charges) == 0 && len(places) == 0 {
			return nil // reserved by another run
		}
		round, err := q.BatchesOfSessionAgency(ctx, dbsqlc.BatchesOfSessionAgencyParams{SessionID: sessionID, AgencyID: agencyID})
		if err != nil {
			return fmt.Errorf("batches so far: %w", err)
		}
		batch, now := BillKey(sessionID, agencyID, int(round)), s.now()
		if _, err := q.ReserveCharges(ctx, dbsqlc.ReserveChargesParams{BillingBatch: batch, Now: now, Ids: charges}); err != nil {
			return fmt.Errorf("reserve charges: %w", err)
		}
		if _, err := q.ReservePlaces(ctx, dbsqlc.ReservePlacesParams{BillingBatch: batch, Now: now, Ids: places}); err != nil {
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
	q := dbsqlc.New(s.pool)
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
	day := sess.StartsAt.In(catalogue.London).Format("2 January 2006")
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
	err = s.inTx(ctx, func(q *dbsqlc.Queries) error {
		now := s.now()
		nc, err := q.MarkBatchChargesInvoiced(ctx, dbsqlc.MarkBatchChargesInvoicedParams{StripeInvoiceID: &inv, Now: now, BillingBatch: batch})
		if err != nil {
			return fmt.Errorf("mark charges invoiced: %w", err)
		}
		np, err := q.MarkBatchPlacesInvoiced(ctx, dbsqlc.MarkBatchPlacesInvoicedParams{StripeInvoiceID: &inv, Now: now, BillingBatch: batch})
		if err != nil {
			return fmt.Errorf("mark places invoiced: %w", err)
		}
		if nc+np == 0 {
			return nil // recorded by another run meanwhile
		}
		sent = true
		return audit.Record(ctx, q, now, audit.Event{Action: AgencyInvoiced, AgencyID: &agencyID, Details: map[string]any{
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
	q := dbsqlc.New(tx)
	now := s.now()
	if _, err := q.MarkInvoiceChargesPaid(ctx, dbsqlc.MarkInvoiceChargesPaidParams{StripeInvoiceID: &id, Now: now}); err != nil {
		return fmt.Errorf("mark charges of invoice %s paid: %w", id, err)
	}
	if _, err := q.MarkInvoicePlacesPaid(ctx, dbsqlc.MarkInvoicePlacesPaidParams{StripeInvoiceID: &id, Now: now}); err != nil {
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
	q := dbsqlc.New(tx)
	agencyID, err := q.InvoiceAgency(ctx, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not ours
	} else if err != nil {
		return fmt.Errorf("agency of invoice %s: %w", id, err)
	}
	return audit.Record(ctx, q, s.now(), audit.Event{Action: AgencyInvoiceVoided, AgencyID: &agencyID, Details: map[string]any{
		"invoice": id, "event": string(ev.Type),
	}})
}

// AgencyCharge is one charge as an agency's coordinator sees it.
type AgencyCharge struct {
	ID           int64
	SessionID    int64
	CourseTitle  string
	StartsAt     time.Time
	Person       string
	Kind         ChargeKind
	Amount       Pence
	Status       ChargeStatus
	WaiverReason string
	// InvoiceReference is the finance system's reference, for a charge
	// invoiced by hand (without Stripe).
	InvoiceReference string
}

// AgencyCharges is every charge of one agency, newest session first.
func (s *Service) AgencyCharges(ctx context.Context, agencyID int64) ([]AgencyCharge, error) {
	rows, err := dbsqlc.New(s.pool).AgencyCharges(ctx, agencyID)
	if err != nil {
		return nil, fmt.Errorf("charges of agency %d: %w", agencyID, err)
	}
	out := make([]AgencyCharge, 0, len(rows))
	for _, r := range rows {
		out = append(out, AgencyCharge{
			ID: r.ID, SessionID: r.SessionID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, Person: r.FullName,
			Kind: ChargeKind(r.Kind), Amount: Pence(r.AmountPence), Status: ChargeStatus(r.Status), WaiverReason: r.WaiverReason,
			InvoiceReference: r.InvoiceReference,
		})
	}
	return out, nil
}
