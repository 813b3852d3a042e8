package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/validation"
)

// stripeWebhook receives Stripe's events (POST /stripe/webhook). It is
// registered before the session and CSRF middleware: Stripe has no session,
// and the signature over the raw body is the proof a session's token would
// give. 400 for a request Stripe did not sign (or for another API version),
// 500 when an event could not be processed, so Stripe retries, and 200 once
// it is processed or was already.
func (a *app) stripeWebhook(c *fiber.Ctx) error {
	ctx := c.UserContext()
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	ev, err := a.deps.Payments.Verify(c.Body(), c.Get("Stripe-Signature"))
	switch {
	case errors.Is(err, payment.ErrOffline):
		return c.Status(fiber.StatusServiceUnavailable).SendString("payments are not configured")
	case errors.Is(err, payment.ErrAPIVersion):
		// Every event will fail until the endpoint's version is put right.
		a.log.ErrorContext(ctx, "stripe webhook refused", "error", err)
		return c.Status(fiber.StatusBadRequest).SendString("wrong API version")
	case err != nil:
		a.log.WarnContext(ctx, "stripe webhook refused", "error", err, "ip", a.clientIP(c))
		return c.Status(fiber.StatusBadRequest).SendString("bad request")
	}
	if err := a.deps.Payments.Dispatch(ctx, ev); err != nil {
		a.log.ErrorContext(ctx, "stripe event failed", "error", err, "event", ev.ID, "type", string(ev.Type))
		return c.Status(fiber.StatusInternalServerError).SendString("not processed")
	}
	return c.SendString("ok")
}

// prices serves the training manager's pages for what places and
// non-attendance cost.
type prices struct {
	*app
	payments *payment.Service
}

var priceNotices = map[string]string{
	"prices": "Prices changed. Places already booked keep the price they were booked at",
	"policy": "Charge policy changed. Charges already proposed keep their amounts",
}

func (h *prices) area(c *fiber.Ctx) adminArea {
	a := newAdminArea(c)
	if a.Notice == "" {
		a.Notice = priceNotices[c.Query("done")]
	}
	return a
}

type adminPricesPage struct {
	adminArea
	Courses []payment.CoursePrices
	Bands   []agency.ChargingBand
	Online  bool
}

func (h *prices) list(c *fiber.Ctx) error {
	list, err := h.payments.AllCoursePrices(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin/prices", "Prices and charges", adminPricesPage{
		adminArea: h.area(c), Courses: list, Bands: agency.ChargingBands, Online: h.payments.Online(),
	})
}

type priceInput struct {
	Name, Label, Value, Error string
}

type adminCoursePricesPage struct {
	adminArea
	Course payment.CoursePrices
	Inputs []priceInput
}

func (h *prices) showCourse(c *fiber.Ctx, cp payment.CoursePrices, f payment.PriceForm, errs *validation.Errors) error {
	d := adminCoursePricesPage{adminArea: h.area(c), Course: cp}
	for _, b := range agency.ChargingBands {
		in := priceInput{Name: payment.PriceField(b), Label: b.Label(), Value: f[b]}
		if errs != nil {
			in.Error = errs.Message(in.Name)
		}
		d.Inputs = append(d.Inputs, in)
	}
	return h.renderForm(c, "admin/courseprices", "Prices of "+cp.Title, d, errs)
}

func (h *prices) courseParam(c *fiber.Ctx) (payment.CoursePrices, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return payment.CoursePrices{}, err
	}
	return h.payments.CoursePrices(c.UserContext(), id)
}

func (h *prices) course(c *fiber.Ctx) error {
	cp, err := h.courseParam(c)
	if err != nil {
		return err
	}
	return h.showCourse(c, cp, cp.Form(), nil)
}

func (h *prices) setCourse(c *fiber.Ctx) error {
	cp, err := h.courseParam(c)
	if err != nil {
		return err
	}
	f := payment.PriceForm{}
	for _, b := range agency.ChargingBands {
		f[b] = c.FormValue(payment.PriceField(b))
	}
	err = h.payments.SetCoursePrices(c.UserContext(), cp.CourseID, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showCourse(c, cp, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d/prices?done=prices", cp.CourseID), fiber.StatusSeeOther)
}

// policyGroup is one fieldset of the policy form: a kind of charge for one
// length of course, an amount per band.
type policyGroup struct {
	Kind     payment.ChargeKind
	Duration catalogue.Duration
	Inputs   []priceInput
}

type adminPolicyPage struct {
	adminArea
	Groups []policyGroup
}

func (h *prices) showPolicy(c *fiber.Ctx, entries []payment.PolicyEntry, f payment.PolicyForm, errs *validation.Errors) error {
	d := adminPolicyPage{adminArea: h.area(c)}
	for _, e := range entries {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Kind != e.Kind || d.Groups[n-1].Duration != e.Duration {
			d.Groups = append(d.Groups, policyGroup{Kind: e.Kind, Duration: e.Duration})
		}
		in := priceInput{Name: e.Field(), Label: e.Band.Label(), Value: f[e.Field()]}
		if errs != nil {
			in.Error = errs.Message(in.Name)
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Inputs = append(g.Inputs, in)
	}
	return h.renderForm(c, "admin/chargepolicy", "Charge policy", d, errs)
}

func (h *prices) policy(c *fiber.Ctx) error {
	entries, err := h.payments.ChargePolicy(c.UserContext())
	if err != nil {
		return err
	}
	f := payment.PolicyForm{}
	for _, e := range entries {
		f[e.Field()] = e.Amount.Input()
	}
	return h.showPolicy(c, entries, f, nil)
}

func (h *prices) setPolicy(c *fiber.Ctx) error {
	entries, err := h.payments.ChargePolicy(c.UserContext())
	if err != nil {
		return err
	}
	f := payment.PolicyForm{}
	for _, e := range entries {
		f[e.Field()] = c.FormValue(e.Field())
	}
	err = h.payments.SetChargePolicy(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showPolicy(c, entries, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/prices/charge-policy?done=policy", fiber.StatusSeeOther)
}
