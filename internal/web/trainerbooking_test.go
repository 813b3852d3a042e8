package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A trainer opening the booking form of a session they deliver is told why
// they cannot book it, before filling anything in, and a post is refused
// the same way.
func TestATrainerCannotBookTheirOwnSession(t *testing.T) {
	t.Parallel()
	a := setup(t)
	trainer := a.newUser(t, "trainer@example.org", "", "trainer")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	a.putTrainerOn(t, session, trainer)
	c := a.as(t, "trainer@example.org")

	resp, page := c.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "You are a trainer on this session")
	assert.Contains(t, page, fmt.Sprintf(`href="/trainer/sessions/%d"`, session))
	assert.NotContains(t, page, `name="line-manager-name"`)

	resp, page = c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "You cannot book a place on a session you deliver")
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM bookings"))
}
