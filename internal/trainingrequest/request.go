package trainingrequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

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
	Status      catalogue.SessionStatus
	InviteLink  string
	People      []Booked
	// AtPremises says the session is held at the agency's own premises.
	AtPremises bool
}

// Booked is a person with a place (or waiting) on a session.
type Booked struct {
	Name   string
	Status booking.Status
}

// StatusWords says where the person's booking stands, for people.
func (b Booked) StatusWords() string { return booking.StatusWords(b.Status) }

// Get returns a request of the actor's own agency (ErrNotFound for any
// other, whoever asks: see Team.Get for the training team's).
func (s *Service) Get(ctx context.Context, id int64) (Request, error) {
	return s.get(ctx, agencySide(ctx), id)
}

func (s *Service) get(ctx context.Context, w who, id int64) (Request, error) {
	q := trainingrequestdb.New(s.pool)
	e, err := q.GetEnquiry(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, ErrNotFound
	} else if err != nil {
		return Request{}, fmt.Errorf("get request %d: %w", id, err)
	}
	if !w.sees(e.AgencyID) {
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
			Online: se.VenueOnline, Capacity: int(se.Capacity), Booked: int(se.SeatsTaken), Status: catalogue.SessionStatus(se.Status),
			AtPremises: se.AgencyPremises}
		if se.AgencyPremises {
			r.Premises = venue.Premises{AddressLine1: se.AddressLine1, AddressLine2: se.AddressLine2, Town: se.Town, Postcode: se.Postcode}
		}
		if se.InviteToken != "" {
			out.InviteLink = s.baseURL.JoinPath("invite", se.InviteToken).String()
		}
		for _, p := range people {
			if p.SessionID == se.ID {
				out.People = append(out.People, Booked{Name: p.FullName, Status: booking.Status(p.Status)})
			}
		}
		r.Sessions = append(r.Sessions, out)
	}
	if r.Premises == (venue.Premises{}) && r.Location == OwnPremises {
		r.Premises = venue.SplitAddress(r.Address)
	}
	return r, nil
}
