package payment

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/validation"
)

// Invoicing by hand. Many councils raise invoices in their own finance
// system, so without Stripe a training manager takes what is to be invoiced
// (confirmed charges, places on invoice) as a list or a CSV, raises the
// invoices there, and marks the rows invoiced with that system's reference,
// then paid:
//
//	proposed / pending ──MarkInvoiced(reference)──▶ invoiced ──MarkPaid──▶ paid
//
// A row goes one way only. Stripe invoicing reserves rows into a billing
// batch before it bills them; a row in a batch, or billed by Stripe, is never
// marked here, and a row marked here is no longer proposed or pending, so
// Stripe invoicing never takes it. With Stripe online invoice jobs bill the agencies,
// and only places whose payer is the person or their own organisation (no
// agency's Stripe customer) are invoiced by hand.

// Audited actions of invoicing by hand.
const (
	InvoiceMarked     = audit.InvoiceMarked
	InvoiceMarkedPaid = audit.InvoiceMarkedPaid
)

// Form fields of the invoicing page.
const (
	FieldInvoiceRows      = "rows"
	FieldInvoiceReference = "invoice-reference"
	FieldPaidRows         = "paid-rows"
	maxInvoiceReference   = 100
)

// InvoiceState is which list of the invoicing page a row is on.
type InvoiceState string

const (
	// ToInvoice: confirmed charges, and places on invoice whose session has
	// begun (a cancellation before then is not billed).
	ToInvoice InvoiceState = "to_invoice"
	// AwaitingPayment: marked invoiced by hand, not yet marked paid.
	AwaitingPayment InvoiceState = "invoiced"
)

// InvoiceRow is one line a finance team invoices: a place or a charge.
type InvoiceRow struct {
	Ref              string // "charge-12", "place-34": the row's reference
	Kind             string // "place", "non_attendance", "late_cancellation"
	Amount           Pence
	Status           string
	InvoiceReference string
	Payer            string // who is invoiced: the agency, an organisation, a person
	PayerKind        string // "agency", "organisation", "person"
	BillingName      string
	BillingEmail     string
	PurchaseOrder    string
	AgencyName       string // the person's agency (or the organisation they typed)
	Person           string
	BookingID        int64
	SessionID        int64
	CourseTitle      string
	StartsAt         time.Time
}

// KindLabel says what the row is for, as the page and the CSV say it.
func (r InvoiceRow) KindLabel() string {
	if r.Kind == "place" {
		return "Place"
	}
	return ChargeKind(r.Kind).Label()
}

// PayerKindLabel says who pays, in words.
func (r InvoiceRow) PayerKindLabel() string {
	switch r.PayerKind {
	case "organisation":
		return "Their own organisation"
	case "person":
		return "The person"
	}
	return "Agency"
}

// payerKey tells one payer's invoice from another's.
func (r InvoiceRow) payerKey() string {
	return r.PayerKind + "\x00" + strings.ToLower(r.Payer) + "\x00" + strings.ToLower(r.BillingEmail)
}

// InvoiceGroup is one payer's rows: one invoice in the finance system.
type InvoiceGroup struct {
	Payer        string
	PayerKind    string
	BillingName  string
	BillingEmail string
	Rows         []InvoiceRow
	// Total and Count are the payer's, over every page of the list (those
	// GroupByPayer makes count only the rows it was given).
	Total Pence
	Count int
	// Before and After say the payer has rows on an earlier or a later page.
	Before, After bool
}

// GroupByPayer groups rows, in the order InvoicingRows gives them, by payer.
func GroupByPayer(rows []InvoiceRow) []InvoiceGroup {
	var out []InvoiceGroup
	key := ""
	for _, r := range rows {
		if len(out) == 0 || r.payerKey() != key {
			key = r.payerKey()
			out = append(out, InvoiceGroup{Payer: r.Payer, PayerKind: r.PayerKind, BillingName: r.BillingName, BillingEmail: r.BillingEmail})
		}
		g := &out[len(out)-1]
		g.Rows = append(g.Rows, r)
		g.Total += r.Amount
		g.Count++
	}
	return out
}

// InvoicePage is one page of a state's rows, grouped by payer, with the
// counts and totals of the whole state.
type InvoicePage struct {
	Groups []InvoiceGroup
	Rows   int   // on every page
	Total  Pence // of every page
	Page   int   // from 1
	Pages  int
}

