package ical

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apognu/gocal"
	"github.com/apognu/gocal/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	stamp     = time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	organiser = Person{"Portsmouth Safeguarding Children Partnership", "bookings@example.org"}
	attendee  = Person{"Sam O'Neill", "sam.oneill@example.org"}
)

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, london.Zone)
}

// booking is a session booked for 9:30 on the morning BST starts.
func booking() Event {
	return Event{
		UID:         "booking-42@book-safeguarding-training",
		Start:       at(2026, 3, 29, 9, 30),
		End:         at(2026, 3, 29, 16, 0),
		Summary:     "Working Together to Safeguard Children: an introduction",
		Description: "Bring photo ID; lunch is provided, with tea\\coffee.\r\nSee your booking: https://book.example.org/bookings/42",
		Location:    "Guildhall, Room 3, Guildhall Square, Portsmouth, PO1 2AL",
		URL:         "https://book.example.org/bookings/42",
		Organizer:   organiser,
		Attendee:    attendee,
		Alarm:       24 * time.Hour,
	}
}

// moved is the same booking after its session moved to the day GMT returns.
func moved() Event {
	e := booking()
	e.Sequence = 1
	e.Start, e.End = at(2026, 10, 25, 9, 30), at(2026, 10, 25, 12, 30)
	return e
}

func cancelled() Event {
	e := moved()
	e.Sequence = 2
	return e
}

// feedEvents are a winter and a summer session, as a trainer's feed shows them.
func feedEvents() []Event {
	winter := Event{UID: "session-7@book-safeguarding-training", Sequence: 3,
		Start: at(2026, 1, 14, 9, 30), End: at(2026, 1, 14, 16, 0),
		Summary: "Neglect", Location: "Online", Description: "Join online: https://meet.example.org/abc"}
	summer := Event{UID: "session-8@book-safeguarding-training",
		Start: at(2026, 7, 15, 9, 30), End: at(2026, 7, 15, 12, 30),
		Summary: "Child exploitation", Location: "Civic Offices, Guildhall Square, Portsmouth, PO1 2AL"}
	return []Event{winter, summer}
}

// trainer is the session as its trainer's invite describes it: they chair it.
func trainer() Event {
	e := booking()
	e.UID = "session-7-trainer-3@book-safeguarding-training"
	e.URL = "https://book.example.org/trainer/sessions/7"
	e.Description = "Working Together to Safeguard Children: an introduction\n\nYou are delivering this session with Ana Costa."
	e.Attendee = Person{"Jo Trainer", "jo.trainer@example.org"}
	e.Chair = true
	return e
}

var files = map[string]func() []byte{
	"trainer.ics": func() []byte { return Request(trainer(), stamp) },
	"request.ics": func() []byte { return Request(booking(), stamp) },
	"moved.ics":   func() []byte { return Request(moved(), stamp) },
	"cancel.ics":  func() []byte { return Cancel(cancelled(), stamp) },
	"feed.ics":    func() []byte { return Feed("Safeguarding training sessions", feedEvents(), stamp) },
}

