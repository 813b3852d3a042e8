package trainingrequest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
	"github.com/pscp/booktraining/internal/validation"
)

// Post adds the agency's message to the thread of one of its requests and
// emails it to the training team: a reply hands the request back to them
// (submitted again). See Team.Post for the training team's messages.
func (s *Service) Post(ctx context.Context, id int64, body string) error {
	return s.post(ctx, agencySide(ctx), id, body)
}

// post adds a message to the thread and emails it to the other side. The
// training team's message asks for more information (the status becomes
// info_requested); the agency's reply hands the request back to the
// training team (submitted again).
func (s *Service) post(ctx context.Context, w who, id int64, body string) error {
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
		q := trainingrequestdb.New(tx)
		lock, err := q.LockEnquiry(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !w.sees(lock.AgencyID)) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock request %d: %w", id, err)
		}
		if lock.Status == Declined {
			return ErrWrongState
		}
		fromPartnership := w.team // a manager speaks for the training team
		if !fromPartnership {
			if err := account.AllowPersonEmailTx(ctx, tx, account.ActionTrainingRequest, w.ID, now); err != nil {
				return err
			}
		}
		if err := q.InsertEnquiryMessage(ctx, trainingrequestdb.InsertEnquiryMessageParams{
			EnquiryID: id, AuthorID: w.ID, FromPartnership: fromPartnership, Body: body, SentAt: now,
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
			if err := q.SetEnquiryStatus(ctx, trainingrequestdb.SetEnquiryStatusParams{ID: id, Status: status, Now: now}); err != nil {
				return fmt.Errorf("set status: %w", err)
			}
		}
		if err := q.InsertEnquiryEvent(ctx, trainingrequestdb.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: w.ID, Action: action, Status: status, At: now,
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
				w.Name, Reference(id), title(e), body, s.link(id)))
		}
		return s.tellManagers(ctx, tx, e, fmt.Sprintf("Training request %s: a reply from %s", Reference(id), e.AgencyName),
			fmt.Sprintf("%s of %s has replied about request %s (%s):\n\n%s\n\nSee the request at %s",
				w.Name, e.AgencyName, Reference(id), title(e), body, s.adminLink(id)))
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
func (s *Service) tellAgency(ctx context.Context, tx pgx.Tx, e trainingrequestdb.GetEnquiryRow, what, body string) error {
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

func (s *Service) tellManagers(ctx context.Context, tx pgx.Tx, e trainingrequestdb.GetEnquiryRow, subject, body string) error {
	managers, err := trainingrequestdb.New(tx).EnquiryManagers(ctx)
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

func describe(start, end time.Time) string { return london.When(start, end) }