// InvoicingPage lists a page (from 1; past the last, the first) of perPage rows in one state, grouped
// by payer: each payer's total and count, and the state's, are over every
// page, counted in SQL.
func (s *Service) InvoicingPage(ctx context.Context, state InvoiceState, page, perPage int) (InvoicePage, error) {
	var out InvoicePage
	err := s.readInvoicing(ctx, func(q *paymentdb.Queries) (err error) {
		out, err = s.invoicingPage(ctx, q, state, page, perPage)
		return err
	})
	return out, err
}

// InvoicingPages is InvoicingPage of each state, read in one transaction:
// the invoicing page shows both lists.
func (s *Service) InvoicingPages(ctx context.Context, toInvoicePage, awaitingPage, perPage int) (toInvoice, awaiting InvoicePage, err error) {
	err = s.readInvoicing(ctx, func(q *paymentdb.Queries) (err error) {
		if toInvoice, err = s.invoicingPage(ctx, q, ToInvoice, toInvoicePage, perPage); err != nil {
			return err
		}
		awaiting, err = s.invoicingPage(ctx, q, AwaitingPayment, awaitingPage, perPage)
		return err
	})
	return toInvoice, awaiting, err
}

// invoicingPage reads InvoicingPage's page in q.
func (s *Service) invoicingPage(ctx context.Context, q *paymentdb.Queries, state InvoiceState, page, perPage int) (InvoicePage, error) {
	page = max(page, 1)
	limit := int32(perPage)
	rows, err := s.invoicingRows(ctx, q, state, int32((page-1)*perPage), &limit)
	if err != nil {
		return InvoicePage{}, fmt.Errorf("rows %s, page %d: %w", state, page, err)
	}
	if len(rows) == 0 && page > 1 {
		return s.invoicingPage(ctx, q, state, 1, perPage) // past the last page (rows marked meanwhile): the first
	}
	out := InvoicePage{Page: page}
	if len(rows) == 0 {
		return out, nil
	}
	out.Rows, out.Total = int(rows[0].AllRows), Pence(rows[0].AllPence)
	out.Pages = (out.Rows + perPage - 1) / perPage
	out.Groups = GroupByPayer(invoiceRows(rows))
	next := 0
	for i := range out.Groups {
		g := &out.Groups[i]
		first, last := rows[next], rows[next+len(g.Rows)-1]
		next += len(g.Rows)
		g.Total, g.Count = Pence(first.PayerPence), int(first.PayerRows)
		g.Before, g.After = first.PayerRow > 1, last.PayerRow < first.PayerRows
	}
	return out, nil
}

