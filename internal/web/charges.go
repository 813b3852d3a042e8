package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/validation"
)

// chargeRow is one candidate with what the manager typed for it.
type chargeRow struct {
	payment.ChargeCandidate
	Waive                  bool // the waive radio is checked
	Charge                 bool // the charge radio is checked
	Reason                 string
	DecisionErr, ReasonErr string
}

type sessionChargesPage struct {
	adminArea
	payment.SessionCharges
	Rows   []chargeRow
	Online bool
}

func (a *app) showSessionCharges(c *fiber.Ctx, sc payment.SessionCharges, typed map[int64]payment.Decision, errs *validation.Errors) error {
	d := sessionChargesPage{adminArea: newAdminArea(c), SessionCharges: sc, Online: a.deps.Payments.Online()}
	if c.Query("done") == "charges" {
		d.Notice = "Charges confirmed"
	}
	for _, cand := range sc.Candidates {
		r := chargeRow{ChargeCandidate: cand}
		if t, ok := typed[cand.BookingID]; ok && t.Chosen {
			r.Charge, r.Waive, r.Reason = t.Charge, !t.Charge, t.Reason
		}
		if errs != nil {
			r.DecisionErr, r.ReasonErr = errs.Message(cand.DecisionField()), errs.Message(cand.ReasonField())
		}
		d.Rows = append(d.Rows, r)
	}
	return a.renderForm(c, "admin/sessions/charges", "Charges: "+sc.CourseTitle, d, errs)
}

func (a *app) chargesOf(c *fiber.Ctx) (payment.SessionCharges, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return payment.SessionCharges{}, err
	}
	return a.deps.Payments.SessionCharges(c.UserContext(), id)
}

func (a *app) sessionCharges(c *fiber.Ctx) error {
	sc, err := a.chargesOf(c)
	if err != nil {
		return err
	}
	// Who did not attend or cancelled late, and what it costs their agency.
	ids := make([]int64, len(sc.Candidates))
	for i, cand := range sc.Candidates {
		ids[i] = cand.BookingID
	}
	session := sc.SessionID
	if err := a.auditView(c, account.Manager, audit.View{
		What: "the charges of " + sessionWords(sc.SessionID, sc.CourseTitle, sc.StartsAt), SessionID: &session, Bookings: ids,
	}); err != nil {
		return err
	}
	return a.showSessionCharges(c, sc, nil, nil)
}

func (a *app) confirmCharges(c *fiber.Ctx) error {
	sc, err := a.chargesOf(c)
	if err != nil {
		return err
	}
	decisions := map[int64]payment.Decision{}
	for _, cand := range sc.Candidates {
		d := payment.Decision{Reason: validation.CleanLine(c.FormValue(cand.ReasonField()))}
		switch c.FormValue(cand.DecisionField()) {
		case "charge":
			d.Chosen, d.Charge = true, true
		case "waive":
			d.Chosen = true
		}
		decisions[cand.BookingID] = d
	}
	_, err = a.deps.Payments.ConfirmCharges(c.UserContext(), sc.SessionID, decisions)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		// Shown against the candidates as they are now.
		if fresh, ferr := a.chargesOf(c); ferr == nil {
			sc = fresh
		}
		return a.showSessionCharges(c, sc, decisions, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d/charges?done=charges", sc.SessionID), fiber.StatusSeeOther)
}

type agencyChargesPage struct {
	AgencyName string
	NoAgency   bool
	Charges    []payment.AgencyCharge
	Pages      *pagination
}

// agencyChargesPerPage is how many charges a coordinator sees at once.
const agencyChargesPerPage = 50

// agencyCharges lists the coordinator's own agency's charges, and no other's.
func (a *app) agencyCharges(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyChargesPage{AgencyName: u.AgencyName}
	if u.AgencyID == nil || u.AgencyUnlisted {
		d.NoAgency = true
		return a.render(c, fiber.StatusOK, "agency/charges", "Your agency’s charges", d)
	}
	page := max(c.QueryInt("page", 1), 1)
	list, more, err := a.deps.Payments.AgencyCharges(c.UserContext(), *u.AgencyID, page, agencyChargesPerPage)
	if err != nil {
		return err
	}
	if len(list) == 0 && page > 1 { // past the last page: the first
		page = 1
		if list, more, err = a.deps.Payments.AgencyCharges(c.UserContext(), *u.AgencyID, page, agencyChargesPerPage); err != nil {
			return err
		}
	}
	d.Charges = list
	d.Pages = paginateCounted("/agency/charges", nil, page, page, more)
	return a.render(c, fiber.StatusOK, "agency/charges", "Charges to "+u.AgencyName, d)
}
