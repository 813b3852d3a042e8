package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/validation"
)

type payPage struct {
	fieldErrors
	payment.Payment
	View          bookingView
	Price         string
	HoldUntil     string
	PurchaseOrder string
	CardFailed    bool // Stripe could not be reached just now
	// Who pays an invoice, for a person who chooses (payment.InvoicePayer).
	Payer            string
	OrganisationName string
	BillingEmail     string
	OrganisationPO   string
	OwnPO            string
}

func (a *app) payData(c *fiber.Ctx) (payPage, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return payPage{}, err
	}
	p, err := a.deps.Payments.PaymentFor(c.UserContext(), id)
	if err != nil {
		return payPage{}, err
	}
	return payPage{Payment: p, View: bookingView{p.Booking}, Price: p.Price.String(),
		HoldUntil: clock(p.HoldUntil) + " on " + longDate(p.HoldUntil)}, nil
}

// payRefused answers a payment asked of a booking that is not held.
func (a *app) payRefused(c *fiber.Ctx, err error) error {
	id, _ := pathID(c, "id")
	back := link{fmt.Sprintf("/bookings/%d", id), "See the booking"}
	switch {
	case errors.Is(err, booking.ErrWrongState):
		return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
			Heading:    "There is nothing to pay for this booking",
			Paragraphs: []string{"It is not a place held for payment: it has been paid for, or it has ended."},
			Links:      []link{back, {"/my-training", "Go to My training"}},
		})
	case errors.Is(err, booking.ErrHoldLapsed):
		return a.bookingMessage(c, fiber.StatusGone, bookingMessage{
			Heading: "The place was not paid for in time",
			Paragraphs: []string{
				"We hold a paid place for a short time while you pay, and that time has passed, so the place has been released. Nothing has been charged.",
				"If you still want to go, book again while places are left.",
			},
			Links: []link{back},
		})
	}
	return err
}

func (a *app) payForm(c *fiber.Ctx) error {
	p, err := a.payData(c)
	if err != nil {
		return a.payRefused(c, err)
	}
	return a.renderForm(c, "bookings/pay", "Pay for your place", p, nil)
}

func (a *app) pay(c *fiber.Ctx) error {
	p, err := a.payData(c)
	if err != nil {
		return a.payRefused(c, err)
	}
	ctx := c.UserContext()
	switch c.FormValue("method") {
	case "card":
		url, err := a.deps.Payments.PayByCard(ctx, p.ID)
		switch {
		case err == nil:
			return c.Redirect(url, fiber.StatusSeeOther)
		case errors.Is(err, payment.ErrPaymentUnavailable):
			p.Card = false
		case errs.Is(err, errs.Internal), errs.Is(err, errs.Unavailable):
			// Stripe could not open the payment just now: the form says so.
			a.log.ErrorContext(ctx, "open card payment", "booking", p.ID, "error", err)
			p.CardFailed = true
		default:
			return a.payRefused(c, err)
		}
		return a.render(c, fiber.StatusServiceUnavailable, "bookings/pay", "Pay for your place", p)
	case "invoice":
		payer := payment.InvoicePayer{Kind: payment.PayerAgency, PurchaseOrder: c.FormValue(payment.FieldPurchaseOrder)}
		p.PurchaseOrder = payer.PurchaseOrder
		if p.ChoosesPayer {
			p.Payer = c.FormValue(payment.FieldPayer)
			p.OrganisationName = c.FormValue(payment.FieldOrganisationName)
			p.BillingEmail = c.FormValue(payment.FieldBillingEmail)
			p.OrganisationPO = c.FormValue(payment.FieldOrganisationPO)
			p.OwnPO = c.FormValue(payment.FieldPersonPurchaseOrder)
			payer = payment.InvoicePayer{Kind: p.Payer}
			switch p.Payer {
			case payment.PayerOrganisation:
				payer.OrganisationName, payer.BillingEmail, payer.PurchaseOrder = p.OrganisationName, p.BillingEmail, p.OrganisationPO
			case payment.PayerPerson:
				payer.PurchaseOrder = p.OwnPO
			}
		}
		err := a.deps.Payments.PayByInvoiceAs(ctx, p.ID, payer)
		var verr *validation.Errors
		switch {
		case err == nil && p.ChoosesPayer:
			return c.Redirect(fmt.Sprintf("/bookings/%d?done=own-invoice", p.ID), fiber.StatusSeeOther)
		case err == nil:
			return c.Redirect(fmt.Sprintf("/bookings/%d?done=invoiced", p.ID), fiber.StatusSeeOther)
		case errors.As(err, &verr):
			p.fieldErrors = fieldErrors{verr}
			return a.renderForm(c, "bookings/pay", "Pay for your place", p, verr)
		case errors.Is(err, payment.ErrNoAgencyToInvoice):
			p.Invoice = false
			return a.render(c, fiber.StatusConflict, "bookings/pay", "Pay for your place", p)
		case errors.Is(err, payment.ErrCardPaymentUnderway):
			return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
				Heading: "A card payment for this place is under way",
				Paragraphs: []string{
					"You started to pay by card, and we could not stop that payment just now, so the place cannot go on the invoice as well.",
					"If you finished paying, your place will be confirmed in a moment. If not, try the invoice again in a few minutes.",
				},
				Links: []link{{fmt.Sprintf("/bookings/%d", p.ID), "See the booking"}},
			})
		}
		return a.payRefused(c, err)
	}
	return fiber.ErrBadRequest
}

// paid is where Stripe sends the person after paying. The page never
// confirms anything itself: only Stripe's signed webhook does. Until it
// has come, the page says so.
func (a *app) paid(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	m := bookingMessage{Links: []link{{fmt.Sprintf("/bookings/%d", b.ID), "See the booking"}, {"/my-training", "Go to My training"}}}
	switch {
	case b.Status == booking.Confirmed:
		m.Heading = "Payment received: your place is booked"
		m.Paragraphs = []string{"We have sent you a confirmation email with a calendar invitation."}
	case b.Status == booking.Held:
		m.Heading = "We are confirming your payment"
		m.Paragraphs = []string{
			"Stripe is telling us about your payment. This usually takes a few seconds, and we will email you as soon as your place is confirmed.",
			"If you paid, you do not need to pay again. Refresh this page to see whether it has come through.",
		}
		m.Links = append([]link{{fmt.Sprintf("/bookings/%d/paid", b.ID), "Refresh this page"}}, m.Links...)
	case b.HoldLapsed():
		m.Heading = "The place was released before your payment reached us"
		m.Paragraphs = []string{"If your payment went through, we will give your place back if it is still free, or refund you in full, and email you either way."}
	default:
		m.Heading = "Where your booking stands"
		m.Paragraphs = []string{b.StatusText() + "."}
	}
	return a.bookingMessage(c, fiber.StatusOK, m)
}
