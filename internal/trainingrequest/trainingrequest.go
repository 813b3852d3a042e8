// Package trainingrequest owns requests for bespoke and single-agency
// training: an agency asks, the training manager triages (a message thread,
// accept or decline, each change recorded with who and when), and an
// accepted request becomes closed sessions for that agency with their own
// invite links. The person acting comes from the context (actor.From); the
// Service's methods are the agency's side, Team's the training team's.
//
// Status model: submitted (waiting for the training team) → info_requested
// (the team asked a question; the agency's reply puts it back to submitted)
// → accepted (at least one closed session made; more can be added) or
// declined (with a reason). Accepted and declined are final, except that an
// accepted request can gain further sessions.
package trainingrequest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/scheduling"
)

var (
	// ErrNotFound means no such request, or one the person may not see.
	ErrNotFound = errs.New(errs.NotFound, "training request not found")
	// ErrNotAllowed means the person may not make requests: no confirmed
	// email address, or no partner agency.
	ErrNotAllowed = errs.New(errs.Forbidden, "not allowed to request training")
	// ErrWrongState means the request cannot do that in its current status.
	ErrWrongState = errs.Says(errs.Conflict, "This training request cannot do that now: it may have been declined since you opened the page.")
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

// CanRequest reports whether a may make requests for their agency: their
// email address is confirmed and their partner agency too.
func CanRequest(a actor.Actor) bool { return a.Verified && a.AgencyID != nil }

// who is the person acting, as these rules see them: on the agency's side
// (the Service's methods) a manager is a person of their own agency like
// anyone else; only the training team's methods (Team) use a manager's
// powers.
type who struct {
	actor.Actor
	team bool // acting for the training team: a manager using Team
}

// agencySide is the actor ctx carries, acting for their agency.
func agencySide(ctx context.Context) who { return who{Actor: actor.From(ctx)} }

func (w who) sees(agencyID int64) bool {
	return w.team || (w.Verified && w.AgencyID != nil && *w.AgencyID == agencyID)
}

// Reference is the number people quote for request id.
func Reference(id int64) string { return fmt.Sprintf("TR-%05d", id) }

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
