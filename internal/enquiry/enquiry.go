// Package enquiry owns requests for bespoke and single-agency training: an
// agency asks, the training manager triages (a message thread, accept or
// decline, each change recorded with who and when), and an accepted request
// becomes closed sessions for that agency with their own invite links.
//
// Status model: submitted (waiting for the training team) → info_requested
// (the team asked a question; the agency's reply puts it back to submitted)
// → accepted (at least one closed session made; more can be added) or
// declined (with a reason). Accepted and declined are final, except that an
// accepted request can gain further sessions.
package enquiry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

var (
	// ErrNotFound means no such request, or one the person may not see.
	ErrNotFound = errs.New(errs.NotFound, "training request not found")
	// ErrNotAllowed means the person may not make requests: no confirmed
	// email address, or no partner agency.
	ErrNotAllowed = errors.New("not allowed to request training")
	// ErrWrongState means the request cannot do that in its current status.
	ErrWrongState = errors.New("the training request cannot do that now")
)

// Statuses of a request.
const (
	Submitted     = "submitted"
	InfoRequested = "info_requested"
	Accepted      = "accepted"
	Declined      = "declined"
)

// Statuses in the order the queue's filter offers them.
var Statuses = []string{Submitted, InfoRequested, Accepted, Declined}

// StatusName is a status as people read it.
func StatusName(s string) string {
	return map[string]string{
		Submitted: "Waiting for the training team", InfoRequested: "More information needed",
		Accepted: "Accepted", Declined: "Declined",
	}[s]
}

// Locations a request can ask for.
const (
	OwnPremises = "own_premises"
	Venue       = "venue"
	Online      = "online"
)

// MaxDates is how many preferred dates a request can give.
const MaxDates = 3

// DefaultResponseDays is the partnership's target for answering a request,
// in working days, unless configured otherwise.
const DefaultResponseDays = 10

// Service keeps training requests.
type Service struct {
	pool    *pgxpool.Pool
	outbox  *email.Outbox
	sched   *scheduling.Service
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
	// ResponseDays is the target for answering a request, in working days.
	ResponseDays int
}

func New(pool *pgxpool.Pool, outbox *email.Outbox, sched *scheduling.Service, baseURL *url.URL, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{pool: pool, outbox: outbox, sched: sched, baseURL: baseURL, now: now, log: log, ResponseDays: DefaultResponseDays}
}

// Actor is the person asking, as these rules see them.
type Actor struct {
	ID       int64
	Name     string
	Email    string
	AgencyID *int64 // their partner agency, nil for none (or one not confirmed)
	Verified bool
	Manager  bool
}

// CanRequest reports whether actor may make requests for their agency.
func (a Actor) CanRequest() bool { return a.Verified && a.AgencyID != nil }

func (a Actor) sees(agencyID int64) bool {
	return a.Manager || (a.Verified && a.AgencyID != nil && *a.AgencyID == agencyID)
}

// Reference is the number people quote for request id.
func Reference(id int64) string { return fmt.Sprintf("TR-%05d", id) }

// Summary is one request in a list.
type Summary struct {
	ID           int64
	Reference    string
	Title        string
	Bespoke      bool
	AgencyName   string
	Status       string
	Participants int
	SubmittedAt  time.Time
	AgeDays      int  // working days since it was made
	Overdue      bool // still waiting for the training team past the target
}

// Filter narrows the manager's queue; zero values match everything.
type Filter struct {
	Status   string
	AgencyID int64
	CourseID int64
}

// Queue is what the manager's list shows.
type Queue struct {
	Requests     []Summary
	ResponseDays int
	Agencies     []Choice // agencies that have made requests
	Courses      []Choice
}

// Choice is an option in a filter or form.
type Choice struct {
	ID   int64
	Name string
}

