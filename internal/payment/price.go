package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/validation"
)

// Audited actions of this package.
const (
	PricesChanged         = audit.PricesChanged
	ChargePolicyChanged   = audit.ChargePolicyChanged
	StripeCustomerMade    = audit.StripeCustomerMade
	StripeCustomerUpdated = audit.StripeCustomerUpdated
)

// ChargeKind is what a charge is for.
type ChargeKind string

const (
	NonAttendance    ChargeKind = "non_attendance"
	LateCancellation ChargeKind = "late_cancellation"
)

// ChargeKinds in the order pages show them.
var ChargeKinds = []ChargeKind{NonAttendance, LateCancellation}

func (k ChargeKind) Label() string {
	switch k {
	case NonAttendance:
		return "Non-attendance"
	case LateCancellation:
		return "Late cancellation"
	}
	return string(k)
}

// bandPlural names a band's members in a sentence ("the price for …").
func bandPlural(b agency.ChargingBand) string {
	switch b {
	case agency.BandPartner:
		return "safeguarding partners"
	case agency.BandContributing:
		return "contributing agencies"
	case agency.BandNonContributing:
		return "non-contributing organisations"
	}
	return string(b)
}

// BandPrice is what one charging band pays.
type BandPrice struct {
	Band   agency.ChargingBand
	Amount Pence
}

// CoursePrices is a course and what each band pays for a place on it.
type CoursePrices struct {
	CourseID int64
	Title    string
	Slug     string
	Duration catalogue.Duration
	Bands    []BandPrice // every band, in agency.ChargingBands order
	// PartnershipID is whose prices these are: the managing partnership's,
	// or on a page for everyone the course's partnership's.
	PartnershipID int64
}

// Free reports whether no band pays.
func (c CoursePrices) Free() bool {
	for _, b := range c.Bands {
		if !b.Amount.Free() {
			return false
		}
	}
	return true
}

// For is the price for one band.
func (c CoursePrices) For(band agency.ChargingBand) Pence {
	for _, b := range c.Bands {
		if b.Band == band {
			return b.Amount
		}
	}
	return 0
}

// CoursePrice is what a place on a course costs an agency of band on a
// session of partnership partnershipID: 0 (free) unless that partnership's
// manager set a price. db is the caller's transaction (or pool), so a booking
// reads the price it charges in its own transaction.
func CoursePrice(ctx context.Context, db paymentdb.DBTX, courseID, partnershipID int64, band agency.ChargingBand) (Pence, error) {
	p, err := paymentdb.New(db).CoursePriceForBand(ctx, paymentdb.CoursePriceForBandParams{
		CourseID: courseID, PartnershipID: partnershipID, ChargingBand: string(band),
	})
	if err != nil {
		return 0, fmt.Errorf("price of course %d for %s: %w", courseID, band, err)
	}
	return Pence(p), nil
}

// AgencyCoursePrice is what a place on a course costs the agency agencyID on
// a session of partnership partnershipID, and the band that partnership
// gives the agency (non-contributing when it is not in its area).
func AgencyCoursePrice(ctx context.Context, db paymentdb.DBTX, courseID, partnershipID, agencyID int64) (Pence, agency.ChargingBand, error) {
	band, err := paymentdb.New(db).AgencyBand(ctx, paymentdb.AgencyBandParams{PartnershipID: partnershipID, ID: agencyID})
	if err != nil {
		return 0, "", fmt.Errorf("band of agency %d: %w", agencyID, err)
	}
	p, err := CoursePrice(ctx, db, courseID, partnershipID, agency.ChargingBand(band))
	return p, agency.ChargingBand(band), err
}

