package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/ical"
	"github.com/pscp/booktraining/internal/london"
)

// Trainers' calendar invitations. A trainer is invited, as the chair of the
// event, to each published session they deliver; told with an update when
// its time or place changes; and sent a cancellation when it is cancelled
// or they are taken off it. Drafts are not sent: a draft is the manager's
// plan, not yet a commitment the trainer's diary should hold.
//
// Each (session, trainer) has its own UID, and trainer_invites keeps the
// last SEQUENCE sent under it, so every later invitation or cancellation is
// numbered above it, even for a trainer taken off a session and put back.

type trainerNotice int

const (
	trainerAdded trainerNotice = iota
	trainerMoved
	trainerRemoved
	trainerSessionCancelled
)

// TellTrainers brings the calendars of session id's trainers up to date, in
// tx, after a change the caller has saved: it is called after every change
// to a session's status, time, place or trainers, and sends only what
// changed for each trainer since their last invitation.
func (s *Service) TellTrainers(ctx context.Context, tx pgx.Tx, id int64) error {
	if s.outbox == nil {
		return nil
	}
	q := bookingdb.New(tx)
	se, err := q.SessionForTrainerInvites(ctx, id)
	if err != nil {
		return fmt.Errorf("session %d for its trainers: %w", id, err)
	}
	people, err := q.TrainersToTell(ctx, id)
	if err != nil {
		return fmt.Errorf("trainers of session %d to tell: %w", id, err)
	}
	var team []bookingdb.TrainersToTellRow
	for _, t := range people {
		if t.Delivering {
			team = append(team, t)
		}
	}
	for _, t := range people {
		if t.Erased {
			continue // no address to write to
		}
		invited := t.SentSequence >= 0 && !t.SentCancel
		var notice trainerNotice
		switch {
		case catalogue.SessionStatus(se.Status) == catalogue.SessionPublished && t.Delivering && !invited:
			notice = trainerAdded
		case catalogue.SessionStatus(se.Status) == catalogue.SessionPublished && t.Delivering && t.SentSessionSequence < se.Sequence:
			notice = trainerMoved
		case invited && catalogue.SessionStatus(se.Status) == catalogue.SessionCancelled:
			notice = trainerSessionCancelled
		case invited && !t.Delivering:
			notice = trainerRemoved
		default:
			continue // nothing new for them
		}
		sequence := int(se.Sequence)
		if t.SentSequence >= 0 {
			sequence = max(sequence, int(t.SentSequence)+1) // strictly above what their calendar holds
		}
		if err := s.tellTrainer(ctx, tx, se, t, others(team, t.ID), notice, sequence); err != nil {
			return err
		}
		if err := q.RecordTrainerInvite(ctx, bookingdb.RecordTrainerInviteParams{
			SessionID: id, TrainerID: t.ID, Sequence: int32(sequence), SessionSequence: se.Sequence,
			Cancelled: notice == trainerRemoved || notice == trainerSessionCancelled, SentAt: s.now(),
		}); err != nil {
			return fmt.Errorf("record invitation of trainer %d to session %d: %w", t.ID, id, err)
		}
	}
	return nil
}

// others are the names of the trainers of team other than id.
func others(team []bookingdb.TrainersToTellRow, id int64) []string {
	var names []string
	for _, t := range team {
		if t.ID != id {
			names = append(names, t.FullName)
		}
	}
	return names
}

func (s *Service) tellTrainer(ctx context.Context, tx pgx.Tx, se bookingdb.SessionForTrainerInvitesRow, t bookingdb.TrainersToTellRow,
	coTrainers []string, notice trainerNotice, sequence int) error {
	e := s.trainerEvent(se, t, coTrainers, sequence)
	var cal *email.Calendar
	if notice == trainerRemoved || notice == trainerSessionCancelled {
		cal = &email.Calendar{Method: email.MethodCancel, Data: ical.Cancel(e, s.now()), Filename: "cancellation.ics"}
	} else {
		cal = &email.Calendar{Method: email.MethodRequest, Data: ical.Request(e, s.now()), Filename: "invitation.ics"}
	}
	subject, letter := s.composeTrainer(se, t, coTrainers, notice)
	userID := t.ID
	if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
		To: t.Email, ToName: t.FullName, Subject: subject, Body: letter.Text(), HTML: letter.HTML(), UserID: &userID,
		Calendar: cal, Partnership: &se.PartnershipID,
	}); err != nil {
		return fmt.Errorf("email trainer %d about session %d: %w", t.ID, se.ID, err)
	}
	return nil
}

