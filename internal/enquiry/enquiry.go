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
	"crypto/rand"
	"encoding/base64"
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
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

var (
	// ErrNotFound means no such request, or one the person may not see.
	ErrNotFound = errors.New("training request not found")
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

// DateInput is one preferred date as typed: GOV.UK date parts and 24-hour
// times in Europe/London.
type DateInput struct {
	Day, Month, Year, Start, End string
}

func (d DateInput) blank() bool {
	return strings.TrimSpace(d.Day+d.Month+d.Year+d.Start+d.End) == ""
}

// Form is a request as the agency fills it in.
type Form struct {
	Kind         string // "course" or "bespoke"
	CourseID     string
	Topic        string // bespoke: a short name
	Need         string // bespoke: the learning need
	Audience     string
	Participants string
	Dates        []DateInput
	Location     string
	Address      string
	AccessNeeds  string
	ContactName  string
	ContactEmail string
	ContactPhone string
	// FormKey is the one-time key of the form it was sent from (NewFormKey):
	// the same form sent twice (a double click) makes one request.
	FormKey string
}

// NewFormKey returns a one-time key for a new request form.
func NewFormKey() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DateField is the form field (its first input) of preferred date i (from 1).
func DateField(i int) string { return "date-" + strconv.Itoa(i) + "-day" }

// Submit checks and saves a request and emails its acknowledgement, in one
// transaction. Bad input is a *validation.Errors and nothing is saved. A
// form sent again with the same FormKey, even at the same moment, returns
// the first request's ID and makes and sends nothing more. A person may send
// account.MaxRequestMessagesPerPerson requests and messages an hour; past
// that, an *account.EmailLimitError.
func (s *Service) Submit(ctx context.Context, actor Actor, f Form) (int64, error) {
	if !actor.CanRequest() {
		return 0, ErrNotAllowed
	}
	q := dbsqlc.New(s.pool)
	var v validation.Errors
	kind := f.Kind
	var courseID *int64
	switch kind {
	case "course":
		id, err := strconv.ParseInt(strings.TrimSpace(f.CourseID), 10, 64)
		if err != nil || id <= 0 {
			v.Add("course", "Select the course you would like delivered")
		} else if ok, err := q.EnquiryCourseExists(ctx, id); err != nil {
			return 0, fmt.Errorf("course exists: %w", err)
		} else if !ok {
			v.Add("course", "Select a course from the list")
		} else {
			courseID = &id
		}
	case "bespoke":
	default:
		v.Add("kind", "Select whether you want a course from our programme or bespoke training")
	}
	topic, need := validation.CleanLine(f.Topic), validation.CleanText(f.Need)
	if kind == "bespoke" {
		switch {
		case topic == "":
			v.Add("topic", "Enter a short name for the training")
		case len([]rune(topic)) > 200:
			v.Add("topic", "The name must be 200 characters or fewer")
		case validation.HasHiddenFormatting(topic):
			v.Add("topic", validation.HiddenFormattingMessage("The name"))
		}
		switch {
		case need == "":
			v.Add("need", "Describe the learning need the training should meet")
		case len([]rune(need)) > 5000:
			v.Add("need", "The description must be 5,000 characters or fewer")
		}
	} else {
		topic, need = "", ""
	}
	audience := validation.CleanText(f.Audience)
	switch {
	case audience == "":
		v.Add("audience", "Enter who the training is for: their teams and roles")
	case len([]rune(audience)) > 2000:
		v.Add("audience", "The audience must be 2,000 characters or fewer")
	}
	participants, err := strconv.Atoi(strings.TrimSpace(f.Participants))
	switch {
	case strings.TrimSpace(f.Participants) == "":
		v.Add("participants", "Enter how many people would attend")
	case err != nil:
		v.Add("participants", "Enter the number of people as a whole number, like 20")
	case participants < 1:
		v.Add("participants", "At least 1 person must attend")
	case participants > 1000:
		v.Add("participants", "Enter 1,000 people or fewer")
	}

	type slot struct{ start, end time.Time }
	var dates []slot
	for i, d := range f.Dates {
		if i >= MaxDates || d.blank() {
			continue
		}
		field := DateField(i + 1)
		day, ok := parseDate(d.Day, d.Month, d.Year)
		if !ok {
			v.Add(field, fmt.Sprintf("Preferred date %d must be a real date, for example 3 3 2027", i+1))
			continue
		}
		start, okStart := parseClock(day, d.Start)
		end, okEnd := parseClock(day, d.End)
		switch {
		case !okStart || !okEnd:
			v.Add(field, fmt.Sprintf("Enter the start and end times of preferred date %d in 24-hour format, for example 9:30 and 16:00", i+1))
		case !end.After(start):
			v.Add(field, fmt.Sprintf("The end time of preferred date %d must be after its start time", i+1))
		case !start.After(s.now()):
			v.Add(field, fmt.Sprintf("Preferred date %d must be in the future", i+1))
		case start.After(s.now().AddDate(0, MaxMonthsAhead, 0)):
			v.Add(field, fmt.Sprintf("Preferred date %d must be within %d months from today", i+1, MaxMonthsAhead))
		default:
			dates = append(dates, slot{start, end})
		}
	}
	if len(dates) == 0 && !v.Has(DateField(1)) && !v.Has(DateField(2)) && !v.Has(DateField(3)) {
		v.Add(DateField(1), "Enter at least one preferred date and time")
	}

	location, address := f.Location, validation.CleanText(f.Address)
	switch location {
	case OwnPremises:
		switch {
		case address == "":
			v.Add("address", "Enter the address of your premises")
		case len([]rune(address)) > 1000:
			v.Add("address", "The address must be 1,000 characters or fewer")
		}
	case Venue, Online:
		address = ""
	default:
		v.Add("location", "Select where the training should take place")
	}
	access := validation.CleanText(f.AccessNeeds)
	if len([]rune(access)) > 2000 {
		v.Add("access-needs", "Access needs must be 2,000 characters or fewer")
	}
	contactName := validation.CleanLine(f.ContactName)
	switch {
	case contactName == "":
		v.Add("contact-name", "Enter the name of the person we should contact")
	case len([]rune(contactName)) > 200:
		v.Add("contact-name", "The name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(contactName):
		v.Add("contact-name", validation.HiddenFormattingMessage("The name"))
	}
	contactEmail := validation.Email(f.ContactEmail)
	if contactEmail == "" {
		v.Add("contact-email", "Enter an email address in the correct format, like name@example.org")
	}
	phone := validation.CleanLine(f.ContactPhone)
	if len([]rune(phone)) > 50 {
		v.Add("contact-phone", "The phone number must be 50 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	var formKey *string
	if k := strings.TrimSpace(f.FormKey); k != "" && len(k) <= 100 && validation.CleanLine(k) == k {
		formKey = &k // otherwise (an old form, or junk) the request is made without one
	}
	now := s.now()
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		var err error
		id, err = q.InsertEnquiry(ctx, dbsqlc.InsertEnquiryParams{
			AgencyID: *actor.AgencyID, RequestedBy: actor.ID, Kind: kind, CourseID: courseID, Topic: topic, Need: need,
			Audience: audience, Participants: int32(participants), Location: location, Address: address,
			AccessNeeds: access, ContactName: contactName, ContactEmail: contactEmail, ContactPhone: phone, Now: now,
			FormKey: formKey,
		})
		if errors.Is(err, pgx.ErrNoRows) && formKey != nil {
			// Sent before (the insert waited for that one to commit).
			id, err = q.GetEnquiryByFormKey(ctx, dbsqlc.GetEnquiryByFormKeyParams{RequestedBy: actor.ID, FormKey: formKey})
			if err != nil {
				return fmt.Errorf("find request sent before: %w", err)
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("insert request: %w", err)
		}
		if err := account.AllowPersonEmailTx(ctx, tx, account.ActionTrainingRequest, actor.ID, now); err != nil {
			return err
		}
		for i, d := range dates {
			if err := q.InsertEnquiryDate(ctx, dbsqlc.InsertEnquiryDateParams{
				EnquiryID: id, Position: int16(i + 1), StartsAt: d.start, EndsAt: d.end,
			}); err != nil {
				return fmt.Errorf("insert preferred date: %w", err)
			}
		}
		if err := q.InsertEnquiryEvent(ctx, dbsqlc.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: actor.ID, Action: "submitted", Status: Submitted, At: now,
		}); err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		e, err := q.GetEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("read request back: %w", err)
		}
		return s.tellAgency(ctx, tx, e, "received", fmt.Sprintf(
			"We have received your request for %s for %s.\n\nYour reference is %s. We aim to reply within %d working days.\n\nYou can follow your request, and answer any questions we ask, at %s",
			title(e), e.AgencyName, Reference(id), s.ResponseDays, s.link(id)))
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

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

// Decline ends a request with a reason, told to the agency.
func (s *Service) Decline(ctx context.Context, actor Actor, id int64, reason string) error {
	if !actor.Manager {
		return ErrNotFound
	}
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
		q := dbsqlc.New(tx)
		lock, err := q.LockEnquiry(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status != Submitted && lock.Status != InfoRequested {
			return ErrWrongState
		}
		if err := q.SetEnquiryStatus(ctx, dbsqlc.SetEnquiryStatusParams{ID: id, Status: Declined, DeclineReason: reason, Now: now}); err != nil {
			return fmt.Errorf("decline: %w", err)
		}
		if err := q.InsertEnquiryEvent(ctx, dbsqlc.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: actor.ID, Action: "declined", Status: Declined, Note: reason, At: now,
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
// The agency is emailed the session's invite link. f's course and agency
// are set here; bad input is a *validation.Errors, a clash a
// *scheduling.ClashError, and nothing is saved for either.
func (s *Service) Schedule(ctx context.Context, actor Actor, id int64, f scheduling.Form) (int64, error) {
	return s.ScheduleAt(ctx, actor, id, f, nil)
}

// ScheduleAt is Schedule with the session's place given as the agency's own
// premises (at), when at is not nil: the address is recorded as a venue of
// the agency (or the venue already recorded at that address is reused) in
// the same transaction as the session, and f's venue is ignored. Mistakes in
// the address are reported with the rest of the form's.
func (s *Service) ScheduleAt(ctx context.Context, actor Actor, id int64, f scheduling.Form, at *venue.Premises) (int64, error) {
	if !actor.Manager {
		return 0, ErrNotFound
	}
	q := dbsqlc.New(s.pool)
	e, err := q.GetEnquiry(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, fmt.Errorf("get request %d: %w", id, err)
	}
	if e.Status == Declined {
		return 0, ErrWrongState
	}
	courseID := int64(0)
	if e.CourseID != nil {
		courseID = *e.CourseID
	} else if courseID, err = s.bespokeCourse(ctx, e); err != nil {
		return 0, err
	}
	// The chosen trainers are approved for a bespoke course before the
	// check (which asks for approved trainers). If the form was wrong, the
	// approvals made here are taken back; after a clash they stay, as the
	// manager will most likely try another time with the same trainers (and
	// a concurrent acceptance that won may rely on them).
	var approved []int64
	if e.Kind == "bespoke" && len(f.TrainerIDs) > 0 {
		if approved, err = q.ApproveBespokeTrainers(ctx, dbsqlc.ApproveBespokeTrainersParams{
			TrainerIds: f.TrainerIDs, CourseID: courseID, Now: s.now(),
		}); err != nil {
			return 0, fmt.Errorf("approve trainers for bespoke course: %w", err)
		}
	}
	sessionID, err := s.schedule(ctx, actor, id, e, courseID, f, at)
	var invalid *validation.Errors
	if errors.As(err, &invalid) && len(approved) > 0 {
		if rerr := q.RevokeBespokeTrainers(context.WithoutCancel(ctx), dbsqlc.RevokeBespokeTrainersParams{
			CourseID: courseID, TrainerIds: approved,
		}); rerr != nil {
			return 0, errors.Join(err, fmt.Errorf("take back trainer approvals: %w", rerr))
		}
	}
	return sessionID, err
}

// schedule is Schedule once the course is known and its trainers approved.
func (s *Service) schedule(ctx context.Context, actor Actor, id int64, e dbsqlc.GetEnquiryRow, courseID int64, f scheduling.Form, at *venue.Premises) (int64, error) {
	f.CourseID, f.AgencyID = courseID, e.AgencyID
	var plan scheduling.Plan
	var err error
	if at == nil {
		if plan, err = s.sched.Check(ctx, f, 0); err != nil {
			return 0, err
		}
	}
	now := s.now()
	var sessionID int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		lock, err := q.LockEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status == Declined {
			return ErrWrongState
		}
		if at != nil {
			if plan, err = s.checkAtPremises(ctx, tx, actor, e.AgencyID, f, *at, now); err != nil {
				return err
			}
		}
		if sessionID, err = s.sched.CreatePublishedTx(ctx, tx, plan); err != nil {
			return err
		}
		if err := q.LinkEnquirySession(ctx, dbsqlc.LinkEnquirySessionParams{EnquiryID: id, SessionID: sessionID}); err != nil {
			return fmt.Errorf("link session: %w", err)
		}
		action := "session_added"
		if lock.Status != Accepted {
			action = "accepted"
			if err := q.SetEnquiryStatus(ctx, dbsqlc.SetEnquiryStatusParams{ID: id, Status: Accepted, Now: now}); err != nil {
				return fmt.Errorf("accept: %w", err)
			}
		}
		if err := q.InsertEnquiryEvent(ctx, dbsqlc.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: actor.ID, Action: action, Status: Accepted, At: now,
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
	})
	if scheduling.IsClash(err) {
		return 0, s.sched.ClashesNow(ctx, plan)
	} else if err != nil {
		return 0, err
	}
	return sessionID, nil
}

// checkAtPremises checks a session at the agency's premises in the
// caller's transaction: the address, recorded (or found) as the agency's
// venue, then the session there. A mistake in the address and in the rest
// of the form are reported together; the transaction is then rolled back,
// so no venue is left behind.
func (s *Service) checkAtPremises(ctx context.Context, tx pgx.Tx, actor Actor, agencyID int64, f scheduling.Form, at venue.Premises, now time.Time) (scheduling.Plan, error) {
	p, perr := venue.CheckPremises(at)
	if perr == nil {
		id, err := venue.PremisesTx(ctx, tx, actor.ID, agencyID, p, now)
		if err != nil {
			return scheduling.Plan{}, err
		}
		f.VenueID = id
	}
	plan, err := s.sched.CheckTx(ctx, tx, f)
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
func place(se dbsqlc.EnquirySessionsRow) string {
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

// bespokeCourse makes the hidden course a bespoke request's sessions belong
// to, once: a second call returns the same course.
func (s *Service) bespokeCourse(ctx context.Context, e dbsqlc.GetEnquiryRow) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		lock, err := q.LockEnquiry(ctx, e.ID)
		if err != nil {
			return fmt.Errorf("lock request %d: %w", e.ID, err)
		}
		if lock.CourseID != nil {
			id = *lock.CourseID
			return nil
		}
		capacity := min(max(e.Participants, 1), 500)
		if id, err = q.MakeBespokeCourse(ctx, dbsqlc.MakeBespokeCourseParams{
			Slug: fmt.Sprintf("bespoke-%d", e.ID), Title: e.Topic, Summary: firstLine(e.Need), Description: e.Need,
			AudienceDescription: e.Audience, Duration: "full_day", DefaultCapacity: capacity,
		}); err != nil {
			return fmt.Errorf("make bespoke course: %w", err)
		}
		return q.SetEnquiryCourse(ctx, dbsqlc.SetEnquiryCourseParams{ID: e.ID, CourseID: &id, Now: s.now()})
	})
	return id, err
}

func title(e dbsqlc.GetEnquiryRow) string {
	if e.Kind == "bespoke" {
		return e.Topic
	}
	return e.CourseTitle
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 300 {
		line = string(r[:300])
	}
	return line
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

// MaxMonthsAhead is how far ahead a preferred date may be: the partnership
// plans its programme about a year ahead, so a request for later than this
// cannot be answered yet (and 9999 is a mistyped year).
const MaxMonthsAhead = 18

// parseDate reads a GOV.UK date input. Any four-digit year reads as a date,
// so 1900 is told it is in the past rather than that it is not a date.
func parseDate(d, m, y string) (time.Time, bool) {
	dd, err1 := strconv.Atoi(strings.TrimSpace(d))
	mm, err2 := strconv.Atoi(strings.TrimSpace(m))
	yy, err3 := strconv.Atoi(strings.TrimSpace(y))
	if err1 != nil || err2 != nil || err3 != nil || yy < 1000 || yy > 9999 || mm < 1 || mm > 12 || dd < 1 {
		return time.Time{}, false
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, catalogue.London)
	return t, t.Day() == dd
}

func parseClock(day time.Time, s string) (time.Time, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		h, m = strings.TrimSpace(s), "00"
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, catalogue.London), true
}

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
