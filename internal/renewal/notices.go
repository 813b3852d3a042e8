package renewal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/renewal/internal/renewaldb"
)

// SweepEvery is how often the renewal sweep looks for notices due: a
// notice goes within this long after its moment.
const SweepEvery = time.Hour

// Sweeps is the renewal notice's only way out (Routine: a notice is due on
// a day, not after a change that could have scheduled a job): each hour it
// emails the people whose training reached its notice day.
func (s *Service) Sweeps() []queue.Sweep {
	return []queue.Sweep{{Name: "renewals", Every: SweepEvery, Routine: true, Timeout: 2 * time.Minute,
		What: "emailed people whose training lapses in two months",
		Run:  s.SendDueNotices}}
}

// SendDueNotices emails each person whose training reached its notice
// moment (midnight in London, two months before it lapses) and has not
// lapsed, who was not told about that completion, is not erased and has not
// booked a later session of the renewing course; it says how many it sent.
// Each notice is taken and its email written in one transaction, under the
// key of renewal_notices, so however often and however many at once it
// runs, each is sent once.
func (s *Service) SendDueNotices(ctx context.Context) (int, error) {
	now := s.now()
	due, err := renewaldb.New(s.pool).DueNotices(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("renewal notices due: %w", err)
	}
	sent := 0
	for _, d := range due {
		ok, err := s.notify(ctx, now, d.UserID, d.CourseID)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// notify takes and sends one notice if it is still due, and says whether
// it sent.
func (s *Service) notify(ctx context.Context, now time.Time, userID, courseID int64) (bool, error) {
	sent := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := renewaldb.New(tx)
		n, err := q.TakeNotice(ctx, renewaldb.TakeNoticeParams{Now: now, UserID: userID, CourseID: courseID})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // told already, by this run or another, or no longer due
		} else if err != nil {
			return fmt.Errorf("take renewal notice of person %d on course %d: %w", userID, courseID, err)
		}
		id, err := s.writeNotice(ctx, tx, q, now, userID, courseID, n.ValidUntil)
		if err != nil {
			return err
		}
		if err := q.NoticeSent(ctx, renewaldb.NoticeSentParams{EmailID: &id, UserID: userID, CourseID: courseID,
			ValidUntil: n.ValidUntil}); err != nil {
			return fmt.Errorf("record renewal notice of person %d: %w", userID, err)
		}
		sent = true
		return nil
	})
	return sent, err
}

// writeNotice writes the email: what lapses when, and the next sessions of
// the course that renews it.
func (s *Service) writeNotice(ctx context.Context, tx pgx.Tx, q *renewaldb.Queries, now time.Time, userID, courseID int64, validUntil pgtype.Date) (int64, error) {
	l, err := q.NoticeLetter(ctx, renewaldb.NoticeLetterParams{UserID: userID, CourseID: courseID})
	if err != nil {
		return 0, fmt.Errorf("renewal letter of person %d on course %d: %w", userID, courseID, err)
	}
	sessions, err := q.NextSessions(ctx, renewaldb.NextSessionsParams{CourseID: l.RenewingCourseID, Now: now})
	if err != nil {
		return 0, fmt.Errorf("next sessions of course %d: %w", l.RenewingCourseID, err)
	}
	until := Day(validUntil.Time)
	blocks := []email.Block{
		email.Para("Your " + l.CourseTitle + " training is valid until " + until + ". To stay up to date, please " +
			"book " + renewingName(l) + " before then."),
	}
	courseLink := s.link("/courses/" + l.RenewingCourseSlug)
	if len(sessions) == 0 {
		blocks = append(blocks, email.Para("There are no sessions open for booking at the moment. New dates are "+
			"added through the year: see the course page for the latest."))
	} else {
		lines := make([]string, 0, len(sessions))
		for _, ss := range sessions {
			where := ss.VenueName
			if ss.Online {
				where = "Online"
			} else if ss.Town != "" {
				where += ", " + ss.Town
			}
			line := london.When(ss.StartsAt, ss.EndsAt) + ", " + where
			if ss.SeatsTaken >= ss.Capacity {
				line += " (full: you can join the waiting list)"
			}
			lines = append(lines, line+": "+s.link("/sessions/"+strconv.FormatInt(ss.ID, 10)+"/book"))
		}
		blocks = append(blocks, email.Para("The next sessions:"), email.Details(lines...))
	}
	blocks = append(blocks, email.LinkTo("See all dates and book", courseLink),
		email.Para("You can see when each of your courses is due for renewal on My training."))
	// Signed by the partnership whose course renews the training, once the
	// service names it.
	from := s.From
	if !l.PartnershipConfigured && l.PartnershipName != "" {
		from.Partnership, from.Phone = l.PartnershipName, l.PartnershipPhone
		if l.PartnershipEmail != "" {
			from.Email = l.PartnershipEmail
		}
	}
	letter := email.Letter{Greeting: "Dear " + l.FullName + ",", Blocks: blocks, From: from}
	return s.outbox.Enqueue(ctx, tx, email.Message{To: l.Email, ToName: l.FullName, UserID: &userID,
		Subject: "Your " + l.CourseTitle + " training is due for renewal by " + until,
		Body:    letter.Text(), HTML: letter.HTML(), Partnership: &l.PartnershipID})
}

func renewingName(l renewaldb.NoticeLetterRow) string {
	if l.RenewingCourseTitle == l.CourseTitle {
		return "a session of the course again"
	}
	return "a session of " + l.RenewingCourseTitle
}
