package web

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// bookingNotFound turns the booking package's not-found, which also
// answers for other people's bookings, into the 404 page.
func bookingNotFound(err error) error {
	if errors.Is(err, booking.ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

// bookingMessage is a page that tells a person why they cannot go on.
type bookingMessage struct {
	Heading    string
	Paragraphs []string
	Links      []link
	Resend     bool         // offer to send the email confirmation link again
	ResendNext string       // the booking form its link comes back to
	Contact    *teamContact // how to reach the training team
}

// teamContact is the training team's mailbox and telephone, either of
// which may be "".
type teamContact struct{ Email, Phone string }

// TelHref is the telephone number as a tel: link, digits and + only (so
// html/template may trust it: it allows no tel: link of its own accord).
func (t teamContact) TelHref() template.URL {
	return template.URL("tel:" + strings.Map(func(r rune) rune {
		if r == '+' || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, t.Phone))
}

// contact is the training team's contact, or nil when none is configured.
func (a *app) contact() *teamContact {
	if a.deps.TrainingEmail == "" && a.deps.TrainingPhone == "" {
		return nil
	}
	return &teamContact{Email: a.deps.TrainingEmail, Phone: a.deps.TrainingPhone}
}

func (a *app) bookingMessage(c *fiber.Ctx, status int, m bookingMessage) error {
	return a.render(c, status, "bookings/message", m.Heading, m)
}

// cutoffText is when free cancellation ends: "9:30am on Friday 4 December 2026".
func cutoffText(se booking.SessionToBook) string {
	return clock(se.Cutoff) + " on " + longDate(se.Cutoff)
}

// --- the booking form ---

type bookFormPage struct {
	fieldErrors
	Session    booking.SessionToBook
	Details    booking.Details
	Invite     string
	Full       bool // the form joins the waiting list
	JustFilled bool // the last place went while the person filled in the form
	Remembered bool // the line manager is filled in from the person's profile
}

func (p bookFormPage) CutoffText() string { return cutoffText(p.Session) }

func (p bookFormPage) title() string {
	if p.Full {
		return "Join the waiting list"
	}
	return "Book a place"
}

func (a *app) bookForm(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	se, err := a.deps.Bookings.SessionToBook(c.UserContext(), id, u.ID)
	if err != nil {
		return bookingNotFound(err)
	}
	if se.NeedsInvite(bookingActor(u)) {
		return a.bookingRefused(c, se, booking.ErrNeedsInvite)
	}
	return a.showBookForm(c, se, "")
}

// inviteTokens look like the ones scheduling makes; anything else is
// refused before it reaches the database.
var inviteToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (a *app) inviteForm(c *fiber.Ctx) error {
	token := c.Params("token")
	if !inviteToken.MatchString(token) {
		return fiber.ErrNotFound
	}
	u := currentUser(c)
	se, err := a.deps.Bookings.SessionByInvite(c.UserContext(), token, u.ID)
	if err != nil {
		return bookingNotFound(err)
	}
	if se.ForOtherAgency(bookingActor(u)) {
		return a.bookingRefused(c, se, booking.ErrNeedsInvite)
	}
	return a.showBookForm(c, se, token)
}

// showBookForm shows the empty form, or says why the person cannot book.
func (a *app) showBookForm(c *fiber.Ctx, se booking.SessionToBook, invite string) error {
	u := currentUser(c)
	switch {
	case se.LiveBookingID != 0 && se.LiveStatus == booking.Waiting:
		return a.bookingRefused(c, se, booking.ErrAlreadyWaiting)
	case se.LiveBookingID != 0:
		return a.bookingRefused(c, se, booking.ErrAlreadyBooked)
	case se.Delivering:
		return a.bookingRefused(c, se, booking.ErrDelivers)
	}
	if err := se.Closed(bookingActor(u), a.deps.Now()); err != nil {
		return a.bookingRefused(c, se, err)
	}
	if !u.Verified {
		return a.bookingRefused(c, se, booking.ErrUnverified)
	}
	p := bookFormPage{Session: se, Invite: invite, Full: se.Full(), Details: booking.Details{
		// remembered from their last booking, or their profile
		LineManagerName: u.LineManagerName, LineManagerEmail: u.LineManagerEmail,
	}}
	p.Remembered = p.Details.LineManagerName != ""
	return a.renderForm(c, "bookings/form", p.title(), p, nil)
}

func detailsFrom(c *fiber.Ctx) booking.Details {
	return booking.Details{
		AccessNeeds:      c.FormValue(booking.FieldAccessNeeds),
		DietaryNeeds:     c.FormValue(booking.FieldDietaryNeeds),
		LineManagerName:  c.FormValue(booking.FieldLineManagerName),
		LineManagerEmail: c.FormValue(booking.FieldLineManagerEmail),
		AgreePolicy:      c.FormValue(booking.FieldAgreePolicy) == "yes",
	}
}

func (a *app) book(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.UserContext()
	r := booking.Request{
		SessionID: id, PersonID: u.ID, Details: detailsFrom(c),
		InviteToken: c.FormValue("invite"), JoinWaitingList: c.FormValue("join-waiting-list") == "yes",
	}
	out, err := a.deps.Bookings.Book(ctx, bookingActor(u), r)
	if err == nil && out.Status == booking.Held {
		return c.Redirect(fmt.Sprintf("/bookings/%d/pay", out.BookingID), fiber.StatusSeeOther)
	}
	if err == nil {
		done := "booked"
		if out.Status == booking.Waiting {
			done = "waiting"
		}
		return c.Redirect(fmt.Sprintf("/bookings/%d?done=%s", out.BookingID, done), fiber.StatusSeeOther)
	}
	se, serr := a.deps.Bookings.SessionToBook(ctx, id, u.ID)
	if serr != nil {
		return bookingNotFound(serr)
	}
	p := bookFormPage{Session: se, Details: r.Details, Invite: r.InviteToken, Full: r.JoinWaitingList || se.Full()}
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		p.fieldErrors = fieldErrors{verr}
		return a.renderForm(c, "bookings/form", p.title(), p, verr)
	case errors.Is(err, booking.ErrFull):
		p.Full, p.JustFilled = true, true
		return a.render(c, fiber.StatusConflict, "bookings/form", p.title(), p)
	}
	return a.bookingRefused(c, se, err)
}

// bookingRefused says why a person cannot book se, for each of the booking
// package's reasons; any other error goes to the error handler.
func (a *app) bookingRefused(c *fiber.Ctx, se booking.SessionToBook, err error) error {
	course := link{"/courses/" + se.CourseSlug, "Look for another session of " + se.CourseTitle}
	mine := link{"/my-training", "Go to My training"}
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return fiber.ErrNotFound
	case errors.Is(err, booking.ErrUnverified):
		return a.bookingMessage(c, fiber.StatusForbidden, bookingMessage{
			Heading: "Confirm your email address first",
			Paragraphs: []string{
				"Before you can book training, confirm your email address by following the link we sent to " + currentUser(c).Email + ".",
				"Then come back to this page to book.",
			},
			Resend: true, ResendNext: account.ReturnPath(c.Path()),
		})
	case errors.Is(err, booking.ErrAlreadyBooked):
		m := bookingMessage{Heading: "You already have a place on this session", Links: []link{mine}}
		if se.LiveBookingID != 0 {
			m.Links = []link{{fmt.Sprintf("/bookings/%d", se.LiveBookingID), "See your booking"}, mine}
		}
		return a.bookingMessage(c, fiber.StatusConflict, m)
	case errors.Is(err, booking.ErrAlreadyWaiting):
		m := bookingMessage{Heading: "You are already on the waiting list for this session", Links: []link{mine}}
		if se.LiveBookingID != 0 {
			m.Links = []link{{fmt.Sprintf("/bookings/%d", se.LiveBookingID), "See your place on the waiting list"}, mine}
		}
		return a.bookingMessage(c, fiber.StatusConflict, m)
	case errors.Is(err, booking.ErrDelivers):
		return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
			Heading: "You are a trainer on this session",
			Paragraphs: []string{
				"You cannot book a place on a session you deliver: places are for the people you train.",
				"To go on this course as a learner, book another session of it.",
			},
			Links: []link{{fmt.Sprintf("/trainer/sessions/%d", se.ID), "See the session you are delivering"}, course},
		})
	case errors.Is(err, booking.ErrNeedsInvite):
		return a.bookingMessage(c, fiber.StatusForbidden, bookingMessage{
			Heading: "This session is for one agency only",
			Paragraphs: []string{
				"It is being run for the staff of one agency, who book it through the invite link their agency sent them.",
				"If you work for that agency, use the invite link. If not, book an open session of the course instead.",
			},
			Links: []link{course},
		})
	case errors.Is(err, booking.ErrNotBookable), errors.Is(err, booking.ErrCutoffPassed):
		return a.bookingMessage(c, fiber.StatusGone, bookingMessage{
			Heading: "Booking has closed for this session", Paragraphs: a.closedReasons(se), Links: []link{course},
			Contact: a.closedContact(se),
		})
	}
	return err
}

