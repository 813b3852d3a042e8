package trainingrequest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

// Decline ends a request with a reason, told to the agency.
func (t Team) Decline(ctx context.Context, id int64, reason string) error {
	by, ok := t.manager(ctx)
	if !ok {
		return ErrNotFound
	}
	s := t.s
	reason = validation.CleanText(reason)
	var v validation.Errors
	switch {
	case reason == "":
		v.Add("reason", "Enter why the request is declined")
	case len([]rune(reason)) > 2000:
		v.Add("reason", "The reason must be 2,000 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainingrequestdb.New(tx)
		lock, err := q.LockEnquiry(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status != Submitted && lock.Status != InfoRequested {
			return ErrWrongState
		}
		if err := q.SetEnquiryStatus(ctx, trainingrequestdb.SetEnquiryStatusParams{ID: id, Status: Declined, DeclineReason: reason, Now: now}); err != nil {
			return fmt.Errorf("decline: %w", err)
		}
		if err := q.InsertEnquiryEvent(ctx, trainingrequestdb.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: by.ID, Action: "declined", Status: Declined, Note: reason, At: now,
		}); err != nil {
			return fmt.Errorf("record decline: %w", err)
		}
		e, err := q.GetEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		return s.tellAgency(ctx, tx, e, "declined", fmt.Sprintf(
			"We are sorry: we cannot deliver your request %s (%s).\n\nThe reason:\n%s\n\nSee the request at %s",
			Reference(id), title(e), reason, s.link(id)))
	})
}

// Schedule accepts a request (or, once accepted, adds another session to
// it) by making a published session closed to the request's agency, checked
// like any session for clashes. A bespoke request first gets its own hidden
// course, made once and reused, and the chosen trainers are approved for it.
// The agency is emailed the session's invite link. All of it is one
// transaction: f's course and agency are set here; bad input is a
// *validation.Errors, a clash a *scheduling.ClashError, and nothing is saved
// for either (no course, no approval, no session).
func (t Team) Schedule(ctx context.Context, id int64, f scheduling.Form) (int64, error) {
	return t.ScheduleAt(ctx, id, f, nil)
}

// ScheduleAt is Schedule with the session's place given as the agency's own
// premises (at), when at is not nil: the address is recorded as a venue of
// the agency (or the venue already recorded at that address is reused) in
// the same transaction as the session, and f's venue is ignored. Mistakes in
// the address are reported with the rest of the form's.
func (t Team) ScheduleAt(ctx context.Context, id int64, f scheduling.Form, at *venue.Premises) (int64, error) {
	by, ok := t.manager(ctx)
	if !ok {
		return 0, ErrNotFound
	}
	s := t.s
	now := s.now()
	var plan scheduling.Plan
	var sessionID int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainingrequestdb.New(tx)
		// The request's lock makes managers accepting it at once take
		// turns: the second sees the first's course and session.
		lock, err := q.LockEnquiry(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status == Declined {
			return ErrWrongState
		}
		e, err := q.GetEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("get request %d: %w", id, err)
		}
		courseID, err := s.courseFor(ctx, tx, e, now)
		if err != nil {
			return err
		}
		// The chosen trainers are approved for a bespoke course before the
		// check, which asks for approved trainers; a refusal takes the
		// approvals back with the rest.
		if e.Kind == "bespoke" {
			if _, err := trainer.ApproveTx(ctx, tx, courseID, f.TrainerIDs, now); err != nil {
				return err
			}
		}
		f.CourseID, f.AgencyID = courseID, e.AgencyID
		if at != nil {
			plan, err = s.checkAtPremises(ctx, tx, by, e.AgencyID, f, *at, now)
		} else {
			plan, err = s.sched.CheckTx(ctx, tx, f, 0)
		}
		if err != nil {
			return err
		}
		if sessionID, err = s.sched.CreatePublishedTx(ctx, tx, plan, Reference(id)); err != nil {
			return err
		}
		return s.accepted(ctx, tx, by, lock.Status, e, sessionID, plan, now)
	})
	if scheduling.IsClash(err) {
		return 0, s.sched.ClashesNow(ctx, plan) // read again: it only says what is in the way
	} else if smaller := scheduling.RoomMadeSmaller(err); smaller != nil {
		return 0, smaller
	} else if err != nil {
		return 0, err
	}
	return sessionID, nil
}

// courseFor is the course of request e's sessions: the course asked for,
// or for bespoke training the request's own course, made by the catalogue
// in tx the first time.
func (s *Service) courseFor(ctx context.Context, tx pgx.Tx, e trainingrequestdb.GetEnquiryRow, now time.Time) (int64, error) {
	if e.CourseID != nil {
		return *e.CourseID, nil
	}
	id, err := catalogue.CreateBespokeTx(ctx, tx, catalogue.Bespoke{
		Slug: fmt.Sprintf("bespoke-%d", e.ID), Topic: e.Topic, Need: e.Need, Audience: e.Audience,
		Participants: int(e.Participants),
	}, now)
	if err != nil {
		return 0, err
	}
	if err := trainingrequestdb.New(tx).SetEnquiryCourse(ctx, trainingrequestdb.SetEnquiryCourseParams{ID: e.ID, CourseID: &id, Now: now}); err != nil {
		return 0, fmt.Errorf("set course of request %d: %w", e.ID, err)
	}
	return id, nil
}

