package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// A booking request costs at most eight statements, loading the signed-in
// person included, and holds its session's lock for as little as it can:
// the email and its jobs are written first, for the place foreseen, the
// lock is taken by the statement that takes the place, and only the commit
// follows it. The booking's page is read by the next request, after the
// commit.
func TestABookingCostsAtMostEightStatements(t *testing.T) {
	t.Parallel()
	var s *pgtest.Statements
	a := setup(t, countedStatements(t, &s))
	a.newUser(t, "eight@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "eight@example.org")
	c.get(fmt.Sprintf("/sessions/%d/book", session))

	s.Reset()
	resp, page := c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	sent := names(s.List())
	t.Logf("a booking: %v", sent)
	assert.LessOrEqual(t, len(sent), 8)
	lock := slices.Index(sent, "TakePlaceAsSeen")
	require.GreaterOrEqual(t, lock, 0, "the place is taken with its lock in one statement")
	assert.Equal(t, []string{"commit"}, sent[lock+1:], "under the lock: only the commit")
	assert.Subset(t, sent[:lock], []string{"InsertEmails", "JobInsertFastMany"}, "the email and its jobs, before the lock")
	assert.NotContains(t, sent, "LockSessionForBooking")
	assert.NotContains(t, sent, "GetBooking", "the email is written from what was read before the lock")
}

var statementNamed = regexp.MustCompile(`^-- name: (\w+)`)

// names is each statement's sqlc name, or its SQL (begin, commit).
func names(sql []string) []string {
	out := make([]string, len(sql))
	for i, q := range sql {
		out[i] = q
		if m := statementNamed.FindStringSubmatch(q); m != nil {
			out[i] = m[1]
		}
	}
	return out
}

// The booking form reads its session, with what the person's place on it
// would be (their live booking, whether they deliver it, their price), in
// one statement; so does the answer to a booking that found the session
// full, which half of a popular session's rush gets.
func TestTheBookingFormReadsItsSessionInOneStatement(t *testing.T) {
	t.Parallel()
	var s *pgtest.Statements
	a := setup(t, countedStatements(t, &s))
	a.newUser(t, "first@example.org", "")
	a.newUser(t, "second@example.org", "")
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	// At a venue with a town, which the form shows.
	tag, err := a.pool.Exec(context.Background(), `UPDATE sessions SET venue_id = (SELECT id FROM venues WHERE NOT online AND town <> '' ORDER BY id LIMIT 1) WHERE id = $1`, session)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())
	first, second := a.as(t, "first@example.org"), a.as(t, "second@example.org")
	form := fmt.Sprintf("/sessions/%d/book", session)
	second.get(form)

	s.Reset()
	resp, page := second.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, "Book a place")
	sent := names(s.List())
	t.Logf("the form: %v", sent)
	assert.Equal(t, 1, count(sent, "SessionForBookingForm"), "the session, once")
	assert.LessOrEqual(t, len(sent), 4, "the signed-in person, the session and the course's prerequisites the person lacks")

	resp, page = first.post(form, bookingDetails())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	s.Reset()
	resp, page = second.post(form, bookingDetails()) // not asking to wait
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, page, "All places have just been taken")
	sent = names(s.List())
	t.Logf("a booking that found the session full: %v", sent)
	assert.NotContains(t, sent, "SessionForBookingForm", "the session as the booking's own check read it")
	assert.NotContains(t, sent, "LiveBookingFor")
	assert.NotContains(t, sent, "SetLineManager", "nothing written for a booking refused as full when read")
	assert.LessOrEqual(t, len(sent), 4, "the signed-in person, the check and its transaction")

	// The answer shows the session as the form, which reads it itself, does.
	_, again := second.get(form)
	shown, want := summaryList.FindString(page), summaryList.FindString(again)
	require.NotEmpty(t, want)
	assert.Contains(t, want, ", ", "the venue's town")
	assert.Equal(t, want, shown)

	// Joining the waiting list: its place's page, read by the next request,
	// says where they stand; nothing is read after the commit.
	s.Reset()
	resp, page = second.post(form, with(bookingDetails(), "join-waiting-list", "yes"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	sent = names(s.List())
	t.Logf("joining the waiting list: %v", sent)
	assert.Equal(t, "commit", sent[len(sent)-1], "nothing after the commit")
	assert.LessOrEqual(t, len(sent), 8, "as a booking: remembering their line manager, the first time, included")
	_, page = second.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "You are on the waiting list: number 1")
}

var summaryList = regexp.MustCompile(`(?s)<dl class="govuk-summary-list.*?</dl>`)

func count(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}
