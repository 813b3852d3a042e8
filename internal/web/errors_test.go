package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/errs"
)

// TestEachKindOfErrorIsAnsweredOnce drives handleError with a domain error of
// every kind, wrapped as a domain package returns it, and checks the status
// and what the page says: a reason written for people is shown, a message
// written for logs never is.
func TestEachKindOfErrorIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	pages, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{deps: Deps{Now: time.Now}, pages: pages, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f := fiber.New(fiber.Config{ErrorHandler: a.handleError})
	cases := []struct {
		err      error
		status   int
		shows    string
		neverHas string
	}{
		{fmt.Errorf("get 7: %w", errs.New(errs.NotFound, "row 7 missing")), 404, "Page not found", "row 7"},
		{fmt.Errorf("erase: %w", errs.New(errs.Forbidden, "actor 3 not manager")), 403, "You cannot see this page", "actor 3"},
		{fmt.Errorf("move: %w", errs.Says(errs.Conflict, "This session has already started.")), 409, "This session has already started.", ""},
		{fmt.Errorf("move: %w", errs.New(errs.Conflict, "lock held by pid 42")), 409, "reload the page", "pid 42"},
		{fmt.Errorf("accept: %w", errs.Says(errs.Invalid, "Choose a course.")), 422, "Choose a course.", ""},
		{fmt.Errorf("refund: %w", errs.New(errs.Unavailable, "stripe: dial tcp: refused")), 503, "Try again in a few minutes", "dial tcp"},
		{errors.New("pq: relation does not exist"), 500, "Sorry, there is a problem with the service", "relation"},
	}
	for i, c := range cases {
		path := fmt.Sprintf("/case/%d", i)
		f.Get(path, func(*fiber.Ctx) error { return c.err })
	}
	for i, c := range cases {
		resp, err := f.Test(httptest.NewRequest("GET", fmt.Sprintf("/case/%d", i), nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%v: status %d, want %d", c.err, resp.StatusCode, c.status)
		}
		if !strings.Contains(string(body), c.shows) {
			t.Errorf("%v: page does not say %q", c.err, c.shows)
		}
		if c.neverHas != "" && strings.Contains(string(body), c.neverHas) {
			t.Errorf("%v: page shows the log message %q", c.err, c.neverHas)
		}
	}
}

// TestAPageThatFailsHalfWayIsNotSent renders a page whose template fails
// after the layout's header is written (its data is not what it reads):
// the person gets the error page alone, with none of the half-written page
// before it, though pages are written straight into the response.
func TestAPageThatFailsHalfWayIsNotSent(t *testing.T) {
	t.Parallel()
	pages, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{deps: Deps{Now: time.Now}, pages: pages, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f := fiber.New(fiber.Config{ErrorHandler: a.handleError})
	f.Get("/people", func(c *fiber.Ctx) error { return a.render(c, fiber.StatusOK, "admin/people", "People", 42) })
	resp, err := f.Test(httptest.NewRequest("GET", "/people", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != fiber.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	if n := strings.Count(string(body), "<!DOCTYPE html>"); n != 1 {
		t.Errorf("the answer holds %d pages, want the error page alone:\n%s", n, body)
	}
	if strings.Contains(string(body), "Search by name, email address or agency") {
		t.Error("the answer holds part of the page that failed")
	}
	if !strings.Contains(string(body), "Sorry, there is a problem with the service") {
		t.Errorf("the answer is not the error page:\n%s", body)
	}
}