// accepted links a new session to its request, accepts the request if it
// was not yet, records the event and queues the agency's email, in tx.
func (s *Service) accepted(ctx context.Context, tx pgx.Tx, by actor.Actor, was string, e trainingrequestdb.GetEnquiryRow, sessionID int64, plan scheduling.Plan, now time.Time) error {
	q := trainingrequestdb.New(tx)
	id := e.ID
	if err := q.LinkEnquirySession(ctx, trainingrequestdb.LinkEnquirySessionParams{EnquiryID: id, SessionID: sessionID}); err != nil {
		return fmt.Errorf("link session: %w", err)
	}
	action := "session_added"
	if was != Accepted {
		action = "accepted"
		if err := q.SetEnquiryStatus(ctx, trainingrequestdb.SetEnquiryStatusParams{ID: id, Status: Accepted, Now: now}); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
	}
	if err := q.InsertEnquiryEvent(ctx, trainingrequestdb.InsertEnquiryEventParams{
		EnquiryID: id, ActorID: by.ID, Action: action, Status: Accepted, At: now,
		Note: fmt.Sprintf("Session %d: %s", sessionID, describe(plan.StartsAt, plan.EndsAt)),
	}); err != nil {
		return fmt.Errorf("record acceptance: %w", err)
	}
	sessions, err := q.EnquirySessions(ctx, id)
	if err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	var link, where string
	for _, se := range sessions {
		if se.ID == sessionID {
			link = s.baseURL.JoinPath("invite", se.InviteToken).String()
			where = place(se)
		}
	}
	e.Status = Accepted
	return s.tellAgency(ctx, tx, e, "accepted", fmt.Sprintf(
		"Good news: we will deliver %s for %s (request %s) on %s.\n\nWhere: %s\n\nThe session is only for your agency's staff. Share this link with them so they can book their places:\n%s\n\nYou can see who has booked at %s",
		plan.CourseTitle, e.AgencyName, Reference(id), describe(plan.StartsAt, plan.EndsAt), where, link, s.link(id)))
}

// checkAtPremises checks a session at the agency's premises in the
// caller's transaction: the address, recorded (or found) as the agency's
// venue, then the session there. A mistake in the address and in the rest
// of the form are reported together; the transaction is then rolled back,
// so no venue is left behind.
func (s *Service) checkAtPremises(ctx context.Context, tx pgx.Tx, by actor.Actor, agencyID int64, f scheduling.Form, at venue.Premises, now time.Time) (scheduling.Plan, error) {
	p, perr := venue.CheckPremises(at)
	if perr == nil {
		id, err := venue.PremisesTx(ctx, tx, agencyID, p, now)
		if err != nil {
			return scheduling.Plan{}, err
		}
		f.VenueID = id
	}
	plan, err := s.sched.CheckTx(ctx, tx, f, 0)
	var verr *validation.Errors
	invalid := errors.As(err, &verr)
	switch {
	case perr == nil && !invalid:
		return plan, err // checked, a clash, or a failure
	case !invalid && err != nil && !errors.As(err, new(*scheduling.ClashError)):
		return plan, err
	}
	// The form's mistakes, with the venue's said of the place chosen. When
	// the address is wrong there is no venue yet, so its absence is not one.
	var errs validation.Errors
	if pv := (*validation.Errors)(nil); errors.As(perr, &pv) {
		errs.Fields = append(errs.Fields, pv.Fields...)
	}
	if verr != nil {
		for _, fe := range verr.Fields {
			switch {
			case fe.Field == "venue" && perr != nil:
			case fe.Field == "venue":
				errs.Add(FieldPlace, fe.Message)
			default:
				errs.Add(fe.Field, fe.Message)
			}
		}
	}
	return plan, errs.Err()
}

// place says where a session of a request is held, for the agency's email.
func place(se trainingrequestdb.EnquirySessionsRow) string {
	if se.VenueOnline {
		return "online (" + se.VenueName + "); the meeting link is sent to everyone with a place"
	}
	var parts []string
	for _, p := range []string{se.AddressLine1, se.AddressLine2, se.Town, se.Postcode} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if se.AgencyPremises {
		return "at your premises, " + strings.Join(parts, ", ")
	}
	return se.VenueName + ", " + strings.Join(parts, ", ")
}

// FieldPlace is the accept form's choice of where the session is held: at
// the agency's premises or at a venue.
const FieldPlace = "place"

func title(e trainingrequestdb.GetEnquiryRow) string {
	if e.Kind == "bespoke" {
		return e.Topic
	}
	return e.CourseTitle
}