// List is the manager's queue (every agency, filtered) or, for anyone else,
// their own agency's requests.
func (s *Service) List(ctx context.Context, actor Actor, f Filter) (Queue, error) {
	q := dbsqlc.New(s.pool)
	p := dbsqlc.ListEnquiriesParams{Status: f.Status}
	if !actor.Manager {
		if !actor.CanRequest() {
			return Queue{}, ErrNotAllowed
		}
		p.AgencyID = actor.AgencyID
	} else if f.AgencyID != 0 {
		p.AgencyID = &f.AgencyID
	}
	if f.CourseID != 0 {
		p.CourseID = &f.CourseID
	}
	rows, err := q.ListEnquiries(ctx, p)
	if err != nil {
		return Queue{}, fmt.Errorf("list requests: %w", err)
	}
	now := s.now()
	out := Queue{ResponseDays: s.ResponseDays}
	for _, r := range rows {
		sum := Summary{
			ID: r.ID, Reference: Reference(r.ID), Title: r.CourseTitle, Bespoke: r.Kind == "bespoke", AgencyName: r.AgencyName,
			Status: r.Status, Participants: int(r.Participants), SubmittedAt: r.SubmittedAt,
		}
		if sum.Bespoke {
			sum.Title = r.Topic
		}
		end := now
		if r.Status == Accepted || r.Status == Declined {
			end = r.UpdatedAt
		}
		sum.AgeDays = workday.Between(r.SubmittedAt, end)
		sum.Overdue = r.Status == Submitted && sum.AgeDays > s.ResponseDays
		out.Requests = append(out.Requests, sum)
	}
	if actor.Manager {
		agencies, err := q.EnquiryAgencyChoices(ctx)
		if err != nil {
			return Queue{}, fmt.Errorf("agency choices: %w", err)
		}
		for _, a := range agencies {
			out.Agencies = append(out.Agencies, Choice{a.ID, a.Name})
		}
		if out.Courses, err = s.Courses(ctx); err != nil {
			return Queue{}, err
		}
	}
	return out, nil
}

// Courses are the catalogue courses a request can ask for.
func (s *Service) Courses(ctx context.Context) ([]Choice, error) {
	rows, err := dbsqlc.New(s.pool).EnquiryCourseChoices(ctx)
	if err != nil {
		return nil, fmt.Errorf("course choices: %w", err)
	}
	out := make([]Choice, 0, len(rows))
	for _, r := range rows {
		out = append(out, Choice{r.ID, r.Title})
	}
	return out, nil
}

// Request is one request in full, with its thread, history and sessions.
type Request struct {
	Summary
	AgencyID      int64
	RequesterName string
	CourseID      int64
	Topic, Need   string
	Audience      string
	Location      string
	Address       string
	AccessNeeds   string
	ContactName   string
	ContactEmail  string
	ContactPhone  string
	DeclineReason string
	Dates         []Slot
	Messages      []Message
	History       []Event
	Sessions      []Session
	// Premises is the address of the agency's premises to offer as the next
	// session's place: that of the latest session held there, or else the
	// request's address read into parts (for the manager to check).
	Premises venue.Premises
}

// Open reports whether the training team can still accept or decline it.
func (r Request) Open() bool { return r.Status == Submitted || r.Status == InfoRequested }

// Slot is a preferred date and time.
type Slot struct{ StartsAt, EndsAt time.Time }

// Message is one message of the thread.
type Message struct {
	FromPartnership bool
	Author          string
	Body            string
	SentAt          time.Time
}

// Event is one change of the request: who, what, when.
type Event struct {
	Action string
	Status string
	Actor  string
	Note   string
	At     time.Time
}

// Session is a closed session made from the request, with who is booked.
type Session struct {
	ID          int64
	CourseTitle string
	StartsAt    time.Time
	EndsAt      time.Time
	VenueName   string
	Online      bool
	Capacity    int
	Booked      int
	Status      string
	InviteLink  string
	People      []Booked
	// AtPremises says the session is held at the agency's own premises.
	AtPremises bool
}

// Booked is a person with a place (or waiting) on a session.
type Booked struct {
	Name   string
	Status string
}