// closedContact is the training team's contact for a session whose booking
// closed at its cut-off (the team may still add someone until it starts);
// nil when it has started, ended or been cancelled.
func (a *app) closedContact(se booking.SessionToBook) *teamContact {
	if se.Status != "published" || !a.deps.Now().Before(se.StartsAt) {
		return nil
	}
	return a.contact()
}

// closedReasons says why a session can no longer be booked.
func (a *app) closedReasons(se booking.SessionToBook) []string {
	what := se.CourseTitle + " on " + when(se.StartsAt, se.EndsAt)
	switch {
	case se.Status == "cancelled":
		out := []string{"The training team has cancelled " + what + "."}
		if se.CancelledReason != "" {
			out = append(out, "The reason given: "+se.CancelledReason)
		}
		return out
	case se.Status == "completed" || !a.deps.Now().Before(se.EndsAt):
		return []string{what + " has already taken place."}
	case !a.deps.Now().Before(se.StartsAt):
		return []string{what + " has already started."}
	}
	urgent := "If you need a place urgently, contact the training team."
	if a.closedContact(se) != nil {
		urgent = "If you need a place urgently, contact the training team:"
	}
	return []string{
		"Booking for " + what + " closed at " + cutoffText(se) + ", so that trainers know who is coming.",
		urgent,
	}
}