// InvoicingRows lists the rows in one state, grouped by payer.
func (s *Service) InvoicingRows(ctx context.Context, state InvoiceState) ([]InvoiceRow, error) {
	var rows []invoicingRow
	err := s.readInvoicing(ctx, func(q *paymentdb.Queries) (err error) {
		rows, err = s.invoicingRows(ctx, q, state, 0, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rows %s: %w", state, err)
	}
	return invoiceRows(rows), nil
}

// InvoicingBookings lists the bookings of the rows in one state: whom an
// export of the state names, to audit before any of it is sent.
func (s *Service) InvoicingBookings(ctx context.Context, state InvoiceState) ([]int64, error) {
	var out []int64
	err := s.readInvoicing(ctx, func(q *paymentdb.Queries) (err error) {
		out, err = q.InvoicingBookings(ctx, paymentdb.InvoicingBookingsParams{State: string(state), Now: s.now(), Online: s.Online()})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bookings %s: %w", state, err)
	}
	return out, nil
}

// invoicingExportBatch is how many rows an export reads at a time.
const invoicingExportBatch = 1000

// invoicingExportBegin is readInvoicing's start, in one snapshot for every
// batch of an export (a row marked meanwhile moves none of the others).
const invoicingExportBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off; " +
	"SET LOCAL plan_cache_mode = force_generic_plan"

// EachInvoicingRow calls fn with each row in one state, in the list's order,
// read a batch at a time, so an export holds no more than one batch. Only
// rows of bookings (those InvoicingBookings gave and the caller audited)
// are given: a row that became due since is left out. The last batch (most
// exports' only one) is given after the transaction ends, so a slow
// download holds no connection for it.
func (s *Service) EachInvoicingRow(ctx context.Context, state InvoiceState, bookings []int64, fn func(InvoiceRow) error) error {
	audited := make(map[int64]bool, len(bookings))
	for _, b := range bookings {
		audited[b] = true
	}
	each := func(rows []invoicingRow) error {
		for _, r := range invoiceRows(rows) {
			if !audited[r.BookingID] {
				continue
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	var last []invoicingRow
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: invoicingExportBegin}, func(tx pgx.Tx) error {
		q := paymentdb.New(tx)
		limit := int32(invoicingExportBatch)
		for skip := int32(0); ; skip += limit {
			rows, err := s.invoicingRows(ctx, q, state, skip, &limit)
			if err != nil {
				return fmt.Errorf("rows %s from %d: %w", state, skip, err)
			}
			if len(rows) < int(limit) {
				last = rows
				return nil
			}
			if err := each(rows); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	return each(last)
}

// readInvoicing runs fn in a read-only transaction without PostgreSQL's JIT
// compilation. A manager's lists are planned under the row-level security
// policies, whose checks the planner prices high: at 100x the list to
// invoice crossed jit_above_cost, and compiling it took ten times as long
// as running it (as the reports found, internal/report). The query chooses
// no branch by its parameters (the state is one of them), so one generic
// plan serves both states and every call on a connection: planning it
// afresh took longer than running it.
func (s *Service) readInvoicing(ctx context.Context, fn func(q *paymentdb.Queries) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: invoicingReadBegin},
		func(tx pgx.Tx) error { return fn(paymentdb.New(tx)) })
}

// invoicingReadBegin is sent as one simple-protocol message (pgx sends a
// statement without arguments so): no more round trips than BEGIN alone.
const invoicingReadBegin = "BEGIN READ ONLY; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan"

// invoicingRow is a row of either state.
type invoicingRow = paymentdb.InvoicingRowsRow

// invoicingRows reads a page of limit rows from skip (nil: every row) in
// one state.
func (s *Service) invoicingRows(ctx context.Context, q *paymentdb.Queries, state InvoiceState, skip int32, limit *int32) ([]invoicingRow, error) {
	return q.InvoicingRows(ctx, paymentdb.InvoicingRowsParams{
		State: string(state), Now: s.now(), Online: s.Online(), SkipRows: skip, MaxRows: limit,
	})
}

func invoiceRows(rows []invoicingRow) []InvoiceRow {
	out := make([]InvoiceRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, InvoiceRow{
			Ref: r.RowKind + "-" + strconv.FormatInt(r.ID, 10), Kind: r.Kind, Amount: Pence(r.AmountPence), Status: r.Status,
			InvoiceReference: r.InvoiceReference, Payer: r.PayerName, PayerKind: r.Payer, BillingName: r.BillingName,
			BillingEmail: r.BillingEmail, PurchaseOrder: r.PurchaseOrder, AgencyName: r.AgencyName, Person: r.Person,
			BookingID: r.BookingID, SessionID: r.SessionID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt,
		})
	}
	return out
}

// rowRefs splits row references into charge and place ids, in order and
// without repeats; false for a reference that is neither.
func rowRefs(refs []string) (charges, places []int64, ok bool) {
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, num, found := strings.Cut(ref, "-")
		id, err := strconv.ParseInt(num, 10, 64)
		if !found || err != nil || id <= 0 {
			return nil, nil, false
		}
		switch kind {
		case "charge":
			charges = append(charges, id)
		case "place":
			places = append(places, id)
		default:
			return nil, nil, false
		}
	}
	return charges, places, true
}

// billedRow is a locked row's billing, to say why it cannot be marked.
type billedRow struct {
	status    string
	stripe    bool // reserved for, or billed through, Stripe
	reference string
}

// lockRows locks the rows named (charges first, then places, each in id
// order: the order Stripe invoicing locks in too).
func lockRows(ctx context.Context, q *paymentdb.Queries, charges, places []int64) (map[string]billedRow, error) {
	out := map[string]billedRow{}
	cs, err := q.LockChargesToMark(ctx, charges)
	if err != nil {
		return nil, fmt.Errorf("lock charges: %w", err)
	}
	for _, c := range cs {
		out["charge-"+strconv.FormatInt(c.ID, 10)] = billedRow{
			status: c.Status, stripe: c.StripeInvoiceID != nil || c.BillingBatch != nil, reference: deref(c.InvoiceReference),
		}
	}
	ps, err := q.LockPlacesToMark(ctx, places)
	if err != nil {
		return nil, fmt.Errorf("lock places: %w", err)
	}
	for _, p := range ps {
		if p.Method != "invoice" {
			continue
		}
		out["place-"+strconv.FormatInt(p.ID, 10)] = billedRow{
			status: p.Status, stripe: p.StripeInvoiceID != nil || p.BillingBatch != nil, reference: deref(p.InvoiceReference),
		}
	}
	return out, nil
}

// whyNot says why row ref, locked as b (found false: no such row), is not in
// the list it was marked from.
func (s *Service) whyNot(ref string, b billedRow, found bool, marking InvoiceState) string {
	switch {
	case !found:
		return fmt.Sprintf("%s is not a charge or a place on invoice", ref)
	case b.stripe:
		return fmt.Sprintf("%s is billed through Stripe, which records its payment", ref)
	case b.status == "paid":
		return fmt.Sprintf("%s is already marked as paid", ref)
	case b.status == "invoiced" && marking == ToInvoice:
		return fmt.Sprintf("%s is already marked as invoiced, with reference %s", ref, b.reference)
	case s.Online() && marking == ToInvoice:
		return fmt.Sprintf("%s is billed through Stripe, which records its payment", ref)
	case marking == ToInvoice:
		return fmt.Sprintf("%s is not ready to be invoiced: it is %s", ref, rowStatusWords(b.status))
	}
	return fmt.Sprintf("%s has not been marked as invoiced", ref)
}

func rowStatusWords(status string) string {
	switch status {
	case "waived":
		return "waived"
	case "cancelled":
		return "a cancelled place, not billed"
	case "pending":
		return "a place on a session that has not begun"
	}
	return status
}

// MarkInvoiced records that the rows refs (InvoiceRow.Ref) were invoiced in
// the finance system under reference, in one transaction, audited as done by
// the actor in ctx. Every row
// must be to be invoiced and for one payer (one invoice); otherwise nothing
// is marked and a *validation.Errors says which row and why. A second press,
// or a second manager marking the same rows, finds them invoiced and is
// refused: the rows are locked, so the two take turns. It returns how many
// rows it marked.
func (s *Service) MarkInvoiced(ctx context.Context, refs []string, reference string) (int, error) {
	by := actor.From(ctx)
	reference = validation.CleanLine(reference)
	var v validation.Errors
	charges, places, ok := rowRefs(refs)
	switch {
	case len(refs) == 0:
		v.Add(FieldInvoiceRows, "Select the charges and places you have invoiced")
	case !ok:
		v.Add(FieldInvoiceRows, "Select the charges and places from the list")
	}
	switch {
	case reference == "":
		v.Add(FieldInvoiceReference, "Enter the invoice reference from your finance system")
	case len([]rune(reference)) > maxInvoiceReference:
		v.Add(FieldInvoiceReference, fmt.Sprintf("The invoice reference must be %d characters or fewer", maxInvoiceReference))
	case validation.HasHiddenFormatting(reference):
		v.Add(FieldInvoiceReference, validation.HiddenFormattingMessage("The invoice reference"))
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := paymentdb.New(tx)
		chosen, err := s.lockChosen(ctx, tx, charges, places, refs, ToInvoice, FieldInvoiceRows)
		if err != nil {
			return err
		}
		for _, r := range chosen[1:] {
			if r.payerKey() != chosen[0].payerKey() {
				v.Add(FieldInvoiceRows, fmt.Sprintf("Select one payer’s rows at a time: %s is for %s, %s for %s",
					chosen[0].Ref, chosen[0].Payer, r.Ref, r.Payer))
				return v.Err()
			}
		}
		now := s.now()
		nc, err := q.MarkChargesInvoicedByHand(ctx, paymentdb.MarkChargesInvoicedByHandParams{InvoiceReference: reference, Now: now, Ids: charges})
		if err != nil {
			return fmt.Errorf("mark charges invoiced: %w", err)
		}
		np, err := q.MarkPlacesInvoicedByHand(ctx, paymentdb.MarkPlacesInvoicedByHandParams{InvoiceReference: reference, Now: now, Ids: places})
		if err != nil {
			return fmt.Errorf("mark places invoiced: %w", err)
		}
		if int(nc+np) != len(chosen) {
			return fmt.Errorf("marked %d of %d rows invoiced", nc+np, len(chosen))
		}
		n = len(chosen)
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: InvoiceMarked, ActorID: by.IDPtr(), IP: by.IP,
			Details: markedDetails(chosen, reference)})
	})
	return n, err
}

