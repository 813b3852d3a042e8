package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/email"
)

// DefaultReminderDays are how many days before a session its people are
// reminded, unless Service.ReminderDays says otherwise.
var DefaultReminderDays = []int{10, 3}

// joiningWindow is how long before an online session its joining
// instructions (the meeting link) are sent.
const joiningWindow = 48 * time.Hour

// joiningKind is the booking_reminders kind of the joining instructions.
const joiningKind = "joining"

func reminderKind(days int) string { return "days_" + strconv.Itoa(days) }

func (s *Service) reminderDays() []int {
	if s.ReminderDays == nil {
		return DefaultReminderDays
	}
	return s.ReminderDays
}

// reminder is what one booking is due: the kinds to mark handled, and of
// those the one to send with its message ("" to send nothing).
type reminder struct {
	mark []string
	send string
	msg  messageKind
}

// SendReminders emails the reminders now due to people with a place: one
// a few days before (ReminderDays), and for online sessions the joining
// instructions 48 hours before. Each is sent once, in the transaction that
// records it, so jobs and sweeps running at once never send one twice. It
// returns how many emails it sent. Each session's reminder jobs
// (ReminderArgs) do this at their moments; this is for the sweep.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.now()
	return s.sendReminders(ctx, nil, now, now)
}

// sendReminders sends, at now, the reminders that were due at dueAt (now,
// or for the sweep, its grace earlier), of one session when session is not
// nil.
func (s *Service) sendReminders(ctx context.Context, session *int64, now, dueAt time.Time) (int, error) {
	days := s.reminderDays()
	horizon := joiningWindow
	for _, d := range days {
		horizon = max(horizon, time.Duration(d)*24*time.Hour)
	}
	candidates, err := bookingdb.New(s.pool).ReminderCandidates(ctx, bookingdb.ReminderCandidatesParams{
		Now: dueAt, Until: dueAt.Add(horizon), SessionID: session,
	})
	if err != nil {
		return 0, fmt.Errorf("bookings to remind: %w", err)
	}
	n := 0
	var failed error
	unlinked := map[int64]bool{} // online sessions still without a meeting link
	var sessions []int64         // in the candidates' order: soonest first
	due := map[int64][]dueReminder{}
	for _, c := range candidates {
		if c.VenueOnline && c.MeetingUrl == "" && !dueAt.Before(c.StartsAt.Add(-joiningWindow)) && !unlinked[c.SessionID] {
			unlinked[c.SessionID] = true // said once a run, not once a person
			s.log.Warn("online session has no meeting link for its joining instructions", "session", c.SessionID)
		}
		for _, r := range s.dueReminders(c, days, dueAt) {
			if due[c.SessionID] == nil {
				sessions = append(sessions, c.SessionID)
			}
			due[c.SessionID] = append(due[c.SessionID], dueReminder{booking: c.ID, reminder: r})
		}
	}
	for _, session := range sessions {
		sent, err := s.sendSessionReminders(ctx, session, due[session], now)
		if err == nil {
			n += sent
			continue
		}
		// One booking's trouble must not hold up the others' reminders:
		// the session's are sent again one by one.
		s.log.Warn("send a session's reminders together; sending each alone", "session", session, "error", err)
		for _, d := range due[session] {
			sent, err := s.sendReminder(ctx, d.booking, d.reminder, now)
			if err != nil {
				s.log.Error("send reminder", "booking", d.booking, "error", err)
				failed = errors.Join(failed, err)
				continue
			}
			if sent {
				n++
			}
		}
	}
	return n, failed
}

// dueReminder is a reminder due to one booking.
type dueReminder struct {
	booking  int64
	reminder reminder
}

