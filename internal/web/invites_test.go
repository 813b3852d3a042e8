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
	path := fmt.Sprintf("/bookings/%d/invite.ics", id)

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
