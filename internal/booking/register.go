package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/validation"
)

// RegisterSheet is a session's register: who has a place, and whether
// each of them came.
type RegisterSheet struct {
	SessionID     int64
	CourseTitle   string
	SessionStatus catalogue.SessionStatus
	StartsAt      time.Time
	EndsAt        time.Time
	VenueName     string
	Online        bool
	// Opens is when the register can first be taken: the start of the
	// session's day in London.
	Opens time.Time
	// Closed says why the register cannot be taken now ("" when it can).
	Closed string
	People []RegisterLine
}

// RegisterLine is one person on the register.
type RegisterLine struct {
	BookingID  int64
	Name       string
	Agency     string
	Attendance string // "" until the register is taken
}

// Field returns the form field that holds this person's mark.
func (l RegisterLine) Field() string { return AttendanceField(l.BookingID) }

// AttendanceField is the form field holding the mark for a booking.
func AttendanceField(bookingID int64) string { return fmt.Sprintf("attendance-%d", bookingID) }

// Counts returns how many are marked attended, late and absent.
func (r RegisterSheet) Counts() (attended, late, absent int) {
	for _, l := range r.People {
		switch l.Attendance {
		case Attended:
			attended++
		case ArrivedLate:
			late++
		case Absent:
			absent++
		}
	}
	return attended, late, absent
}

// Taken reports whether everyone on the register has a mark.
func (r RegisterSheet) Taken() bool {
	for _, l := range r.People {
		if l.Attendance == "" {
			return false
		}
	}
	return len(r.People) > 0
}

// registerOpens is when the register can first be taken: the session's
// start. Until then people may still cancel or pass their place on, and no
// one can yet be absent.
func registerOpens(startsAt time.Time) time.Time { return startsAt }

// registerClosed says why the register of a session cannot be taken at now,
// in words for the page, or "" when it can.
func registerClosed(status catalogue.SessionStatus, startsAt, now time.Time) string {
	switch status {
	case catalogue.SessionPublished, catalogue.SessionCompleted:
	case catalogue.SessionCancelled:
		return "This session was cancelled, so there is no register to take"
	default:
		return "This session has not been published, so there is no register to take yet"
	}
	if opens := registerOpens(startsAt); now.Before(opens) {
		return "You can take the register from " + london.Clock(opens) + " on " + london.LongDate(opens) + ", when the session starts"
	}
	return ""
}

// mayTakeRegister checks actor is a manager or a trainer of the session;
// anyone else is told it does not exist.
func mayTakeRegister(ctx context.Context, q *bookingdb.Queries, who actor.Actor, sessionID int64) error {
	if who.Manager {
		return nil
	}
	if !who.Trainer {
		return ErrNotFound
	}
	trains, err := q.IsTrainerOfSession(ctx, bookingdb.IsTrainerOfSessionParams{SessionID: sessionID, TrainerID: who.ID})
	if err != nil {
		return fmt.Errorf("trainers of session %d: %w", sessionID, err)
	}
	if !trains {
		return ErrNotFound
	}
	return nil
}

func registerLines(rows []bookingdb.RegisterBookingsRow) []RegisterLine {
	lines := make([]RegisterLine, 0, len(rows))
	for _, r := range rows {
		l := RegisterLine{BookingID: r.ID, Name: r.FullName, Agency: r.AgencyName}
		if r.Erased {
			l.Name = "Deleted account"
		}
		if r.Attendance != nil {
			l.Attendance = *r.Attendance
		}
		lines = append(lines, l)
	}
	return lines
}