// TrainerEventUID is the UID of trainer's invitation to session: one per
// pair, for the life of the session, distinct from any booking's.
func (s *Service) TrainerEventUID(session, trainer int64) string {
	return fmt.Sprintf("session-%d-trainer-%d@%s", session, trainer, s.host())
}

// trainerSigner is the partnership whose session a trainer is told of.
func trainerSigner(se bookingdb.SessionForTrainerInvitesRow) signer {
	if se.PartnershipConfigured || se.PartnershipName == "" {
		return signer{}
	}
	return signer{name: se.PartnershipName, email: se.PartnershipEmail, phone: se.PartnershipPhone}
}

func trainerPlace(se bookingdb.SessionForTrainerInvitesRow) string {
	if se.VenueOnline {
		return "Online (" + se.VenueName + ")"
	}
	if se.VenueAddress != "" {
		return se.VenueName + ", " + se.VenueAddress
	}
	return se.VenueName
}

func (s *Service) trainerEvent(se bookingdb.SessionForTrainerInvitesRow, t bookingdb.TrainersToTellRow, coTrainers []string, sequence int) ical.Event {
	location := "Online"
	if !se.VenueOnline {
		location = se.VenueName
		if se.VenueAddress != "" {
			location += ", " + se.VenueAddress
		}
	}
	link := s.link(fmt.Sprintf("/trainer/sessions/%d", se.ID))
	var d strings.Builder
	d.WriteString(se.CourseTitle)
	if summary := strings.TrimSpace(se.CourseSummary); summary != "" {
		d.WriteString("\n\n" + summary)
	}
	if len(coTrainers) > 0 {
		d.WriteString("\n\nYou are delivering it with " + strings.Join(coTrainers, " and ") + ".")
	} else {
		d.WriteString("\n\nYou are delivering it.")
	}
	if se.VenueOnline && se.MeetingUrl != "" {
		d.WriteString("\n\nJoin online: " + se.MeetingUrl)
	}
	d.WriteString("\n\nThe session, its attendees and register: " + link)
	return ical.Event{
		UID:         s.TrainerEventUID(se.ID, t.ID),
		Sequence:    sequence,
		Start:       se.StartsAt,
		End:         se.EndsAt,
		Summary:     "Delivering: " + se.CourseTitle,
		Description: d.String(),
		Location:    location,
		URL:         link,
		Organizer:   s.organizer(trainerSigner(se)),
		Attendee:    ical.Person{Name: t.FullName, Email: t.Email},
		Chair:       true,
		Alarm:       24 * time.Hour,
	}
}

// composeTrainer writes the letter to a trainer about a session they
// deliver, or delivered until now.
func (s *Service) composeTrainer(se bookingdb.SessionForTrainerInvitesRow, t bookingdb.TrainersToTellRow, coTrainers []string,
	notice trainerNotice) (subject string, l email.Letter) {
	what := email.Details(se.CourseTitle, london.When(se.StartsAt, se.EndsAt), trainerPlace(se))
	session := email.LinkTo("See the session and its attendees", s.link(fmt.Sprintf("/trainer/sessions/%d", se.ID)))
	mine := email.LinkTo("My sessions", s.link("/trainer/sessions"))
	with := "You are delivering it on your own."
	if len(coTrainers) > 0 {
		with = "You are delivering it with " + strings.Join(coTrainers, " and ") + "."
	}
	p := email.Para
	l = email.Letter{Greeting: "Dear " + t.FullName + ",", From: s.from(trainerSigner(se))}
	add := func(blocks ...email.Block) { l.Blocks = append(l.Blocks, blocks...) }
	switch notice {
	case trainerAdded:
		subject = "You are training: " + se.CourseTitle
		add(p("You have been put on this session as a trainer:"), what, p(with),
			p("The calendar invitation with this email puts the session in your diary. "+
				"If you cannot deliver it, tell the training team as soon as you can."), session)
	case trainerMoved:
		subject = "Session changed: " + se.CourseTitle
		add(p("The time or place of a session you are delivering has changed. It is now:"), what, p(with),
			p("The calendar invitation with this email updates the one we sent before. "+
				"If you cannot deliver it now, tell the training team as soon as you can."), session)
	case trainerRemoved:
		subject = "You are no longer training: " + se.CourseTitle
		add(p("The training team has taken you off this session, so you are no longer delivering it:"), what,
			p("The cancellation with this email takes the session out of your diary."), mine)
	case trainerSessionCancelled:
		subject = "Session cancelled: " + se.CourseTitle
		add(p("The partnership has cancelled this session, which you were delivering:"), what)
		if se.CancelledReason != "" {
			add(p("Reason: " + se.CancelledReason))
		}
		add(p("Everyone booked on it has been told. The cancellation with this email takes the session out of your diary."), mine)
	}
	return subject, l
}
