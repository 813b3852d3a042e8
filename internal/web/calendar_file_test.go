package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBookingInviteDownload(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	a.newUser(t, "alex@example.org", "")
	a.newUser(t, "boss@example.org", "", "manager")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	id := sam.book(session, bookingDetails())
	path := fmt.Sprintf("/bookings/%d/calendar.ics", id)

	_, page := sam.get(fmt.Sprintf("/bookings/%d", id))
	assert.Contains(t, page, `href="`+path+`"`)
	assert.Contains(t, page, "Add to your calendar")

	resp, body := sam.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment"), resp.Header.Get("Content-Disposition"))
	body = strings.ReplaceAll(body, "\r\n ", "") // unfold
	assert.Contains(t, body, "METHOD:REQUEST\r\n")
	assert.Contains(t, body, fmt.Sprintf("UID:booking-%d@localhost\r\n", id))
	assert.Contains(t, body, "https://meet.example.org/abc", "a confirmed online place has the joining link")
	assert.Contains(t, body, "mailto:training@example.org", "from the training mailbox")
	assert.Contains(t, body, "mailto:sam@example.org")

	resp, body = a.as(t, "alex@example.org").get(path)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another person's invite")
	assert.NotContains(t, body, "BEGIN:VCALENDAR")

	resp, body = a.as(t, "boss@example.org").get(path)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a manager may see any booking")
	assert.Contains(t, body, "BEGIN:VCALENDAR")

	sam.get(fmt.Sprintf("/bookings/%d/cancel", id))
	resp, _ = sam.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = sam.get(path)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no invite to a cancelled booking")
	_, page = sam.get(fmt.Sprintf("/bookings/%d", id))
	assert.NotContains(t, page, "Add to your calendar")
}

// A practitioner's feed carries their confirmed places: a place booked
// appears, a place cancelled leaves, and a new address retires the old.
func TestPersonalCalendarFeed(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	a.newUser(t, "alex@example.org", "")
	first := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	second := a.addSession(t, 10, 20*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	one := sam.book(first, bookingDetails())
	two := sam.book(second, bookingDetails())
	a.as(t, "alex@example.org").book(first, bookingDetails())

	_, page := sam.get("/my-training")
	assert.Contains(t, page, "Your calendar feed")
	path := feedPath.FindString(page)
	require.NotEmpty(t, path)
	_, alexPage := a.as(t, "alex@example.org").get("/my-training")
	assert.NotEqual(t, path, feedPath.FindString(alexPage), "each person has their own")

	anon := a.client(t)
	resp, ical := anon.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	ical = strings.ReplaceAll(ical, "\r\n ", "") // unfold
	assert.Contains(t, ical, "METHOD:PUBLISH\r\n")
	assert.Contains(t, ical, fmt.Sprintf("UID:booking-%d@localhost\r\n", one))
	assert.Contains(t, ical, fmt.Sprintf("UID:booking-%d@localhost\r\n", two))
	assert.Equal(t, 2, strings.Count(ical, "BEGIN:VEVENT"), "sam's places only")
	assert.NotContains(t, ical, "alex@example.org")

	sam.get(fmt.Sprintf("/bookings/%d/cancel", two))
	resp, _ = sam.post(fmt.Sprintf("/bookings/%d/cancel", two), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, ical = anon.get(path)
	assert.Equal(t, 1, strings.Count(ical, "BEGIN:VEVENT"), "a cancelled place leaves the feed")
	assert.NotContains(t, strings.ReplaceAll(ical, "\r\n ", ""), fmt.Sprintf("UID:booking-%d@", two))

	resp, _ = sam.post("/my-training/calendar/reset", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/my-training?done=feed-reset#calendar-feed", resp.Header.Get("Location"))
	_, page = sam.get("/my-training?done=feed-reset")
	assert.Contains(t, page, "Your calendar feed has a new address")
	fresh := feedPath.FindString(page)
	require.NotEmpty(t, fresh)
	assert.NotEqual(t, path, fresh)
	resp, _ = anon.get(path)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the old address")
	resp, _ = anon.get(fresh)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, _ = anon.post("/my-training/calendar/reset", url.Values{})
	assert.NotEqual(t, http.StatusSeeOther, resp.StatusCode, "signed out: no reset")
}
