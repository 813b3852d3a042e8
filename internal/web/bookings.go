package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/booking"
)

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
	case booking.Waiting:
		if !b.Changeable {
			return "Did not get a place"
		}
		if b.Position > 0 {
			return booking.StatusWords(b.Status) + ", number " + strconv.Itoa(b.Position)
		}
	case booking.Held:
		if b.HoldExpiresAt != nil {
			return "Held for you until " + clock(*b.HoldExpiresAt) + " on " + longDate(*b.HoldExpiresAt) + ": not paid for yet"
		}
		return "Held for you: not paid for yet"
	case booking.AwaitingApproval:
		if b.ApprovalExpiresAt != nil {
			return "Waiting for your line manager’s approval (until " + clock(*b.ApprovalExpiresAt) + " on " + longDate(*b.ApprovalExpiresAt) + ")"
		}
		return "Waiting for your line manager’s approval"
	case booking.Offered:
		if b.OfferExpiresAt != nil {
			return booking.StatusWords(b.Status) + ": accept by " + clock(*b.OfferExpiresAt) + " on " + longDate(*b.OfferExpiresAt)
		}
	case booking.Cancelled, booking.Left:
		return b.cancelledText(own)
	}
	return booking.StatusWords(b.Status)
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
	"awaiting-approval": "Place kept for you. We have emailed your line manager to approve it, and will email you " +
		"when they answer.",
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
	id, err := pathID(c, "id")
	if err != nil {
		return bookingView{}, err
	}
	b, err := a.deps.Bookings.Get(c.UserContext(), id)
	if err != nil {
		return bookingView{}, err
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