// Get returns a request the actor may see: a manager sees all, anyone else
// only their own agency's (ErrNotFound otherwise).
func (s *Service) Get(ctx context.Context, actor Actor, id int64) (Request, error) {
	q := dbsqlc.New(s.pool)
	e, err := q.GetEnquiry(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, ErrNotFound
	} else if err != nil {
		return Request{}, fmt.Errorf("get request %d: %w", id, err)
	}
	if !actor.sees(e.AgencyID) {
		return Request{}, ErrNotFound
	}
	r := Request{
		Summary: Summary{ID: e.ID, Reference: Reference(e.ID), Title: title(e), Bespoke: e.Kind == "bespoke",
			AgencyName: e.AgencyName, Status: e.Status, Participants: int(e.Participants), SubmittedAt: e.SubmittedAt},
		AgencyID: e.AgencyID, RequesterName: e.RequesterName, Topic: e.Topic, Need: e.Need, Audience: e.Audience,
		Location: e.Location, Address: e.Address, AccessNeeds: e.AccessNeeds, ContactName: e.ContactName,
		ContactEmail: e.ContactEmail, ContactPhone: e.ContactPhone, DeclineReason: e.DeclineReason,
	}
	if e.CourseID != nil {
		r.CourseID = *e.CourseID
	}
	end := s.now()
	if !r.Open() {
		end = e.UpdatedAt
	}
	r.AgeDays = workday.Between(e.SubmittedAt, end)
	r.Overdue = r.Status == Submitted && r.AgeDays > s.ResponseDays
	dates, err := q.EnquiryDates(ctx, id)
	if err != nil {
		return r, fmt.Errorf("preferred dates: %w", err)
	}
	for _, d := range dates {
		r.Dates = append(r.Dates, Slot{d.StartsAt, d.EndsAt})
	}
	msgs, err := q.EnquiryMessages(ctx, id)
	if err != nil {
		return r, fmt.Errorf("messages: %w", err)
	}
	for _, m := range msgs {
		r.Messages = append(r.Messages, Message{FromPartnership: m.FromPartnership, Author: m.AuthorName, Body: m.Body, SentAt: m.SentAt})
	}
	events, err := q.EnquiryEvents(ctx, id)
	if err != nil {
		return r, fmt.Errorf("history: %w", err)
	}
	for _, ev := range events {
		r.History = append(r.History, Event{Action: ev.Action, Status: ev.Status, Actor: ev.ActorName, Note: ev.Note, At: ev.At})
	}
	sessions, err := q.EnquirySessions(ctx, id)
	if err != nil {
		return r, fmt.Errorf("sessions: %w", err)
	}
	people, err := q.EnquirySessionBookings(ctx, id)
	if err != nil {
		return r, fmt.Errorf("bookings: %w", err)
	}
	for _, se := range sessions {
		out := Session{ID: se.ID, CourseTitle: se.CourseTitle, StartsAt: se.StartsAt, EndsAt: se.EndsAt, VenueName: se.VenueName,
			Online: se.VenueOnline, Capacity: int(se.Capacity), Booked: int(se.SeatsTaken), Status: se.Status,
			AtPremises: se.AgencyPremises}
		if se.AgencyPremises {
			r.Premises = venue.Premises{AddressLine1: se.AddressLine1, AddressLine2: se.AddressLine2, Town: se.Town, Postcode: se.Postcode}
		}
		if se.InviteToken != "" {
			out.InviteLink = s.baseURL.JoinPath("invite", se.InviteToken).String()
		}
		for _, p := range people {
			if p.SessionID == se.ID {
				out.People = append(out.People, Booked{Name: p.FullName, Status: p.Status})
			}
		}
		r.Sessions = append(r.Sessions, out)
	}
	if r.Premises == (venue.Premises{}) && r.Location == OwnPremises {
		r.Premises = venue.SplitAddress(r.Address)
	}
	return r, nil
}