// PolicyCharge is what partnership partnershipID's charge policy asks of an
// agency of band for a non-attendance or late cancellation on a course of
// duration.
func PolicyCharge(ctx context.Context, db paymentdb.DBTX, partnershipID int64, kind ChargeKind, duration catalogue.Duration, band agency.ChargingBand) (Pence, error) {
	p, err := paymentdb.New(db).ChargePolicyAmount(ctx, paymentdb.ChargePolicyAmountParams{
		PartnershipID: partnershipID, Kind: string(kind), Duration: string(duration), ChargingBand: string(band),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("charge policy has no %s/%s/%s: %w", kind, duration, band, ErrNotFound)
	} else if err != nil {
		return 0, fmt.Errorf("charge policy %s/%s/%s: %w", kind, duration, band, err)
	}
	return Pence(p), nil
}

// CoursePrices is one course with its price for every band.
func (s *Service) CoursePrices(ctx context.Context, courseID int64) (CoursePrices, error) {
	q := paymentdb.New(s.pool)
	c, err := q.PriceCourse(ctx, courseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return CoursePrices{}, ErrNotFound
	} else if err != nil {
		return CoursePrices{}, fmt.Errorf("course %d: %w", courseID, err)
	}
	rows, err := q.CoursePrices(ctx, courseID)
	if err != nil {
		return CoursePrices{}, fmt.Errorf("prices of course %d: %w", courseID, err)
	}
	set := map[agency.ChargingBand]Pence{}
	for _, r := range rows {
		set[agency.ChargingBand(r.ChargingBand)] = Pence(r.AmountPence)
	}
	out := CoursePrices{
		CourseID: c.ID, Title: c.Title, Slug: c.Slug, Duration: catalogue.Duration(c.Duration),
		PartnershipID: c.PricingPartnershipID,
	}
	for _, b := range agency.ChargingBands {
		out.Bands = append(out.Bands, BandPrice{Band: b, Amount: set[b]})
	}
	return out, nil
}

// AllCoursePrices is every current course with its prices, by title.
func (s *Service) AllCoursePrices(ctx context.Context) ([]CoursePrices, error) {
	rows, err := paymentdb.New(s.pool).AllCoursePrices(ctx)
	if err != nil {
		return nil, fmt.Errorf("course prices: %w", err)
	}
	out := make([]CoursePrices, 0, len(rows))
	for _, r := range rows {
		out = append(out, CoursePrices{CourseID: r.ID, Title: r.Title, Duration: catalogue.Duration(r.Duration), Bands: []BandPrice{
			{agency.BandPartner, Pence(r.Partner)},
			{agency.BandContributing, Pence(r.Contributing)},
			{agency.BandNonContributing, Pence(r.NonContributing)},
		}})
	}
	return out, nil
}

// PriceView is what the course page says about the price: for a person of a
// listed agency, their agency's price; for anyone else, every band's.
type PriceView struct {
	CoursePrices
	ForAgency bool
	Band      agency.ChargingBand
	Yours     Pence
}

// PriceForViewer is the price of a course as a person of agencyID (nil when
// signed out, or their organisation is not listed) sees it.
func (s *Service) PriceForViewer(ctx context.Context, courseID int64, agencyID *int64) (PriceView, error) {
	c, err := s.CoursePrices(ctx, courseID)
	if err != nil {
		return PriceView{}, err
	}
	v := PriceView{CoursePrices: c}
	if agencyID != nil {
		// The band the partnership whose prices these are gives the agency.
		band, err := paymentdb.New(s.pool).AgencyBand(ctx, paymentdb.AgencyBandParams{PartnershipID: c.PartnershipID, ID: *agencyID})
		if err != nil {
			return PriceView{}, fmt.Errorf("band of agency %d: %w", *agencyID, err)
		}
		v.ForAgency, v.Band = true, agency.ChargingBand(band)
		v.Yours = c.For(v.Band)
	}
	return v, nil
}

// PriceField is the form field of one band's price.
func PriceField(band agency.ChargingBand) string { return "price-" + string(band) }

// PriceForm is the prices as typed, by band.
type PriceForm map[agency.ChargingBand]string

// Form is the form showing a course's prices (a free band shows 0).
func (c CoursePrices) Form() PriceForm {
	f := PriceForm{}
	for _, b := range c.Bands {
		f[b.Band] = b.Amount.Input()
	}
	return f
}

// amountError says what is wrong with a typed amount, or "".
func amountError(err error, what string) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errAmountNegative):
		return fmt.Sprintf("The %s cannot be negative", what)
	case errors.Is(err, errAmountTooLarge):
		return fmt.Sprintf("The %s must be %s or less", what, MaxAmount)
	}
	return fmt.Sprintf("Enter the %s in pounds, like 80 or 80.50", what)
}

// SetCoursePrices sets what each band pays for a place on a course (blank or
// 0: free), and audits what changed as done by the actor in ctx. Places
// already booked keep their price.
func (s *Service) SetCoursePrices(ctx context.Context, courseID int64, f PriceForm) error {
	by := actor.From(ctx)
	var v validation.Errors
	amounts := map[agency.ChargingBand]Pence{}
	for _, b := range agency.ChargingBands {
		p, err := ParsePounds(f[b])
		if msg := amountError(err, "price for "+bandPlural(b)); msg != "" {
			v.Add(PriceField(b), msg)
		}
		amounts[b] = p
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *paymentdb.Queries) error {
		c, err := q.LockPriceCourse(ctx, courseID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("set prices of course %d: %w", courseID, err)
		}
		rows, err := q.CoursePrices(ctx, courseID)
		if err != nil {
			return fmt.Errorf("set prices of course %d: %w", courseID, err)
		}
		old := map[agency.ChargingBand]Pence{}
		for _, r := range rows {
			old[agency.ChargingBand(r.ChargingBand)] = Pence(r.AmountPence)
		}
		now := s.now()
		changes := map[string]any{}
		for _, b := range agency.ChargingBands {
			if old[b] == amounts[b] {
				continue
			}
			changes[string(b)] = map[string]any{"from": old[b].String(), "to": amounts[b].String()}
			if amounts[b] == 0 {
				err = q.DeleteCoursePrice(ctx, paymentdb.DeleteCoursePriceParams{CourseID: courseID, ChargingBand: string(b)})
			} else {
				err = q.SetCoursePrice(ctx, paymentdb.SetCoursePriceParams{
					CourseID: courseID, ChargingBand: string(b), AmountPence: int32(amounts[b]), Now: now,
				})
			}
			if err != nil {
				return fmt.Errorf("set %s price of course %d: %w", b, courseID, err)
			}
		}
		if len(changes) == 0 {
			return nil
		}
		changes["course"] = c.Title
		changes["course_id"] = courseID
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: PricesChanged, ActorID: by.IDPtr(), IP: by.IP, Details: changes})
	})
}

