package scheduling

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
	"github.com/pscp/booktraining/internal/validation"
)

// MaxCapReleaseDays bounds how long before the start a session's caps may
// lift.
const MaxCapReleaseDays = 90

// checkCaps reads the form's caps on the places one agency or one sector
// may hold, and when they lift, into p: a cap left empty is the course's
// default, "0" is none, and none may be above the session's places. The
// caps lift a whole number of days before the start (the course's default
// when empty), never after it.
func checkCaps(v *validation.Errors, f Form, p *Plan, course schedulingdb.GetCourseForSchedulingRow, start time.Time) {
	capOf := func(field, typed, label string, def *int32) int {
		typed = strings.TrimSpace(typed)
		if typed == "" {
			if def == nil {
				return 0
			}
			return min(int(*def), max(p.Capacity, 1))
		}
		n, err := strconv.Atoi(typed)
		switch {
		case err != nil || n < 0:
			v.Add(field, fmt.Sprintf("Enter the places %s may hold as a whole number, like 4, or 0 for no limit", label))
		case p.Capacity > 0 && n > p.Capacity:
			v.Add(field, fmt.Sprintf("The places %s may hold cannot be more than the session’s %d places", label, p.Capacity))
		default:
			return n
		}
		return 0
	}
	p.AgencyCap = capOf("agency-cap", f.AgencyCap, "one agency", course.DefaultAgencyCap)
	p.SectorCap = capOf("sector-cap", f.SectorCap, "one sector", course.DefaultSectorCap)
	days := int(course.DefaultCapReleaseDays)
	if typed := strings.TrimSpace(f.CapReleaseDays); typed != "" {
		n, err := strconv.Atoi(typed)
		if err != nil || n < 0 || n > MaxCapReleaseDays {
			v.Add("cap-release", fmt.Sprintf("Enter how many days before the session its places open to all, from 0 to %d", MaxCapReleaseDays))
			return
		}
		days = n
	}
	if p.AgencyCap == 0 && p.SectorCap == 0 {
		return
	}
	// Calendar days in London, as the cut-off.
	p.CapsRelease = start.AddDate(0, 0, -days)
}

// scheduleCapsRelease has the session's free places offered to everyone
// waiting when its caps lift, in the transaction that set them.
func (s *Service) scheduleCapsRelease(ctx context.Context, tx pgx.Tx, id int64, p Plan) error {
	if s.Bookings == nil || p.CapsRelease.IsZero() {
		return nil
	}
	return s.Bookings.ScheduleCapsRelease(ctx, tx, id, p.CapsRelease)
}