// Generated files match the reviewed ones in testdata byte for byte; run
// `go test ./internal/invite -update` to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	for name, make := range files {
		t.Run(name, func(t *testing.T) {
			got := make()
			path := filepath.Join("testdata", name)
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// RFC 5545 3.1: lines end CRLF and are folded to at most 75 octets.
func TestLines(t *testing.T) {
	long := booking()
	long.Description = strings.Repeat("Safeguarding is everyone’s responsibility, ", 12) + strings.Repeat("é", 100)
	long.Summary = strings.Repeat("x", 200)
	long.Attendee.Name = strings.Repeat("Ångström ", 20)
	all := map[string][]byte{"long": Request(long, stamp)}
	for name, make := range files {
		all[name] = make()
	}
	for name, b := range all {
		require.True(t, bytes.HasSuffix(b, []byte("\r\n")), name)
		lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
		for i, l := range lines {
			assert.NotContains(t, l, "\n", "%s line %d ends without CR", name, i+1)
			assert.NotContains(t, l, "\r", "%s line %d has a bare CR", name, i+1)
			assert.LessOrEqual(t, len(l), 75, "%s line %d: %q", name, i+1, l)
		}
	}
	// Folding must not lose anything: unfolded, the long values come back.
	unfolded := unfold(all["long"])
	assert.Contains(t, unfolded, "\r\nSUMMARY:"+long.Summary+"\r\n")
	assert.Contains(t, unfolded, "\r\nDESCRIPTION:"+strings.ReplaceAll(long.Description, ",", `\,`)+"\r\n")
}

func unfold(b []byte) string { return strings.ReplaceAll(string(b), "\r\n ", "") }

// Text values are escaped (RFC 5545 3.3.11); a CR LF in the input becomes \n.
func TestEscaping(t *testing.T) {
	ics := unfold(Request(booking(), stamp))
	assert.Contains(t, ics, `DESCRIPTION:Bring photo ID\; lunch is provided\, with tea\\coffee.\nSee your booking: https://book.example.org/bookings/42`+"\r\n")
	assert.Contains(t, ics, `LOCATION:Guildhall\, Room 3\, Guildhall Square\, Portsmouth\, PO1 2AL`+"\r\n")
	assert.Contains(t, ics, "SUMMARY:Working Together to Safeguard Children: an introduction\r\n")
	e := booking()
	e.Summary = "Bad\x00 \x1b[31mtitle\r"
	assert.Contains(t, string(Request(e, stamp)), "SUMMARY:Bad [31mtitle \r\n", "control characters are dropped")
}

// parse reads a generated file with gocal, a parser that shares no code with
// the writer, and returns its method and events.
func parse(t *testing.T, b []byte) (string, []gocal.Event) {
	t.Helper()
	p := gocal.NewParser(bytes.NewReader(b))
	p.SkipBounds = true
	require.NoError(t, p.Parse())
	return p.Method, p.Events
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// Calendars put each session at the right instant, in winter, in summer and
// on the days the clocks change (BST starts 29 March 2026 and ends 25 October
// 2026). The wanted instants are written in UTC by hand.
func TestParsedBack(t *testing.T) {
	type want struct {
		uid        string
		seq        int
		status     string
		start, end time.Time
	}
	for _, c := range []struct {
		name, method string
		ics          []byte
		events       []want
	}{
		{"request", "REQUEST", Request(booking(), stamp), []want{
			{"booking-42@book-safeguarding-training", 0, "CONFIRMED", utc(2026, 3, 29, 8, 30), utc(2026, 3, 29, 15, 0)}}},
		{"moved", "REQUEST", Request(moved(), stamp), []want{
			{"booking-42@book-safeguarding-training", 1, "CONFIRMED", utc(2026, 10, 25, 9, 30), utc(2026, 10, 25, 12, 30)}}},
		{"cancel", "CANCEL", Cancel(cancelled(), stamp), []want{
			{"booking-42@book-safeguarding-training", 2, "CANCELLED", utc(2026, 10, 25, 9, 30), utc(2026, 10, 25, 12, 30)}}},
		{"feed", "PUBLISH", Feed("Safeguarding training sessions", feedEvents(), stamp), []want{
			{"session-7@book-safeguarding-training", 3, "CONFIRMED", utc(2026, 1, 14, 9, 30), utc(2026, 1, 14, 16, 0)},
			{"session-8@book-safeguarding-training", 0, "CONFIRMED", utc(2026, 7, 15, 8, 30), utc(2026, 7, 15, 11, 30)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			method, events := parse(t, c.ics)
			assert.Equal(t, c.method, method)
			require.Len(t, events, len(c.events))
			for i, w := range c.events {
				e := events[i]
				assert.Equal(t, w.uid, e.Uid)
				assert.Equal(t, w.seq, e.Sequence)
				assert.Equal(t, w.status, e.Status)
				require.NotNil(t, e.Start)
				require.NotNil(t, e.End)
				assert.Equal(t, w.start, e.Start.UTC(), "start")
				assert.Equal(t, w.end, e.End.UTC(), "end")
				assert.Equal(t, stamp, e.Stamp.UTC(), "DTSTAMP")
			}
		})
	}
}

// A name full of the characters that end parameters stays inside CN.
func TestNamesCannotBreakParameters(t *testing.T) {
	e := booking()
	e.Organizer.Name = `Safeguarding "Team": Portsmouth`
	e.Attendee.Name = "Smith; Jones, A: B\r\nX-EVIL:1"
	b := Request(e, stamp)
	assert.NotContains(t, unfold(b), "\r\nX-EVIL")

	_, events := parse(t, b)
	require.Len(t, events, 1)
	ev := events[0]
	require.NotNil(t, ev.Organizer)
	assert.Equal(t, "Safeguarding Team Portsmouth", ev.Organizer.Cn)
	assert.Equal(t, "mailto:bookings@example.org", ev.Organizer.Value)
	require.Len(t, ev.Attendees, 1)
	a := ev.Attendees[0]
	assert.Equal(t, "Smith Jones A B X-EVIL 1", a.Cn)
	assert.Equal(t, "mailto:sam.oneill@example.org", a.Value)
	assert.Equal(t, "NEEDS-ACTION", a.Status)
	assert.Contains(t, unfold(b), "ATTENDEE;CN=Smith Jones A B X-EVIL 1;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:sam.oneill@example.org\r\n")
}

// The VTIMEZONE's rules agree with Go's zone data for the coming years, for
// calendars that use the VTIMEZONE rather than their own idea of the zone.
func TestTimezoneRules(t *testing.T) {
	ics := unfold(Request(booking(), stamp))
	blocks := regexp.MustCompile(`(?s)BEGIN:(DAYLIGHT|STANDARD)\r\n(.*?)END:`).FindAllStringSubmatch(ics, -1)
	require.Len(t, blocks, 2)
	for _, b := range blocks {
		prop := func(name string) string {
			m := regexp.MustCompile(`(?m)^` + name + `:(.*)\r$`).FindStringSubmatch(b[2])
			require.NotNil(t, m, "%s in %s", name, b[1])
			return m[1]
		}
		offset := func(s string) time.Duration {
			h, _ := strconv.Atoi(s[1:3])
			m, _ := strconv.Atoi(s[3:5])
			d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
			if s[0] == '-' {
				d = -d
			}
			return d
		}
		from, to := offset(prop("TZOFFSETFROM")), offset(prop("TZOFFSETTO"))
		start, err := time.Parse("20060102T150405", prop("DTSTART"))
		require.NoError(t, err)
		rule := regexp.MustCompile(`^FREQ=YEARLY;BYMONTH=(\d+);BYDAY=-1SU$`).FindStringSubmatch(prop("RRULE"))
		require.NotNil(t, rule, b[1])
		month, _ := strconv.Atoi(rule[1])
		for year := 2026; year <= 2035; year++ {
			// The last Sunday of the month, at DTSTART's local time, which is in the offset before the change.
			day := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
			day = day.AddDate(0, 0, -int(day.Weekday()))
			change := time.Date(year, time.Month(month), day.Day(), start.Hour(), start.Minute(), start.Second(), 0, time.UTC).Add(-from)
			_, before := change.Add(-time.Second).In(london.Zone).Zone()
			_, after := change.In(london.Zone).Zone()
			assert.Equal(t, from, time.Duration(before)*time.Second, "%s %d: offset before %s", b[1], year, change)
			assert.Equal(t, to, time.Duration(after)*time.Second, "%s %d: offset at %s", b[1], year, change)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:                 "PT24H",
		90 * time.Minute:               "PT1H30M",
		15 * time.Minute:               "PT15M",
		time.Hour + 5*time.Second:      "PT1H5S",
		500 * time.Millisecond:         "PT1S",
		2*time.Hour + 30*time.Second:   "PT2H30S",
		10*time.Minute + 4*time.Second: "PT10M4S",
	} {
		assert.Equal(t, want, duration(d), d.String())
	}
}

func TestNoAlarm(t *testing.T) {
	e := booking()
	e.Alarm = 0
	assert.NotContains(t, string(Request(e, stamp)), "VALARM")
	assert.NotContains(t, string(Cancel(booking(), stamp)), "VALARM", "a cancellation does not remind")
	e.Attendee = Person{}
	assert.NotContains(t, string(Request(e, stamp)), "ATTENDEE")
}

// A trainer's invite names them as the chair of the event, not a participant,
// and an independent parser reads that back.
func TestTrainerIsChair(t *testing.T) {
	b := Request(trainer(), stamp)
	assert.Contains(t, unfold(b), "ATTENDEE;CN=Jo Trainer;PARTSTAT=NEEDS-ACTION;ROLE=CHAIR;RSVP=FALSE:mailto:jo.trainer@example.org\r\n")
	_, events := parse(t, b)
	require.Len(t, events, 1)
	require.Len(t, events[0].Attendees, 1)
	assert.Equal(t, "mailto:jo.trainer@example.org", events[0].Attendees[0].Value)
	// gocal keeps no ROLE, so its own parameter reader reads the line.
	line := regexp.MustCompile(`\r\n(ATTENDEE;[^:]*):`).FindStringSubmatch(unfold(b))
	require.NotNil(t, line)
	_, params := parser.ParseParameters(line[1])
	assert.Equal(t, "CHAIR", params["ROLE"])
	assert.NotContains(t, string(Request(booking(), stamp)), "ROLE=CHAIR", "a learner only takes part")
}