// Register returns a session's register for a manager or one of the
// session's trainers; for anyone else the session is ErrNotFound.
func (s *Service) Register(ctx context.Context, sessionID int64) (RegisterSheet, error) {
	who := actor.From(ctx)
	q := bookingdb.New(s.pool)
	if err := mayTakeRegister(ctx, q, who, sessionID); err != nil {
		return RegisterSheet{}, err
	}
	se, err := q.RegisterSession(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return RegisterSheet{}, ErrNotFound
	} else if err != nil {
		return RegisterSheet{}, fmt.Errorf("session %d: %w", sessionID, err)
	}
	rows, err := q.RegisterBookings(ctx, sessionID)
	if err != nil {
		return RegisterSheet{}, fmt.Errorf("register of session %d: %w", sessionID, err)
	}
	return RegisterSheet{
		SessionID: se.ID, CourseTitle: se.CourseTitle, SessionStatus: catalogue.SessionStatus(se.Status), StartsAt: se.StartsAt,
		EndsAt: se.EndsAt, VenueName: se.VenueName, Online: se.VenueOnline, Opens: registerOpens(se.StartsAt),
		Closed: registerClosed(catalogue.SessionStatus(se.Status), se.StartsAt, s.now()), People: registerLines(rows),
	}, nil
}

// TakeRegister records whether each person with a place came: marks maps
// every confirmed booking of the session to Attended, ArrivedLate or
// Absent. It can be saved again to correct it. The first time someone is
// marked absent, they and their line manager are emailed; a correction
// later emails nobody, and the audit log keeps every change.
func (s *Service) TakeRegister(ctx context.Context, sessionID int64, marks map[int64]string) error {
	return s.TakeRegisterSeen(ctx, sessionID, marks, nil)
}

// TakeRegisterSeen is TakeRegister for a form that also says which mark it
// showed for each person (shown, by booking ID). A mark left as it was
// shown is not a decision of this form: if the register holds a mark for
// that person now (another trainer saved an exception, or pressed "mark
// everyone as attended", while this page was open), that mark stays. So two
// trainers taking one register lose neither's exceptions; a mark the form
// did change is saved, the later save winning.
func (s *Service) TakeRegisterSeen(ctx context.Context, sessionID int64, marks, shown map[int64]string) error {
	who := actor.From(ctx)
	now := s.now()
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		se, err := lockSession(ctx, q, sessionID)
		if err != nil {
			return err
		}
		if err := mayTakeRegister(ctx, q, who, sessionID); err != nil {
			return err
		}
		var v validation.Errors
		if why := registerClosed(catalogue.SessionStatus(se.Status), se.StartsAt, now); why != "" {
			v.Add("", why)
			return v.Err()
		}
		rows, err := q.RegisterBookings(ctx, sessionID)
		if err != nil {
			return fmt.Errorf("register of session %d: %w", sessionID, err)
		}
		marks = keepOthersMarks(rows, marks, shown)
		// Marks for anyone not on the register now (someone who cancelled
		// while the page was open, or an id from elsewhere) are ignored:
		// only the people listed are marked.
		for _, l := range registerLines(rows) {
			switch mark, ok := marks[l.BookingID]; {
			case !ok || mark == "":
				v.Add(l.Field(), "Select whether "+l.Name+" attended, arrived late or was absent")
			case mark != Attended && mark != ArrivedLate && mark != Absent:
				v.Add(l.Field(), "Select attended, arrived late or absent for "+l.Name)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}

		counts := map[string]int{Attended: 0, ArrivedLate: 0, Absent: 0}
		var changes []map[string]any
		var tell, came []int64
		for _, r := range rows {
			mark := marks[r.ID]
			counts[mark]++
			was := ""
			if r.Attendance != nil {
				was = *r.Attendance
			}
			if was == mark {
				continue // unchanged: who took it and when stay as they were
			}
			if was != "" {
				changes = append(changes, map[string]any{"booking_id": r.ID, "from": was, "to": mark})
			}
			notify := mark == Absent && r.AbsenceNotifiedAt == nil
			if err := q.SetAttendance(ctx, bookingdb.SetAttendanceParams{
				ID: r.ID, SessionID: sessionID, Attendance: &mark, AttendanceBy: &who.ID, Now: now, Notify: notify,
			}); err != nil {
				return fmt.Errorf("attendance of booking %d: %w", r.ID, err)
			}
			if notify {
				tell = append(tell, r.ID)
			}
			if mark == Attended || mark == ArrivedLate {
				came = append(came, r.ID)
			}
			if was == Absent {
				if err := s.money().WaiveCorrectedAbsenceTx(ctx, tx, r.ID, who.ID, now); err != nil {
					return err
				}
			}
		}
		if err := s.tellAll(ctx, tx, q, tell, msgAbsent); err != nil {
			return err
		}
		if err := s.attended(ctx, tx, came); err != nil {
			return err
		}
		details := map[string]any{
			"session_id": sessionID, "course": se.CourseTitle, "attended": counts[Attended],
			"late": counts[ArrivedLate], "absent": counts[Absent], "absence_emails": len(tell),
		}
		if len(changes) > 0 {
			details["changed"] = changes
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.AttendanceRecorded, ActorID: who.IDPtr(), IP: who.IP, Details: details}); err != nil {
			return err
		}
		return s.money().BillWhenDueTx(ctx, tx, sessionID) // a register taken may make the session billable
	})
}