// sendSessionReminders records and sends the reminders due to the bookings
// of one session in one transaction under the session's lock, in the same
// few statements for one person as for thirty: the bookings read in one
// query, the reminders marked in one, the emails written in one. It returns
// how many emails went (none for a reminder another job or sweep got to
// first, or a place gone since).
func (s *Service) sendSessionReminders(ctx context.Context, session int64, due []dueReminder, now time.Time) (int, error) {
	sent := 0
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		sent = 0 // a retried transaction starts again
		if _, err := lockSession(ctx, q, session); err != nil {
			return err
		}
		ids := make([]int64, 0, len(due))
		for _, d := range due {
			if !slices.Contains(ids, d.booking) {
				ids = append(ids, d.booking)
			}
		}
		rows, err := q.BookingsByIDs(ctx, ids)
		if err != nil {
			return fmt.Errorf("bookings of session %d to remind: %w", session, err)
		}
		bookings := make(map[int64]bookingdb.BookingDetail, len(rows))
		for _, b := range rows {
			if Status(b.Status) == Confirmed && b.SessionStatus == "published" && now.Before(b.StartsAt) {
				bookings[b.ID] = b
			}
		}
		p := bookingdb.MarkRemindersParams{Now: now}
		for _, d := range due {
			if _, ok := bookings[d.booking]; !ok {
				continue
			}
			for _, kind := range d.reminder.mark {
				p.BookingIds, p.Kinds = append(p.BookingIds, d.booking), append(p.Kinds, kind)
			}
		}
		if len(p.BookingIds) == 0 {
			return nil
		}
		marked, err := q.MarkReminders(ctx, p)
		if err != nil {
			return fmt.Errorf("record reminders of session %d: %w", session, err)
		}
		type mark struct {
			booking int64
			kind    string
		}
		mine := make(map[mark]bool, len(marked))
		for _, m := range marked {
			mine[mark{m.BookingID, m.Kind}] = true
		}
		var messages []email.Message
		for _, d := range due {
			b, ok := bookings[d.booking]
			if !ok || d.reminder.send == "" || !mine[mark{d.booking, d.reminder.send}] || b.PersonErased {
				continue
			}
			m, err := s.messagesFor(ctx, q, []bookingdb.BookingDetail{b}, d.reminder.msg)
			if err != nil {
				return err
			}
			messages = append(messages, m...)
			sent++
		}
		if s.outbox == nil || len(messages) == 0 {
			return nil
		}
		if err := s.outbox.EnqueueAll(ctx, tx, messages); err != nil {
			return fmt.Errorf("reminders of session %d: %w", session, err)
		}
		return nil
	})
	return sent, err
}

// dueReminders works out which of booking c's reminders are due at now and
// not yet handled.
func (s *Service) dueReminders(c bookingdb.ReminderCandidatesRow, days []int, now time.Time) []reminder {
	var out []reminder
	// Of the day reminders due, only the nearest is sent: the others are
	// marked so a late job or sweep never sends "in 10 days" after "in 3 days".
	// Nor is one sent whose time had passed when the place was confirmed:
	// the confirmation email said it all.
	var due []int
	for _, d := range days {
		if d > 0 && !now.Before(c.StartsAt.Add(-time.Duration(d)*24*time.Hour)) && !slices.Contains(c.Handled, reminderKind(d)) {
			due = append(due, d)
		}
	}
	if len(due) > 0 {
		nearest := slices.Min(due)
		r := reminder{msg: msgReminder}
		for _, d := range due {
			r.mark = append(r.mark, reminderKind(d))
		}
		opened := c.StartsAt.Add(-time.Duration(nearest) * 24 * time.Hour)
		if c.ConfirmedAt != nil && !c.ConfirmedAt.After(opened) {
			r.send = reminderKind(nearest)
		}
		out = append(out, r)
	}
	if c.VenueOnline && !now.Before(c.StartsAt.Add(-joiningWindow)) && !slices.Contains(c.Handled, joiningKind) {
		// Without a meeting link it is left unmarked, so the instructions
		// go once a link is added (SendReminders warns meanwhile).
		if c.MeetingUrl != "" {
			out = append(out, reminder{mark: []string{joiningKind}, send: joiningKind, msg: msgJoining})
		}
	}
	return out
}

// sendReminder records r for booking id and sends its email, in one
// transaction under the session's lock. It reports whether an email went:
// not when another job or sweep got there first, or the place has since gone.
func (s *Service) sendReminder(ctx context.Context, id int64, r reminder, now time.Time) (bool, error) {
	sent := false
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		sent = false // a retried transaction starts again
		b, _, err := lockBooking(ctx, q, id)
		if err != nil {
			return err
		}
		if Status(b.Status) != Confirmed || catalogue.SessionStatus(b.SessionStatus) != catalogue.SessionPublished || !now.Before(b.StartsAt) {
			return nil
		}
		mine := false
		for _, kind := range r.mark {
			_, err := q.MarkReminder(ctx, bookingdb.MarkReminderParams{BookingID: id, Kind: kind, Now: now})
			if errors.Is(err, pgx.ErrNoRows) {
				continue // already handled
			} else if err != nil {
				return fmt.Errorf("record reminder %s of booking %d: %w", kind, id, err)
			}
			mine = mine || kind == r.send
		}
		if !mine {
			return nil
		}
		sent = !b.PersonErased // tell writes nothing to an erased person
		return s.tell(ctx, tx, q, id, r.msg)
	})
	return sent, err
}