// Post adds a message to the thread and emails it to the other side. A
// manager's message asks for more information (the status becomes
// info_requested); the agency's reply hands the request back to the
// training team (submitted again).
func (s *Service) Post(ctx context.Context, actor Actor, id int64, body string) error {
	body = validation.CleanText(body)
	var v validation.Errors
	switch {
	case body == "":
		v.Add("message", "Enter your message")
	case len([]rune(body)) > 5000:
		v.Add("message", "The message must be 5,000 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		lock, err := q.LockEnquiry(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !actor.sees(lock.AgencyID)) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status == Declined {
			return ErrWrongState
		}
		fromPartnership := actor.Manager // a manager speaks for the training team
		if !fromPartnership {
			if err := account.AllowPersonEmailTx(ctx, tx, account.ActionTrainingRequest, actor.ID, now); err != nil {
				return err
			}
		}
		if err := q.InsertEnquiryMessage(ctx, dbsqlc.InsertEnquiryMessageParams{
			EnquiryID: id, AuthorID: actor.ID, FromPartnership: fromPartnership, Body: body, SentAt: now,
		}); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		status, action := lock.Status, "replied"
		switch {
		case fromPartnership && lock.Status == Submitted:
			status, action = InfoRequested, "info_requested"
		case !fromPartnership && lock.Status == InfoRequested:
			status = Submitted
		}
		if status != lock.Status {
			if err := q.SetEnquiryStatus(ctx, dbsqlc.SetEnquiryStatusParams{ID: id, Status: status, Now: now}); err != nil {
				return fmt.Errorf("set status: %w", err)
			}
		}
		if err := q.InsertEnquiryEvent(ctx, dbsqlc.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: actor.ID, Action: action, Status: status, At: now,
		}); err != nil {
			return fmt.Errorf("record message: %w", err)
		}
		e, err := q.GetEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if fromPartnership {
			return s.tellAgency(ctx, tx, e, "message", fmt.Sprintf(
				"%s of the training team has sent a message about your request %s (%s):\n\n%s\n\nReply at %s",
				actor.Name, Reference(id), title(e), body, s.link(id)))
		}
		return s.tellManagers(ctx, tx, e, fmt.Sprintf("Training request %s: a reply from %s", Reference(id), e.AgencyName),
			fmt.Sprintf("%s of %s has replied about request %s (%s):\n\n%s\n\nSee the request at %s",
				actor.Name, e.AgencyName, Reference(id), title(e), body, s.adminLink(id)))
	})
}

func (s *Service) link(id int64) string {
	return s.baseURL.JoinPath("training-requests", strconv.FormatInt(id, 10)).String()
}

func (s *Service) adminLink(id int64) string {
	return s.baseURL.JoinPath("admin", "training-requests", strconv.FormatInt(id, 10)).String()
}

// tellAgency emails the person who made the request, and the contact they
// named if that is someone else.
func (s *Service) tellAgency(ctx context.Context, tx pgx.Tx, e dbsqlc.GetEnquiryRow, what, body string) error {
	subject := map[string]string{
		"received": "Training request %s received",
		"message":  "Training request %s: a message from the training team",
		"accepted": "Training request %s accepted: your booking link",
		"declined": "Training request %s declined",
	}[what]
	subject = fmt.Sprintf(subject, Reference(e.ID))
	requester := e.RequestedBy
	if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
		To: e.RequesterEmail, ToName: e.RequesterName, Subject: subject, Body: body, UserID: &requester,
	}); err != nil {
		return fmt.Errorf("email requester: %w", err)
	}
	if !strings.EqualFold(e.ContactEmail, e.RequesterEmail) {
		if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
			To: e.ContactEmail, ToName: e.ContactName, Subject: subject, Body: body,
		}); err != nil {
			return fmt.Errorf("email contact: %w", err)
		}
	}
	return nil
}

func (s *Service) tellManagers(ctx context.Context, tx pgx.Tx, e dbsqlc.GetEnquiryRow, subject, body string) error {
	managers, err := dbsqlc.New(tx).EnquiryManagers(ctx)
	if err != nil {
		return fmt.Errorf("managers: %w", err)
	}
	for _, m := range managers {
		id := m.ID
		if _, err := s.outbox.Enqueue(ctx, tx, email.Message{To: m.Email, ToName: m.FullName, Subject: subject, Body: body, UserID: &id}); err != nil {
			return fmt.Errorf("email manager: %w", err)
		}
	}
	return nil
}

func describe(start, end time.Time) string { return catalogue.When(start, end) }

// StatusName is the request's status as people read it.
func (s Summary) StatusName() string { return StatusName(s.Status) }

// StatusTag is the GOV.UK tag colour of the request's status.
func (s Summary) StatusTag() string {
	return map[string]string{Submitted: "govuk-tag--blue", InfoRequested: "govuk-tag--yellow",
		Accepted: "govuk-tag--green", Declined: "govuk-tag--red"}[s.Status]
}

// LocationName says where the agency would like the training.
func (r Request) LocationName() string {
	return map[string]string{OwnPremises: "At our premises", Venue: "At a partnership venue", Online: "Online"}[r.Location]
}

// ActionName says what an event did.
func (e Event) ActionName() string {
	return map[string]string{"submitted": "Request made", "info_requested": "More information asked for",
		"replied": "Message sent", "accepted": "Accepted: session scheduled", "session_added": "Another session scheduled",
		"declined": "Declined"}[e.Action]
}
