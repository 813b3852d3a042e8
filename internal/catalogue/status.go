package catalogue

import (
	"time"
)

// SessionStatus is where a session stands. The database's session_status
// enum is the one list of them; each package's generated queries have their
// own type for it, converted to this one at the package's edge, and
// TestSessionStatusesAreTheDatabases holds these constants to the enum.
type SessionStatus string

// A session is drafted, then published (open to bookings until its cut-off),
// then delivered (completed); or cancelled, for good, at any point before.
const (
	SessionDraft     SessionStatus = "draft"
	SessionPublished SessionStatus = "published"
	SessionCancelled SessionStatus = "cancelled"
	SessionCompleted SessionStatus = "completed"
)

// SessionStatuses are all of them, in the enum's order.
var SessionStatuses = []SessionStatus{SessionDraft, SessionPublished, SessionCancelled, SessionCompleted}

// SessionStatusWords says a status for people, as a page's tag shows it:
// the one place each is worded.
func SessionStatusWords(s SessionStatus) string {
	switch s {
	case SessionDraft:
		return "Draft"
	case SessionPublished:
		return "Published"
	case SessionCancelled:
		return "Cancelled"
	case SessionCompleted:
		return "Delivered"
	}
	return string(s)
}

// CutoffPassed says whether booking has closed for a session whose cut-off
// is cutoff: from the cut-off on, no one books, and cancelling is late. The
// one rule; the database's session_open_for_booking says the same.
func CutoffPassed(cutoff, now time.Time) bool { return !now.Before(cutoff) }

// OpenForBooking says whether people can book a session now: it is
// published and its cut-off has not passed. The database's
// session_open_for_booking function is the same rule for queries, and a test
// holds the two together.
func OpenForBooking(status SessionStatus, cutoff, now time.Time) bool {
	return status == SessionPublished && !CutoffPassed(cutoff, now)
}