// SessionDelivered is told, in the transaction that marks session id
// delivered, that nothing is left to decide on it: its agencies are billed
// (an invoice job each, committed with the change).
func (s *Service) SessionDelivered(ctx context.Context, tx pgx.Tx, id int64) error {
	return s.money().BillWhenDueTx(ctx, tx, id)
}

// keepOthersMarks returns marks with each mark the form left as shown
// replaced by the mark the register holds now, when it holds one.
func keepOthersMarks(rows []bookingdb.RegisterBookingsRow, marks, shown map[int64]string) map[int64]string {
	if shown == nil {
		return marks
	}
	out := make(map[int64]string, len(marks))
	for id, m := range marks {
		out[id] = m
	}
	for _, r := range rows {
		seen, ok := shown[r.ID]
		if ok && r.Attendance != nil && out[r.ID] == seen {
			out[r.ID] = *r.Attendance
		}
	}
	return out
}

// MarkEveryoneAttended marks every confirmed place of the session that has
// no mark yet as attended, and returns how many it marked; the trainer then
// changes the exceptions (late, absent) on the register. It follows the
// register's rules (who, when, audited). Places already marked keep their
// mark, so pressing it twice, or two trainers pressing it at once, marks
// each person once and never overwrites an exception: the session's row
// lock makes the presses take turns, and the second finds no one unmarked.
// No one is marked absent here, so no one is emailed.
func (s *Service) MarkEveryoneAttended(ctx context.Context, sessionID int64) (int, error) {
	who := actor.From(ctx)
	now := s.now()
	var marked int
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		se, err := lockSession(ctx, q, sessionID)
		if err != nil {
			return err
		}
		if err := mayTakeRegister(ctx, q, who, sessionID); err != nil {
			return err
		}
		if why := registerClosed(catalogue.SessionStatus(se.Status), se.StartsAt, now); why != "" {
			var v validation.Errors
			v.Add("", why)
			return v.Err()
		}
		ids, err := q.MarkUnmarkedAttended(ctx, bookingdb.MarkUnmarkedAttendedParams{
			SessionID: sessionID, AttendanceBy: &who.ID, Now: now,
		})
		if err != nil {
			return fmt.Errorf("mark everyone attended on session %d: %w", sessionID, err)
		}
		marked = len(ids)
		if marked == 0 {
			return nil // nothing changed, nothing to record
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.AttendanceRecorded, ActorID: who.IDPtr(), IP: who.IP, Details: map[string]any{
			"session_id": sessionID, "course": se.CourseTitle, "everyone_attended": true,
			"attended": marked, "booking_ids": ids,
		}}); err != nil {
			return err
		}
		if err := s.attended(ctx, tx, ids); err != nil {
			return err
		}
		return s.money().BillWhenDueTx(ctx, tx, sessionID)
	})
	return marked, err
}

// Unmarked is how many people on the register have no mark yet.
func (r RegisterSheet) Unmarked() int {
	n := 0
	for _, l := range r.People {
		if l.Attendance == "" {
			n++
		}
	}
	return n
}