// --- a booking ---

// bookingView is a booking as its pages word it.
type bookingView struct{ booking.Booking }

// StatusText says where the booking stands, in plain words, to the person
// whose booking it is.
func (b bookingView) StatusText() string { return b.statusText(true) }

// cancelledText says who cancelled a place or ended a wait: the person
// (own: "you"), someone for them, or the partnership with the session.
func (b bookingView) cancelledText(own bool) string {
	late := ""
	if b.Late {
		late = " (late)"
	}
	switch b.EndedBy {
	case booking.EndedBySession:
		return "Session cancelled by the training team"
	case booking.EndedBySelf:
		if b.Status == booking.Left {
			if own {
				return "You left the waiting list"
			}
			return "Left the waiting list"
		}
		if own {
			return "Cancelled by you" + late
		}
		return "Cancelled by " + b.PersonName + late
	case booking.EndedByTeam, booking.EndedByAgency:
		by := "the training team"
		if b.EndedBy == booking.EndedByAgency {
			by = "your agency’s coordinator"
			if !own {
				by = "their agency’s coordinator"
			}
		}
		what := "Cancelled"
		if b.Status == booking.Left {
			what = "Taken off the waiting list"
		}
		if own {
			return what + " for you by " + by + late
		}
		return what + " by " + by + late
	}
	if b.Status == booking.Left {
		return "Left the waiting list"
	}
	return "Cancelled" + late
}

// CancelledReason is the partnership's reason for cancelling the session,
// when that is what ended the booking.
func (b bookingView) CancelledReason() string {
	if b.EndedBy == booking.EndedBySession {
		return b.SessionCancelledReason
	}
	return ""
}

