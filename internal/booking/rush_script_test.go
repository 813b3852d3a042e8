package booking_test

import (
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// The pgbench script of the booking rush (testdata/rush.pgbench) sends the
// statements Book sends, in the same order: what the app is compared with
// is the app's own SQL, not an idea of it. For a confirmed place, a place on
// the waiting list and a full session, every statement Book sends is in the
// script in that order, with the same text; and the script sends nothing
// Book does not. The email's and River's inserts are stood for by one-row
// inserts of the same tables, so only their names are compared.
func TestRushScriptSendsTheAppsStatements(t *testing.T) {
	t.Parallel()
	f := setup(t)
	counted, statements := pgtest.Counted(t, f.pool)
	jobs, err := queue.NewInsertOnly(counted)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	svc := booking.New(counted, email.NewOutbox(jobs), base, "Test Partnership", f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	script := readScript(t, "testdata/rush.pgbench")
	var scriptNames []string
	for _, s := range script {
		scriptNames = append(scriptNames, s.name)
	}
	session := f.session(t, 1, 30)
	book := func(name string, wait bool) ([]sentStatement, booking.Outcome, error) {
		p := f.person(t, name, f.agency)
		statements.Reset()
		out, err := svc.Book(actor.With(f.ctx, p), booking.Request{SessionID: session, PersonID: p.ID, Details: details(), JoinWaitingList: wait})
		var sent []sentStatement
		for _, sql := range statements.List() {
			sent = append(sent, sentStatement{name: statementName(sql), sql: sql})
		}
		return sent, out, err
	}
	confirmed, out, err := book("script-first", false)
	require.NoError(t, err)
	require.Equal(t, booking.Confirmed, out.Status)
	waiting, out, err := book("script-second", true)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, out.Status)
	full, _, err := book("script-third", false)
	require.ErrorIs(t, err, booking.ErrFull)

	used := map[string]bool{}
	for what, sent := range map[string][]sentStatement{"confirmed": confirmed, "waiting": waiting, "full": full} {
		var names []string
		for _, s := range sent {
			names = append(names, s.name)
			used[s.name] = true
		}
		t.Logf("%s: %s", what, strings.Join(names, ", "))
		assert.True(t, inOrder(names, scriptNames), "%s: the app sends %v; the script has %v", what, names, scriptNames)
		for _, s := range sent {
			if standIns[s.name] {
				continue
			}
			i := slices.IndexFunc(script, func(sc scriptStatement) bool { return sc.name == s.name })
			if assert.GreaterOrEqual(t, i, 0, "%s: %s is not in the script", what, s.name) {
				assert.Equal(t, normalSQL(s.sql), normalSQL(script[i].sql), "%s: the script's %s is not the app's", what, s.name)
			}
		}
	}
	for _, name := range scriptNames {
		assert.True(t, used[name], "the script sends %s, which Book does not", name)
	}
	// A statement per booking: BEGIN, the check, the remembered line
	// manager (only on a change), the place, the email and its jobs, COMMIT.
	assert.LessOrEqual(t, len(confirmed), 7)
}

// standIns are the statements the script stands for with inserts of its
// own: the emails' (whose values the app sends as arrays) and River's.
var standIns = map[string]bool{"InsertEmails": true, "JobInsertFastMany": true}

type sentStatement struct{ name, sql string }

type scriptStatement struct{ name, sql string }

var sqlcName = regexp.MustCompile(`^-- name: (\w+)`)

// statementName is a statement's sqlc name, or begin, commit or rollback.
func statementName(sql string) string {
	if m := sqlcName.FindStringSubmatch(sql); m != nil {
		return m[1]
	}
	return strings.ToLower(strings.TrimSpace(sql))
}

// readScript reads the script's statements: BEGIN, COMMIT and ROLLBACK,
// and each statement under an "-- app: Name" comment, up to its end (a
// semicolon, or pgbench's \gset).
func readScript(t *testing.T, path string) []scriptStatement {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	var (
		out     []scriptStatement
		current *scriptStatement
	)
	for _, line := range strings.Split(string(text), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case current != nil:
			current.sql += line + "\n"
			if strings.HasSuffix(trimmed, ";") || strings.Contains(trimmed, `\gset`) || strings.Contains(trimmed, `\aset`) {
				out = append(out, *current)
				current = nil
			}
		case strings.HasPrefix(trimmed, "-- app: "):
			name, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "-- app: "), " ")
			current = &scriptStatement{name: name}
		case trimmed == "BEGIN;" || trimmed == "COMMIT;" || trimmed == "ROLLBACK;":
			word := strings.ToLower(strings.TrimSuffix(trimmed, ";"))
			out = append(out, scriptStatement{name: word, sql: word})
		}
	}
	require.Nil(t, current, "the script ends inside a statement")
	return out
}

var (
	placeholder   = regexp.MustCompile(`\$\d+`)
	pgbenchVar    = regexp.MustCompile(`(^|[^:\w]):[a-z_][a-z0-9_]*`)
	pgbenchSuffix = regexp.MustCompile(`\\[ag]set\b.*$`)
)

// normalSQL is a statement without comments, parameters named or numbered
// alike, and spaces collapsed.
func normalSQL(sql string) string {
	var kept []string
	for _, line := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		kept = append(kept, pgbenchSuffix.ReplaceAllString(line, ""))
	}
	s := strings.TrimSuffix(strings.TrimSpace(strings.Join(kept, " ")), ";")
	s = placeholder.ReplaceAllString(s, "?")
	s = pgbenchVar.ReplaceAllString(s, "${1}?")
	return strings.Join(strings.Fields(s), " ")
}

// inOrder reports whether names appear in script in the same order.
func inOrder(names, script []string) bool {
	i := 0
	for _, s := range script {
		if i < len(names) && names[i] == s {
			i++
		}
	}
	return i == len(names)
}

// Book writes its email from what it read before the lock, not from the
// booking read back after it: the email must be the very one the booking
// read back makes, for a confirmed place (with its invitation) and a place
// on the waiting list.
func TestBookingEmailIsTheOneTheBookingReadBackMakes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	for _, c := range []struct {
		name, kind string
		wait       bool
	}{{"email-first", "confirmed", false}, {"email-second", "waiting", true}} {
		p := f.person(t, c.name, f.agency)
		out, err := f.book(p, session, c.wait)
		require.NoError(t, err)
		want, err := f.svc.MessageRead(f.ctx, out.BookingID, c.kind)
		require.NoError(t, err)
		var subject, text, html, ics string
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT subject, body_text, body_html, calendar_ics FROM emails WHERE user_id = $1`, p.ID).Scan(&subject, &text, &html, &ics))
		assert.Equal(t, want.Subject, subject, c.kind)
		assert.Equal(t, want.Body, text, c.kind)
		assert.Equal(t, want.HTML, html, c.kind)
		var wantICS string
		if want.Calendar != nil {
			wantICS = string(want.Calendar.Data)
		}
		assert.Equal(t, wantICS, ics, c.kind)
		if c.kind == "confirmed" {
			assert.Contains(t, ics, "BEGIN:VEVENT", "a confirmed place comes with its invitation")
		}
	}
}
