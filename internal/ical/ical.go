// Package ical writes RFC 5545 calendar files: invitations sent by email
// (METHOD:REQUEST and METHOD:CANCEL, RFC 5546) and subscription feeds
// (METHOD:PUBLISH). Times are written as Europe/London local times with a
// VTIMEZONE, so calendars show them as the session's wall-clock time.
package ical

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/pscp/booktraining/internal/london"
)

// Service names this service in PRODID.
const Service = "book-safeguarding-training"

// Zone is the time zone every event is written in.
const Zone = london.Name

// Person is someone named in an event: its organiser or an attendee.
type Person struct {
	Name, Email string
}

// Event is one calendar event. UID must stay the same for the life of what
// it describes, and Sequence must rise each time it changes, or calendars
// ignore the update.
type Event struct {
	UID                                 string
	Sequence                            int
	Start, End                          time.Time
	Summary, Description, Location, URL string
	Organizer                           Person
	Attendee                            Person // no Email: nobody is invited
	Chair                               bool   // the attendee leads the event (a trainer), not takes part in it
	Cancelled                           bool
	Alarm                               time.Duration // how long before Start to remind; 0 is none
}

// Request is an invitation to e (or, with a higher Sequence, an update to it)
// for the attendee's calendar to add.
func Request(e Event, stamp time.Time) []byte {
	cal := calendar(ics.MethodRequest)
	add(cal, e, stamp, true)
	return serialise(cal)
}

// Cancel tells the attendee's calendar to remove e. The caller passes a
// Sequence higher than the last invitation's.
func Cancel(e Event, stamp time.Time) []byte {
	e.Cancelled = true
	cal := calendar(ics.MethodCancel)
	add(cal, e, stamp, false)
	return serialise(cal)
}

// Feed is a calendar of events for calendar apps to subscribe to.
func Feed(name string, events []Event, stamp time.Time) []byte {
	cal := calendar(ics.MethodPublish)
	name = cleanText(name)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone(Zone)
	for _, e := range events {
		add(cal, e, stamp, true)
	}
	return serialise(cal)
}

func calendar(method ics.Method) *ics.Calendar {
	cal := ics.NewCalendarFor(Service)
	cal.SetProductId("-//" + Service + "//EN")
	cal.SetMethod(method)
	cal.AddVTimezone(vtimezone())
	return cal
}

// serialise writes CRLF line ends and folds lines at 75 octets, as RFC 5545
// requires. Writing to a bytes.Buffer cannot fail.
func serialise(cal *ics.Calendar) []byte {
	var b bytes.Buffer
	_ = cal.SerializeTo(&b, ics.WithNewLineWindows)
	return b.Bytes()
}

func add(cal *ics.Calendar, e Event, stamp time.Time, alarm bool) {
	v := cal.AddEvent(cleanText(e.UID))
	v.SetDtStampTime(stamp) // written in UTC
	v.SetSequence(e.Sequence)
	// Local times with TZID: SetStartAt would write UTC, which a TZID contradicts.
	v.SetProperty(ics.ComponentPropertyDtStart, local(e.Start), ics.WithTZID(Zone))
	v.SetProperty(ics.ComponentPropertyDtEnd, local(e.End), ics.WithTZID(Zone))
	v.SetSummary(cleanText(e.Summary))
	if e.Description != "" {
		v.SetDescription(cleanText(e.Description))
	}
	if e.Location != "" {
		v.SetLocation(cleanText(e.Location))
	}
	if e.URL != "" {
		v.SetURL(cleanAddress(e.URL))
	}
	if e.Organizer.Email != "" {
		v.SetOrganizer("mailto:"+cleanAddress(e.Organizer.Email), cn(e.Organizer.Name)...)
	}
	if e.Attendee.Email != "" {
		role := ics.ParticipationRoleReqParticipant
		if e.Chair {
			role = ics.ParticipationRoleChair
		}
		v.AddAttendee("mailto:"+cleanAddress(e.Attendee.Email), append(cn(e.Attendee.Name),
			role,
			ics.ParticipationStatusNeedsAction,
			rsvpFalse)...)
	}
	if e.Cancelled {
		v.SetStatus(ics.ObjectStatusCancelled)
	} else {
		v.SetStatus(ics.ObjectStatusConfirmed)
	}
	if alarm && e.Alarm > 0 && !e.Cancelled {
		a := v.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger("-" + duration(e.Alarm))
		a.SetProperty(ics.ComponentPropertyDescription, cleanText(e.Summary)) // a display alarm must have one
	}
}

// rsvpFalse says no reply is wanted: bookings are made on the website, not by
// accepting the invitation. WithRSVP would write lower-case "false".
var rsvpFalse = &ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"FALSE"}}

// local is t's wall-clock time in London, for a TZID=Europe/London property.
func local(t time.Time) string { return t.In(london.Zone).Format("20060102T150405") }

// duration writes d as an RFC 5545 duration, such as PT1H30M.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	s := "PT"
	if h := d / time.Hour; h > 0 {
		s += strconv.FormatInt(int64(h), 10) + "H"
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		s += strconv.FormatInt(int64(m), 10) + "M"
	}
	if sec := d % time.Minute / time.Second; sec > 0 || s == "PT" {
		s += strconv.FormatInt(int64(sec), 10) + "S"
	}
	return s
}

// cn is the CN parameter for a name, if there is one. golang-ical escapes
// parameter values with backslashes, which RFC 5545 does not recognise, so
// the characters that would need it are dropped instead: a quote, semicolon,
// colon or comma could otherwise end the parameter early, and an apostrophe
// becomes a typographic one.
func cn(name string) []ics.PropertyParameter {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case strings.ContainsRune("\";:,\\", r), unicode.IsControl(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return nil
	}
	return []ics.PropertyParameter{ics.WithCN(name)}
}

// cleanText keeps newlines (golang-ical escapes them, and commas, semicolons
// and backslashes) but drops other control characters, which no TEXT value
// may hold.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\t':
			return ' '
		case r != '\n' && unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// cleanAddress drops spaces and control characters from an email address or
// URL, which golang-ical writes unescaped.
func cleanAddress(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