func (b bookingView) statusText(own bool) string {
	switch b.Status {
	case booking.Confirmed:
		switch b.Attendance {
		case booking.Attended:
			return "Attended"
		case booking.ArrivedLate:
			return "Attended (arrived late)"
		case booking.Absent:
			return "Did not attend"
		}
		if !b.Changeable {
			return "Booked: attendance not recorded yet"
		}
		return "Confirmed"
	case booking.Waiting:
		if !b.Changeable {
			return "Did not get a place"
		}
		if b.Position > 0 {
			return "On the waiting list, number " + strconv.Itoa(b.Position)
		}
		return "On the waiting list"
	case booking.Held:
		if b.HoldExpiresAt != nil {
			return "Held for you until " + clock(*b.HoldExpiresAt) + " on " + longDate(*b.HoldExpiresAt) + ": not paid for yet"
		}
		return "Held for you: not paid for yet"
	case booking.Offered:
		if b.OfferExpiresAt != nil {
			return "Place offered: accept by " + clock(*b.OfferExpiresAt) + " on " + longDate(*b.OfferExpiresAt)
		}
		return "Place offered"
	case booking.Cancelled, booking.Left:
		return b.cancelledText(own)
	case booking.Substituted:
		return "Passed to a colleague"
	case booking.Moved:
		return "Moved to another session"
	case booking.Lapsed:
		return "Not paid for in time"
	case booking.Expired:
		return "Offer expired"
	}
	return b.Status
}

// InvoiceText says what a place on the agency's invoice costs and where its
// payment stands, as "Paid £80 by card" does for a card: "" for none.
func (b bookingView) InvoiceText() string {
	if b.Invoiced <= 0 {
		return ""
	}
	agency := "the agency’s"
	if b.AgencyName != "" {
		agency = b.AgencyName + "’s"
	}
	on := b.Invoiced.String() + " on " + agency + " invoice"
	switch b.InvoiceStatus {
	case "pending":
		return on + ": not invoiced yet"
	case "invoiced":
		return on + ": invoiced, not paid yet"
	case "paid":
		return on + ": paid"
	case "cancelled":
		return b.Invoiced.String() + " not charged: the place was cancelled before it was invoiced"
	}
	return on
}

// Where is the venue's name, or Online.
func (b bookingView) Where() string {
	if b.Online {
		return "Online"
	}
	return b.VenueName
}

func (b bookingView) CutoffText() string { return clock(b.Cutoff) + " on " + longDate(b.Cutoff) }

// Upcoming says the booking still holds or waits for a place on a session
// that has not started: it can be changed.
func (b bookingView) Upcoming() bool { return b.Live() && b.Changeable }

// bookingNotices are the fixed success messages of ?done= on a booking.
var bookingNotices = map[string]string{
	"booked":      "Booking confirmed",
	"accepted":    "Place accepted: your booking is confirmed",
	"invoiced":    "Booking confirmed. The price will go on your agency’s invoice.",
	"own-invoice": "Booking confirmed. The partnership will send the invoice for the price to whoever you said pays.",
	"substituted": "The place has passed to the colleague. We have emailed them both.",
}

type bookingPage struct {
	Booking bookingView
	Own     bool // the signed-in person's own booking, not one they look after
	Notice  string
	Refund  string // what cancelling now gives back, "" for nothing
}

// StatusText says where the booking stands, to whoever is looking.
func (p bookingPage) StatusText() string { return p.Booking.statusText(p.Own) }

func (a *app) bookingShow(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	notice := bookingNotices[c.Query("done")]
	if c.Query("done") == "waiting" && b.Status == booking.Waiting {
		notice = fmt.Sprintf("You are on the waiting list: number %d", b.Position)
	}
	return a.render(c, fiber.StatusOK, "bookings/show", b.CourseTitle,
		bookingPage{Booking: b, Own: b.PersonID == currentUser(c).ID, Notice: notice})
}

// booking is the booking in the path, if the signed-in person may see it.
func (a *app) booking(c *fiber.Ctx) (bookingView, error) {
	id, err := idParam(c)
	if err != nil {
		return bookingView{}, err
	}
	b, err := a.deps.Bookings.Get(c.UserContext(), bookingActor(currentUser(c)), id)
	if err != nil {
		return bookingView{}, bookingNotFound(err)
	}
	return bookingView{b}, nil
}

// cannotChange is the page for a change a booking is past.
func (a *app) cannotChange(c *fiber.Ctx, b bookingView, heading string) error {
	reason := "Where it stands now: " + b.StatusText() + "."
	if b.Live() && !b.Changeable {
		reason = "The session has already started."
	}
	return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
		Heading: heading, Paragraphs: []string{reason},
		Links: []link{{fmt.Sprintf("/bookings/%d", b.ID), "Back to the booking"}, {"/my-training", "Go to My training"}},
	})
}

