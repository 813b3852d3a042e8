package booking

import "github.com/pscp/booktraining/internal/booking/internal/bookingdb"

// Status is where a booking stands. The database's booking_status enum is
// the one list of them; sqlc generates bookingdb's constants from it, and
// these name them as booking's own type, so no other package sees bookingdb.
// Held, Waiting, Offered, Confirmed and AwaitingApproval are live (the
// database's booking_status_live); all of them but Waiting take a seat
// (booking_status_takes_seat).
type Status string

// The statuses of a booking.
const (
	Held        = Status(bookingdb.BookingStatusHeld)    // a paid place, held while its person pays
	Waiting     = Status(bookingdb.BookingStatusWaiting) // on the waiting list
	Offered     = Status(bookingdb.BookingStatusOffered) // offered a place from the waiting list
	Confirmed   = Status(bookingdb.BookingStatusConfirmed)
	Cancelled   = Status(bookingdb.BookingStatusCancelled)
	Substituted = Status(bookingdb.BookingStatusSubstituted) // passed to a colleague
	Moved       = Status(bookingdb.BookingStatusMoved)       // moved to another session
	Left        = Status(bookingdb.BookingStatusLeft)        // left the waiting list or turned down an offer
	Expired     = Status(bookingdb.BookingStatusExpired)     // an offer not accepted in time
	Lapsed      = Status(bookingdb.BookingStatusLapsed)      // a held place not paid for in time
	// AwaitingApproval is a place kept (it takes a seat) while the person's
	// line manager is asked to approve it (approval.go).
	AwaitingApproval = Status(bookingdb.BookingStatusAwaitingApproval)
	Declined         = Status(bookingdb.BookingStatusDeclined)   // the line manager declined it
	Unapproved       = Status(bookingdb.BookingStatusUnapproved) // the line manager did not answer in time
)

// Statuses are all of them, in the enum's order.
var Statuses = []Status{Held, Waiting, Offered, Confirmed, Cancelled, Substituted, Moved, Left, Expired, Lapsed,
	AwaitingApproval, Declined, Unapproved}

// Live says whether the person has, or is waiting for, a place.
func Live(s Status) bool {
	return s == Held || s == Waiting || s == Offered || s == Confirmed || s == AwaitingApproval
}

// StatusWords says a status for people in a few words, as a tag or a list's
// column shows it: the one place each is worded. Pages that know more (the
// waiting-list number, an offer's deadline, who cancelled) add it to these.
func StatusWords(s Status) string {
	switch s {
	case Held:
		return "Held for payment"
	case Waiting:
		return "On the waiting list"
	case Offered:
		return "Place offered"
	case Confirmed:
		return "Confirmed"
	case Cancelled:
		return "Cancelled"
	case Substituted:
		return "Passed to a colleague"
	case Moved:
		return "Moved to another session"
	case Left:
		return "Left the waiting list"
	case Expired:
		return "Offer not accepted in time"
	case Lapsed:
		return "Not paid for in time"
	case AwaitingApproval:
		return "Waiting for line manager’s approval"
	case Declined:
		return "Declined by line manager"
	case Unapproved:
		return "Not approved in time"
	}
	return string(s)
}

// statusNames are statuses as the text a query compares with.
func statusNames(ss []Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