// PolicyEntry is one amount of the charge policy.
type PolicyEntry struct {
	Kind     ChargeKind
	Duration catalogue.Duration
	Band     agency.ChargingBand
	Amount   Pence
}

// Field is the entry's form field.
func (e PolicyEntry) Field() string { return PolicyField(e.Kind, e.Duration, e.Band) }

// PolicyField is the form field of one amount of the charge policy.
func PolicyField(k ChargeKind, d catalogue.Duration, b agency.ChargingBand) string {
	return string(k) + "-" + string(d) + "-" + string(b)
}

// ChargePolicy is every amount of the policy: non-attendance first, half
// days before full days, bands in agency.ChargingBands order.
func (s *Service) ChargePolicy(ctx context.Context) ([]PolicyEntry, error) {
	rows, err := paymentdb.New(s.pool).ChargePolicy(ctx)
	if err != nil {
		return nil, fmt.Errorf("charge policy: %w", err)
	}
	set := map[string]Pence{}
	for _, r := range rows {
		set[PolicyField(ChargeKind(r.Kind), catalogue.Duration(r.Duration), agency.ChargingBand(r.ChargingBand))] = Pence(r.AmountPence)
	}
	var out []PolicyEntry
	for _, k := range ChargeKinds {
		for _, d := range []catalogue.Duration{catalogue.HalfDay, catalogue.FullDay} {
			for _, b := range agency.ChargingBands {
				e := PolicyEntry{Kind: k, Duration: d, Band: b}
				amt, ok := set[e.Field()]
				if !ok {
					return nil, fmt.Errorf("charge policy has no %s: %w", e.Field(), ErrNotFound)
				}
				e.Amount = amt
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// PolicyForm is the policy's amounts as typed, by PolicyField.
type PolicyForm map[string]string

// SetChargePolicy changes the policy's amounts (blank means £0) and audits
// what changed as done by the actor in ctx. Charges already proposed keep
// their amounts.
func (s *Service) SetChargePolicy(ctx context.Context, f PolicyForm) error {
	by := actor.From(ctx)
	return s.inTx(ctx, func(tx pgx.Tx, q *paymentdb.Queries) error {
		rows, err := q.LockChargePolicy(ctx)
		if err != nil {
			return fmt.Errorf("set charge policy: %w", err)
		}
		old := map[string]Pence{}
		for _, r := range rows {
			old[PolicyField(ChargeKind(r.Kind), catalogue.Duration(r.Duration), agency.ChargingBand(r.ChargingBand))] = Pence(r.AmountPence)
		}
		var v validation.Errors
		type change struct {
			e  PolicyEntry
			to Pence
		}
		var todo []change
		for _, k := range ChargeKinds {
			for _, d := range []catalogue.Duration{catalogue.HalfDay, catalogue.FullDay} {
				for _, b := range agency.ChargingBands {
					e := PolicyEntry{Kind: k, Duration: d, Band: b}
					p, err := ParsePounds(f[e.Field()])
					what := fmt.Sprintf("%s charge for a %s for %s", lowerFirst(k.Label()), lowerFirst(d.Label()), bandPlural(b))
					if msg := amountError(err, what); msg != "" {
						v.Add(e.Field(), msg)
						continue
					}
					if p != old[e.Field()] {
						todo = append(todo, change{e, p})
					}
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if len(todo) == 0 {
			return nil
		}
		now := s.now()
		changes := map[string]any{}
		for _, c := range todo {
			if err := q.SetChargePolicyAmount(ctx, paymentdb.SetChargePolicyAmountParams{
				Kind: string(c.e.Kind), Duration: string(c.e.Duration), ChargingBand: string(c.e.Band),
				AmountPence: int32(c.to), Now: now,
			}); err != nil {
				return fmt.Errorf("set charge policy %s: %w", c.e.Field(), err)
			}
			changes[c.e.Field()] = map[string]any{"from": old[c.e.Field()].String(), "to": c.to.String()}
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: ChargePolicyChanged, ActorID: by.IDPtr(), IP: by.IP, Details: changes})
	})
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
