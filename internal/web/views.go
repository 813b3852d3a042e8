package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
)

// auditView records that the signed-in person (the request's actor), in
// role as, is being shown other people's personal data (audit.View says what
// and whose). Pages call it once they have what they will show, before
// rendering it.
func (a *app) auditView(c *fiber.Ctx, as account.Role, v audit.View) error {
	v.As = string(as)
	return a.deps.Audit.RecordView(c.UserContext(), v)
}

// viewRole is the role someone sees a session's people in: a training
// manager's, or else the trainer's whose session it is.
func viewRole(u *account.User) account.Role {
	if u.Has(account.Manager) {
		return account.Manager
	}
	return account.Trainer
}

// sessionWords names a session for the audit log and people's downloads.
func sessionWords(id int64, title string, start time.Time) string {
	return fmt.Sprintf("%s on %s at %s (session %d)", title, longDate(start), clock(start), id)
}

func entryIDs(lists ...[]booking.Entry) []int64 {
	var ids []int64
	for _, l := range lists {
		for _, e := range l {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func agencyBookingIDs(lists ...[]booking.AgencyBooking) []int64 {
	var ids []int64
	for _, l := range lists {
		for _, b := range l {
			ids = append(ids, b.ID)
		}
	}
	return ids
}
