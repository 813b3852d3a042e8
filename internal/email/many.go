package email

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/email/internal/emaildb"
)

// EnqueueAll stores messages and queues their delivery in tx, as Enqueue
// does for one, in two statements however many there are (one insert of the
// emails, one of their jobs), so a change that tells everyone on a session
// holds its locks no longer for thirty people than for one. Nothing is stored
// unless every message is valid. Other jobs of the same change (also) go in
// with the deliveries, in the same statement.
func (o *Outbox) EnqueueAll(ctx context.Context, tx pgx.Tx, messages []Message, also ...river.InsertManyParams) error {
	if len(messages) == 0 {
		return o.EnqueueJobs(ctx, tx, also)
	}
	var p emaildb.InsertEmailsParams
	for _, m := range messages {
		if err := m.validate(); err != nil {
			return err
		}
		var method, ics, filename string
		if c := m.Calendar; c != nil {
			method, ics, filename = c.Method, string(c.Data), c.Filename
		}
		var user int64
		if m.UserID != nil {
			user = *m.UserID
		}
		p.ToAddresses = append(p.ToAddresses, m.To)
		p.ToNames = append(p.ToNames, m.ToName)
		p.Subjects = append(p.Subjects, m.Subject)
		p.BodiesText = append(p.BodiesText, m.Body)
		p.BodiesHtml = append(p.BodiesHtml, m.HTML)
		p.CalendarMethods = append(p.CalendarMethods, method)
		p.CalendarIcses = append(p.CalendarIcses, ics)
		p.CalendarFilenames = append(p.CalendarFilenames, filename)
		p.UserIds = append(p.UserIds, user)
		var partnership int64
		if m.Partnership != nil {
			partnership = *m.Partnership
		}
		p.PartnershipIds = append(p.PartnershipIds, partnership)
	}
	ids, err := emaildb.New(tx).InsertEmails(ctx, p)
	if err != nil {
		return fmt.Errorf("store %d emails: %w", len(messages), err)
	}
	jobs := make([]river.InsertManyParams, len(ids), len(ids)+len(also))
	for i, id := range ids {
		jobs[i] = river.InsertManyParams{Args: DeliverArgs{EmailID: id}}
	}
	jobs = append(jobs, also...)
	if _, err := o.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("enqueue delivery of %d emails: %w", len(ids), err)
	}
	return nil
}