// --- cancel ---

func (a *app) cancelForm(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	if !b.Upcoming() {
		return a.cannotChange(c, b, "This booking cannot be cancelled")
	}
	title := "Cancel your booking"
	switch b.Status {
	case booking.Held:
		title = "Give up the place held for you"
	case booking.Waiting, booking.Offered:
		title = "Leave the waiting list"
	}
	p := bookingPage{Booking: b, Own: b.PersonID == currentUser(c).ID}
	if refund, err := a.deps.Bookings.RefundDue(c.UserContext(), b.Booking); err != nil {
		return err
	} else if refund > 0 {
		p.Refund = refund.String()
	}
	return a.render(c, fiber.StatusOK, "bookings/cancel", title, p)
}

// myTrainingNotices are the fixed success messages of ?done= on My training.
var myTrainingNotices = map[string]string{
	"cancelled":      "Booking cancelled. It was before the cut-off, so it is not recorded as a late cancellation.",
	"cancelled-late": "Booking cancelled. It was after the cut-off, so it is recorded as a late cancellation.",
	"left":           "You have left the waiting list",
	"declined":       "You have declined the place. It has been offered to the next person waiting.",
	"released":       "You have given up the place held for you. Nothing was charged.",
	"cancelled-refunded": "Booking cancelled. It was before the cut-off, so it is not recorded as a late cancellation, " +
		"and the price is being refunded in full to the card it was paid with.",
	"feed-reset": "Your calendar feed has a new address: the old one no longer works",
}

func (a *app) cancelBooking(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	out, err := a.deps.Bookings.Cancel(c.UserContext(), bookingActor(currentUser(c)), b.ID)
	switch {
	case errors.Is(err, booking.ErrStarted), errors.Is(err, booking.ErrWrongState):
		if b, err = a.booking(c); err != nil {
			return err
		}
		return a.cannotChange(c, b, "This booking cannot be cancelled")
	case err != nil:
		return bookingNotFound(err)
	}
	done := "left"
	switch {
	case b.Status == booking.Offered:
		done = "declined"
	case b.Status == booking.Held:
		done = "released"
	case b.Status != booking.Confirmed:
	case out.Late:
		done = "cancelled-late"
	case out.Refund > 0:
		done = "cancelled-refunded"
	default:
		done = "cancelled"
	}
	return c.Redirect(a.afterChange(c, b, done), fiber.StatusSeeOther)
}

// afterChange is where to go once a booking has changed: My training for
// one's own, the booking itself for one looked after for someone else.
func (a *app) afterChange(c *fiber.Ctx, b bookingView, done string) string {
	if b.PersonID == currentUser(c).ID {
		return "/my-training?done=" + done
	}
	return fmt.Sprintf("/bookings/%d", b.ID)
}

// --- substitute ---

type substitutePage struct {
	fieldErrors
	Booking        bookingView
	ColleagueEmail string
	Details        booking.Details
}

func (a *app) substituteForm(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	if b.Status != booking.Confirmed || !b.Changeable {
		return a.cannotChange(c, b, "This place cannot be passed on")
	}
	return a.renderForm(c, "bookings/substitute", "Pass your place to a colleague", substitutePage{Booking: b}, nil)
}

func (a *app) substitute(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	colleague, d := c.FormValue(booking.FieldColleagueEmail), detailsFrom(c)
	_, err = a.deps.Bookings.Substitute(c.UserContext(), bookingActor(currentUser(c)), b.ID, colleague, d)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		p := substitutePage{fieldErrors: fieldErrors{verr}, Booking: b, ColleagueEmail: colleague, Details: d}
		return a.renderForm(c, "bookings/substitute", "Pass your place to a colleague", p, verr)
	case errors.Is(err, booking.ErrStarted), errors.Is(err, booking.ErrWrongState):
		if b, err = a.booking(c); err != nil {
			return err
		}
		return a.cannotChange(c, b, "This place cannot be passed on")
	case err != nil:
		return bookingNotFound(err)
	}
	return c.Redirect(fmt.Sprintf("/bookings/%d?done=substituted", b.ID), fiber.StatusSeeOther)
}

