package email

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the outbox's part of the privacy registry: the emails
// written to the person, and copies of emails to others that name them.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name: "emails",
		Columns: []string{"emails.to_address", "emails.to_name", "emails.subject", "emails.body_text", "emails.body_html",
			"emails.calendar_ics", "emails.calendar_filename", "emails.last_error"},
		Export: exportEmails,
		Erase:  eraseEmails,
	}}
}

// PersonalEmail is an email the service wrote to the person. Body is empty
// once the email has been delivered (bodies are not kept after that).
type PersonalEmail struct {
	CreatedAt time.Time  `json:"created_at"`
	To        string     `json:"to"`
	ToName    string     `json:"to_name,omitempty"`
	Subject   string     `json:"subject"`
	SentAt    *time.Time `json:"sent_at"`
	FailedAt  *time.Time `json:"failed_at,omitempty"`
	Failure   string     `json:"failure,omitempty"` // the mail server's last reply
	Body      string     `json:"body,omitempty"`
	HTML      string     `json:"body_html,omitempty"`
	// An attached calendar invitation: its method (REQUEST, CANCEL), file name
	// and, until delivered, its text.
	InviteMethod string `json:"calendar_method,omitempty"`
	InviteFile   string `json:"calendar_filename,omitempty"`
	Invite       string `json:"calendar_invite,omitempty"`
}

// linkToken finds the secret in a link of an email body that is still kept.
var linkToken = regexp.MustCompile(`([?&]token=)[A-Za-z0-9_-]+`)

func exportEmails(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := emaildb.New(tx).ExportEmails(ctx, emaildb.ExportEmailsParams{UserID: &p.ID, Email: p.Email})
	if err != nil {
		return nil, err
	}
	out := []PersonalEmail{}
	for _, r := range rows {
		out = append(out, PersonalEmail{
			CreatedAt: r.CreatedAt.UTC(), To: r.ToAddress, ToName: r.ToName, Subject: r.Subject,
			SentAt: utc(r.SentAt), FailedAt: utc(r.FailedAt), Failure: r.LastError,
			Body:         linkToken.ReplaceAllString(r.BodyText, "${1}removed"),
			HTML:         linkToken.ReplaceAllString(r.BodyHtml, "${1}removed"),
			InviteMethod: r.CalendarMethod, InviteFile: r.CalendarFilename, Invite: r.CalendarIcs,
		})
	}
	return out, nil
}

// eraseEmails anonymises the emails to the person (a message not yet
// delivered has no body left, so it is never sent) and empties the copies of
// emails to anyone else that name them.
func eraseEmails(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
	q := emaildb.New(tx)
	if err := q.EraseEmailErrors(ctx, emaildb.EraseEmailErrorsParams{UserID: p.ID, Email: p.Email}); err != nil {
		return err
	}
	erased := fmt.Sprintf("deleted-%d@deleted.invalid", p.ID)
	if err := q.AnonymiseEmailsTo(ctx, emaildb.AnonymiseEmailsToParams{ErasedAddress: erased, UserID: &p.ID, Email: p.Email}); err != nil {
		return err
	}
	return q.EraseEmailsMentioning(ctx, emaildb.EraseEmailsMentioningParams{Name: p.Name, Email: p.Email})
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