// MarkPaid records that rows refs, marked invoiced by hand, were paid, in one
// transaction, audited. A row billed through Stripe is paid when Stripe says
// so, never here; a row not invoiced, or already paid, refuses the lot.
func (s *Service) MarkPaid(ctx context.Context, refs []string) (int, error) {
	by := actor.From(ctx)
	var v validation.Errors
	charges, places, ok := rowRefs(refs)
	switch {
	case len(refs) == 0:
		v.Add(FieldPaidRows, "Select the invoiced charges and places that have been paid")
	case !ok:
		v.Add(FieldPaidRows, "Select the charges and places from the list")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := paymentdb.New(tx)
		chosen, err := s.lockChosen(ctx, tx, charges, places, refs, AwaitingPayment, FieldPaidRows)
		if err != nil {
			return err
		}
		now := s.now()
		nc, err := q.MarkChargesPaidByHand(ctx, paymentdb.MarkChargesPaidByHandParams{Now: now, Ids: charges})
		if err != nil {
			return fmt.Errorf("mark charges paid: %w", err)
		}
		np, err := q.MarkPlacesPaidByHand(ctx, paymentdb.MarkPlacesPaidByHandParams{Now: now, Ids: places})
		if err != nil {
			return fmt.Errorf("mark places paid: %w", err)
		}
		if int(nc+np) != len(chosen) {
			return fmt.Errorf("marked %d of %d rows paid", nc+np, len(chosen))
		}
		n = len(chosen)
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: InvoiceMarkedPaid, ActorID: by.IDPtr(), IP: by.IP,
			Details: markedDetails(chosen, "")})
	})
	return n, err
}

