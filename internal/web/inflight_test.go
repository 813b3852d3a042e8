package web

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/valyala/fasthttp"

	"github.com/pscp/booktraining/internal/demand"
	"github.com/pscp/booktraining/internal/services"
)

// Signed-in requests beyond the bound wait until one in hand is done;
// requests without the sign-in cookie (public pages), and those that hash a
// password (signing in, with the cookie of the form's anonymous session),
// pass while the bound is full.
func TestLimitSignedIn(t *testing.T) {
	t.Parallel()
	var inHandler, most atomic.Int64
	release := make(chan struct{})
	h := limitSignedIn(func(c *fasthttp.RequestCtx) {
		n := inHandler.Add(1)
		defer inHandler.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if len(c.Request.Header.Cookie("session")) > 0 && string(c.Path()) != "/sign-in" {
			<-release
		}
	}, 3, "session", nil)

	request := func(signedIn bool) *fasthttp.RequestCtx {
		c := &fasthttp.RequestCtx{}
		c.Request.SetRequestURI("/my-training")
		if signedIn {
			c.Request.Header.SetCookie("session", "token")
		}
		return c
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { h(request(true)) })
	}
	deadline := time.Now().Add(5 * time.Second)
	for inHandler.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, int64(3), inHandler.Load(), "three in hand, seven waiting")

	done := make(chan struct{})
	go func() { h(request(false)); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a request without the sign-in cookie waited for the signed-in ones")
	}
	signIn := request(true)
	signIn.Request.SetRequestURI("/sign-in")
	done = make(chan struct{})
	go func() { h(signIn); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("signing in (with the form's anonymous session) waited for the signed-in requests")
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int64(4), most.Load(), "never more than three signed-in requests at once (and one passing by)")
}

// The paths the bound lets by for hashing a password are the app's forms
// that do: each is a POST route, so a renamed route cannot leave its form
// held behind the signed-in requests unnoticed.
func TestThePathsThatHashAPasswordArePostRoutes(t *testing.T) {
	t.Parallel()
	a := &app{deps: Deps{Services: &services.Services{}}}
	posts := map[string]bool{}
	for _, r := range a.pageRoutes() {
		if r.method == fiber.MethodPost {
			posts[r.path] = true
		}
	}
	for path := range hashesPassword {
		assert.True(t, posts[path], "%s is not a POST route", path)
	}
}

// The signed-in requests in hand are counted in the demand gauge while
// they are handled (email deliveries give way to them); public pages and
// password forms are not, and the count falls back when they are done.
func TestSignedInRequestsAreCountedAsDemand(t *testing.T) {
	t.Parallel()
	load := demand.NewGauge(1)
	var seen atomic.Int64
	h := limitSignedIn(func(c *fasthttp.RequestCtx) { seen.Store(int64(load.InFlight())) }, 0, "session", load)
	c := &fasthttp.RequestCtx{}
	c.Request.SetRequestURI("/my-training")
	c.Request.Header.SetCookie("session", "token")
	h(c)
	assert.Equal(t, int64(1), seen.Load(), "a signed-in request is counted while handled")
	assert.Zero(t, load.InFlight(), "and no longer once done")

	public := &fasthttp.RequestCtx{}
	public.Request.SetRequestURI("/courses")
	h(public)
	assert.Zero(t, seen.Load(), "a public page is not counted")
}