// --- offers and the waiting list ---

func (a *app) offerGone(c *fiber.Ctx, b bookingView) error {
	heading := "This offer has expired or has already been answered"
	if b.Status == booking.Waiting {
		heading = "You are no longer on this waiting list"
	}
	return a.bookingMessage(c, fiber.StatusConflict, bookingMessage{
		Heading: heading,
		Links:   []link{{fmt.Sprintf("/bookings/%d", b.ID), "See the booking as it is now"}, {"/my-training", "Go to My training"}},
	})
}

func (a *app) acceptOffer(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	err = a.deps.Bookings.AcceptOffer(c.UserContext(), bookingActor(currentUser(c)), id)
	switch {
	case errors.Is(err, booking.ErrOfferGone):
		return a.offerGone(c, bookingView{booking.Booking{ID: id}})
	case err != nil:
		return bookingNotFound(err)
	}
	if b, err := a.deps.Bookings.Get(c.UserContext(), bookingActor(currentUser(c)), id); err == nil && b.Status == booking.Held {
		return c.Redirect(fmt.Sprintf("/bookings/%d/pay", id), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/bookings/%d?done=accepted", id), fiber.StatusSeeOther)
}

func (a *app) leave(c *fiber.Ctx) error {
	b, err := a.booking(c)
	if err != nil {
		return err
	}
	err = a.deps.Bookings.Leave(c.UserContext(), bookingActor(currentUser(c)), b.ID)
	switch {
	case errors.Is(err, booking.ErrWrongState), errors.Is(err, booking.ErrOfferGone):
		return a.offerGone(c, b)
	case err != nil:
		return bookingNotFound(err)
	}
	done := "left"
	if b.Status == booking.Offered {
		done = "declined"
	}
	return c.Redirect(a.afterChange(c, b, done), fiber.StatusSeeOther)
}

// --- My training ---

// recordLine is a line of the training record.
type recordLine struct{ booking.Record }

func (r recordLine) HoursText() string { return hoursText(r.Hours) }

func (r recordLine) AttendanceText() string {
	if r.Attendance == booking.ArrivedLate {
		return "Attended (arrived late)"
	}
	return "Attended"
}

// hoursText words a length of training: "3 hours", "6.5 hours", "1 hour".
func hoursText(h float64) string {
	h = math.Round(h*10) / 10
	if h == 1 {
		return "1 hour"
	}
	return strconv.FormatFloat(h, 'f', -1, 64) + " hours"
}

type myTrainingPage struct {
	Notice   string
	Offers   []bookingView
	Upcoming []bookingView
	Waiting  []bookingView
	Ended    []bookingView
	Record   []recordLine
	Total    string // hours of training on the record
	FeedURL  string // the person's calendar feed
}

func (a *app) myTrainingData(c *fiber.Ctx) (myTrainingPage, error) {
	m, err := a.deps.Bookings.Mine(c.UserContext(), bookingActor(currentUser(c)))
	if err != nil {
		return myTrainingPage{}, err
	}
	views := func(bs []booking.Booking) []bookingView {
		out := make([]bookingView, 0, len(bs))
		for _, b := range bs {
			out = append(out, bookingView{b})
		}
		return out
	}
	p := myTrainingPage{Offers: views(m.Offers), Upcoming: views(m.Upcoming), Waiting: views(m.Waiting), Ended: views(m.Ended)}
	total := 0.0
	for _, r := range m.Record {
		p.Record = append(p.Record, recordLine{r})
		total += math.Round(r.Hours*10) / 10
	}
	p.Total = hoursText(total)
	return p, nil
}

func (a *app) myTraining(c *fiber.Ctx) error {
	p, err := a.myTrainingData(c)
	if err != nil {
		return err
	}
	p.Notice = myTrainingNotices[c.Query("done")]
	if p.FeedURL, err = a.feedURL(c); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "bookings/mytraining", "My training", p)
}

type recordPage struct {
	myTrainingPage
	Printed string
}

func (a *app) trainingRecord(c *fiber.Ctx) error {
	p, err := a.myTrainingData(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "bookings/record", "Your training record",
		recordPage{myTrainingPage: p, Printed: longDate(a.deps.Now())})
}