// lockChosen locks the rows a manager chose, in tx, and returns them as the
// list in state shows them, or a field error on field naming a row that is
// no longer there (and why).
func (s *Service) lockChosen(ctx context.Context, tx pgx.Tx, charges, places []int64, refs []string, state InvoiceState, field string) ([]InvoiceRow, error) {
	locked, err := lockRows(ctx, paymentdb.New(tx), charges, places)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil { // as readInvoicing
		return nil, fmt.Errorf("jit off: %w", err)
	}
	list, err := s.invoicingRows(ctx, paymentdb.New(tx), state, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("rows %s: %w", state, err)
	}
	return s.chosenRows(refs, invoiceRows(list), locked, state, field)
}

// chosenRows finds each of refs in list (read under the rows' locks), or
// says why one is not there.
func (s *Service) chosenRows(refs []string, list []InvoiceRow, locked map[string]billedRow, state InvoiceState, field string) ([]InvoiceRow, error) {
	byRef := make(map[string]InvoiceRow, len(list))
	for _, r := range list {
		byRef[r.Ref] = r
	}
	var chosen []InvoiceRow
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		r, ok := byRef[ref]
		if !ok {
			b, found := locked[ref]
			var v validation.Errors
			v.Add(field, s.whyNot(ref, b, found, state))
			return nil, v.Err()
		}
		chosen = append(chosen, r)
	}
	return chosen, nil
}

func markedDetails(rows []InvoiceRow, reference string) map[string]any {
	var total Pence
	list := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		total += r.Amount
		list = append(list, map[string]any{
			"ref": r.Ref, "kind": r.Kind, "person": r.Person, "booking_id": r.BookingID, "session_id": r.SessionID,
			"amount": r.Amount.String(),
		})
	}
	d := map[string]any{"payer": rows[0].Payer, "rows": list, "total": total.String()}
	if reference != "" {
		d["invoice_reference"] = reference
	} else {
		refs := map[string]bool{}
		var names []string
		for _, r := range rows {
			if !refs[r.InvoiceReference] {
				refs[r.InvoiceReference] = true
				names = append(names, r.InvoiceReference)
			}
		}
		d["invoice_references"] = names
	}
	return d
}
