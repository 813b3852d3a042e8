package evaluation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/london"
)

func londonDate(t time.Time) string { return london.LongDate(t) }

// sendEvaluationLetter writes the invitation (nth 0) or the nth reminder to
// evaluate the place.
func (s *Service) sendEvaluationLetter(ctx context.Context, tx pgx.Tx, q *evaluationdb.Queries, bookingID int64, closes time.Time, nth int, gated bool) error {
	l, err := q.Letter(ctx, bookingID)
	if err != nil {
		return fmt.Errorf("letter of booking %d: %w", bookingID, err)
	}
	subject := "Tell us how " + l.CourseTitle + " went"
	opening := "Thank you for coming to " + l.CourseTitle + " on " + london.LongDate(l.StartsAt) + ". " +
		"Please tell us how well it met its learning outcomes and what you thought of it. It takes about 5 minutes."
	if nth > 0 {
		subject = "Reminder: " + subject
		opening = "You came to " + l.CourseTitle + " on " + london.LongDate(l.StartsAt) + ", and we have not yet had " +
			"your evaluation. It takes about 5 minutes, and helps us improve the training for everyone."
	}
	blocks := []email.Block{
		email.Para(opening),
		email.LinkTo("Evaluate the session", s.link(EvaluationPath(bookingID))),
		email.Para("The evaluation closes on " + london.LongDate(closes) + ". Your trainers and the training team " +
			"see your answers without your name."),
	}
	if gated {
		blocks = append(blocks, email.Para("Your certificate will be ready to download as soon as you have answered."))
	} else {
		blocks = append(blocks, email.Para("Your certificate is ready to download from My training."))
	}
	letter := email.Letter{Greeting: "Dear " + l.FullName + ",", Blocks: blocks, From: s.signedBy(l)}
	_, err = s.outbox.Enqueue(ctx, tx, email.Message{To: l.Email, ToName: l.FullName, Subject: subject,
		Body: letter.Text(), HTML: letter.HTML(), UserID: &l.UserID, Partnership: &l.PartnershipID})
	return err
}

// sendFollowUpLetter writes the follow-up's email: to the person, or to
// their line manager with the link that needs no account.
func (s *Service) sendFollowUpLetter(ctx context.Context, tx pgx.Tx, q *evaluationdb.Queries, bookingID int64, who evaluationdb.ImpactRespondent, closes time.Time, token string) error {
	l, err := q.Letter(ctx, bookingID)
	if err != nil {
		return fmt.Errorf("letter of booking %d: %w", bookingID, err)
	}
	session := l.CourseTitle + " on " + london.LongDate(l.StartsAt)
	var m email.Message
	if who == evaluationdb.ImpactRespondentLineManager {
		greeting := "Dear " + l.LineManagerName + ","
		if l.LineManagerName == "" {
			greeting = "Hello,"
		}
		letter := email.Letter{Greeting: greeting, From: s.signedBy(l), Blocks: []email.Block{
			email.Para(l.FullName + " named you as their line manager when they booked " + session + "."),
			email.Para("About three months on, we ask line managers how the training has shown in practice: an example " +
				"of how " + l.FullName + " has used it, how confident you are in their practice on each of the course's " +
				"learning outcomes, and what, if anything, has got in the way. It takes about 5 minutes, and you do not " +
				"need an account."),
			email.LinkTo("Answer the follow-up", s.link(LineManagerPath(token))),
			email.Para("The link shows only " + l.FullName + "'s name and this course, and works until " +
				london.LongDate(closes) + ". If you are not their line manager, please ignore this email."),
		}}
		m = email.Message{To: l.LineManagerEmail, ToName: l.LineManagerName,
			Subject: "How has " + l.FullName + " used their safeguarding training?", Body: letter.Text(), HTML: letter.HTML()}
	} else {
		letter := email.Letter{Greeting: "Dear " + l.FullName + ",", From: s.signedBy(l), Blocks: []email.Block{
			email.Para("About three months ago you came to " + session + ". We would like to know how you have used " +
				"what you learned: an example from your practice, how confident you feel now on each of the course's " +
				"learning outcomes, and what, if anything, has got in the way. It takes about 5 minutes."),
			email.LinkTo("Tell us how you have used it", s.link(FollowUpPath(bookingID))),
			email.Para("The follow-up closes on " + london.LongDate(closes) + "."),
		}}
		m = email.Message{To: l.Email, ToName: l.FullName, UserID: &l.UserID,
			Subject: "Three months on: how have you used " + l.CourseTitle + "?", Body: letter.Text(), HTML: letter.HTML()}
	}
	m.Partnership = &l.PartnershipID
	_, err = s.outbox.Enqueue(ctx, tx, m)
	return err
}

// signedBy is the signature of a letter about l's place: the service's,
// in the name of the session's partnership and from its training team once
// the service names the partnership (while the configuration names it, the
// service's signature already does).
func (s *Service) signedBy(l evaluationdb.LetterRow) email.Signature {
	sig := s.From
	if l.PartnershipConfigured || l.PartnershipName == "" {
		return sig
	}
	sig.Partnership = l.PartnershipName
	if l.PartnershipEmail != "" {
		sig.Email = l.PartnershipEmail
	}
	sig.Phone = l.PartnershipPhone
	return sig
}
