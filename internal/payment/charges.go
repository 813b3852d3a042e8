package payment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
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
func sessionCharges(ctx context.Context, db paymentdb.DBTX, sessionID int64) (SessionCharges, error) {
	q := paymentdb.New(db)
	sess, err := q.ChargeSession(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return SessionCharges{}, ErrNotFound
	} else if err != nil {
		return SessionCharges{}, fmt.Errorf("session %d: %w", sessionID, err)
	}
	status := catalogue.SessionStatus(sess.Status)
	out := SessionCharges{
		SessionID: sess.ID, CourseTitle: sess.CourseTitle, StartsAt: sess.StartsAt,
		Duration: catalogue.Duration(sess.Duration), RegisterTaken: sess.RegisterTaken, Completed: status == catalogue.SessionCompleted,
	}
	if status == catalogue.SessionCancelled {
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
			if r.PolicyAmount == nil { // as PolicyCharge says it
				return SessionCharges{}, fmt.Errorf("charge policy has no %s/%s/%s: %w", c.Kind, out.Duration, c.Band, ErrNotFound)
			}
			if c.Amount = Pence(*r.PolicyAmount); c.Amount.Free() {
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
// its first decision. It returns how many decisions it recorded, each
// decided by, and audited as, the actor in ctx.
func (s *Service) ConfirmCharges(ctx context.Context, sessionID int64, decisions map[int64]Decision) (int, error) {
	by := actor.From(ctx)
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := paymentdb.New(tx)
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
			p := paymentdb.InsertChargeParams{
				BookingID: c.BookingID, AgencyID: *c.AgencyID, Kind: string(c.Kind), AmountPence: int32(c.Amount),
				Status: string(ChargeProposed), DecidedBy: by.IDPtr(), Now: now,
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
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: ChargesConfirmed, ActorID: by.IDPtr(), IP: by.IP, Details: map[string]any{
			"session_id": sessionID, "course": sc.CourseTitle, "charges": recorded,
		}}); err != nil {
			return err
		}
		return s.BillWhenDueTx(ctx, tx, sessionID) // the last decision makes it billable
	})
	return n, err
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

// AgencyCharges is a page (from 1) of perPage charges of one agency, the
// most recently recorded first; more says a later page has some.
func (s *Service) AgencyCharges(ctx context.Context, agencyID int64, page, perPage int) (charges []AgencyCharge, more bool, err error) {
	rows, err := paymentdb.New(s.pool).AgencyCharges(ctx, paymentdb.AgencyChargesParams{
		AgencyID: agencyID, SkipRows: int32(max(page-1, 0) * perPage), MaxRows: int32(perPage + 1),
	})
	if err != nil {
		return nil, false, fmt.Errorf("charges of agency %d: %w", agencyID, err)
	}
	if len(rows) > perPage {
		rows, more = rows[:perPage], true
	}
	charges = make([]AgencyCharge, 0, len(rows))
	for _, r := range rows {
		charges = append(charges, AgencyCharge{
			ID: r.ID, SessionID: r.SessionID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, Person: r.FullName,
			Kind: ChargeKind(r.Kind), Amount: Pence(r.AmountPence), Status: ChargeStatus(r.Status), WaiverReason: r.WaiverReason,
			InvoiceReference: r.InvoiceReference,
		})
	}
	return charges, more, nil
}
