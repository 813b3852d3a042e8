package trainingrequest

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
)

// PersonalData is the training requests' part of the privacy registry: the
// requests a person made or that name them as the contact, with their
// preferred dates, messages and history, and every message they wrote.
// Erasure keeps each request, its agency and its dates (the partnership's
// figures, and the agency's own request) without its contact, and the shape
// of its thread without the person's words; emailed copies of those go too.
// What the request asks for (topic, need, audience, address, the group's
// access needs) is the agency's, not the requester's, and stays.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name: "training_requests",
		Columns: []string{"enquiries.contact_name", "enquiries.contact_email", "enquiries.contact_phone",
			"enquiry_messages.body"},
		Export: exportRequests,
		Erase:  eraseRequests,
	}}
}

// PersonalRequest is a training request as the download gives it.
type PersonalRequest struct {
	Reference     string                `json:"reference"`
	MadeByYou     bool                  `json:"made_by_you"`
	Agency        string                `json:"agency"`
	Kind          string                `json:"kind"`
	Course        string                `json:"course,omitempty"`
	Topic         string                `json:"topic,omitempty"`
	Need          string                `json:"need,omitempty"`
	Audience      string                `json:"audience"`
	Participants  int32                 `json:"participants"`
	Location      string                `json:"location"`
	Address       string                `json:"address,omitempty"`
	AccessNeeds   string                `json:"access_needs,omitempty"`
	ContactName   string                `json:"contact_name"`
	ContactEmail  string                `json:"contact_email"`
	ContactPhone  string                `json:"contact_phone,omitempty"`
	Status        string                `json:"status"`
	DeclineReason string                `json:"decline_reason,omitempty"`
	SubmittedAt   time.Time             `json:"submitted_at"`
	UpdatedAt     time.Time             `json:"updated_at"`
	PreferredDays []PersonalRequestDate `json:"preferred_dates"`
	Messages      []PersonalMessage     `json:"messages"`
	History       []PersonalRequestStep `json:"history"`
}

// PersonalRequestDate is one preferred date and time.
type PersonalRequestDate struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// PersonalMessage is a message of a request's thread.
type PersonalMessage struct {
	Request         string    `json:"request,omitempty"` // set for a message on someone else's request
	FromPartnership bool      `json:"from_training_team"`
	ByYou           bool      `json:"by_you"`
	Body            string    `json:"body"`
	SentAt          time.Time `json:"sent_at"`
}

// PersonalRequestStep is one change of a request's status.
type PersonalRequestStep struct {
	Request string    `json:"request,omitempty"`
	Action  string    `json:"action"`
	Status  string    `json:"status"`
	Note    string    `json:"note,omitempty"`
	ByYou   bool      `json:"by_you"`
	At      time.Time `json:"at"`
}

// PersonalRequests is the part's section: the requests, and what the person
// wrote or did on requests of others (a training manager's answers).
type PersonalRequests struct {
	Requests      []PersonalRequest     `json:"requests"`
	OtherMessages []PersonalMessage     `json:"messages_on_other_requests"`
	OtherSteps    []PersonalRequestStep `json:"actions_on_other_requests"`
}

func exportRequests(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	q := trainingrequestdb.New(tx)
	rows, err := q.ExportEnquiries(ctx, trainingrequestdb.ExportEnquiriesParams{UserID: p.ID, Email: p.Email})
	if err != nil {
		return nil, err
	}
	out := PersonalRequests{Requests: []PersonalRequest{}, OtherMessages: []PersonalMessage{}, OtherSteps: []PersonalRequestStep{}}
	ids := []int64{}
	index := map[int64]int{}
	for _, r := range rows {
		index[r.ID] = len(out.Requests)
		ids = append(ids, r.ID)
		out.Requests = append(out.Requests, PersonalRequest{
			Reference: Reference(r.ID), MadeByYou: r.MadeByYou, Agency: r.AgencyName, Kind: r.Kind, Course: r.CourseTitle,
			Topic: r.Topic, Need: r.Need, Audience: r.Audience, Participants: r.Participants, Location: r.Location,
			Address: r.Address, AccessNeeds: r.AccessNeeds, ContactName: r.ContactName, ContactEmail: r.ContactEmail,
			ContactPhone: r.ContactPhone, Status: r.Status, DeclineReason: r.DeclineReason,
			SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
			PreferredDays: []PersonalRequestDate{}, Messages: []PersonalMessage{}, History: []PersonalRequestStep{},
		})
	}
	dates, err := q.ExportEnquiryDates(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, d := range dates {
		r := &out.Requests[index[d.EnquiryID]]
		r.PreferredDays = append(r.PreferredDays, PersonalRequestDate{StartsAt: d.StartsAt.UTC(), EndsAt: d.EndsAt.UTC()})
	}
	msgs, err := q.ExportEnquiryMessages(ctx, trainingrequestdb.ExportEnquiryMessagesParams{UserID: p.ID, Ids: ids})
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		pm := PersonalMessage{FromPartnership: m.FromPartnership, ByYou: m.ByYou, Body: m.Body, SentAt: m.SentAt.UTC()}
		if i, ok := index[m.EnquiryID]; ok {
			out.Requests[i].Messages = append(out.Requests[i].Messages, pm)
		} else {
			pm.Request = Reference(m.EnquiryID)
			out.OtherMessages = append(out.OtherMessages, pm)
		}
	}
	steps, err := q.ExportEnquiryEvents(ctx, trainingrequestdb.ExportEnquiryEventsParams{UserID: p.ID, Ids: ids})
	if err != nil {
		return nil, err
	}
	for _, e := range steps {
		st := PersonalRequestStep{Action: e.Action, Status: e.Status, Note: e.Note, ByYou: e.ByYou, At: e.At.UTC()}
		if i, ok := index[e.EnquiryID]; ok {
			out.Requests[i].History = append(out.Requests[i].History, st)
		} else {
			st.Request = Reference(e.EnquiryID)
			out.OtherSteps = append(out.OtherSteps, st)
		}
	}
	return out, nil
}

func eraseRequests(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
	q := trainingrequestdb.New(tx)
	// First the emailed copies, found by the words about to go: the outbox's
	// to empty.
	texts, err := q.EnquiryTextsOf(ctx, trainingrequestdb.EnquiryTextsOfParams{UserID: p.ID, Email: p.Email})
	if err != nil {
		return err
	}
	if err := email.EraseCopiesTx(ctx, tx, texts.Exact, texts.AnyCase); err != nil {
		return err
	}
	if err := q.EraseEnquiryContacts(ctx, trainingrequestdb.EraseEnquiryContactsParams{UserID: p.ID, Email: p.Email}); err != nil {
		return err
	}
	return q.EraseEnquiryMessages(ctx, p.ID)
}

// Retention is the training requests' share of the retention schedule
// (internal/privacy), by the schedule's rule key: a closed request loses
// its contact details and access needs, and its messages go.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{"training_requests": clearClosed}
}

func clearClosed(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	q := trainingrequestdb.New(tx)
	ids, err := q.RemoveClosedEnquiriesPersonalData(ctx, trainingrequestdb.RemoveClosedEnquiriesPersonalDataParams{
		Now: now, ClosedBefore: now.AddDate(-privacy.TrainingRequestYears, 0, 0), MaxRows: max})
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		if err := q.DeleteEnquiryMessages(ctx, ids); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
