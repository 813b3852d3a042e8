package web

import (
	"github.com/valyala/fasthttp"

	"github.com/pscp/booktraining/internal/demand"
)

// limitSignedIn lets at most n requests of signed-in people be handled at
// once; the others wait, in the order they came, before the app does
// anything for them.
//
// In a booking rush hundreds of people post at the same instant, and all
// but the pool's few wait for a database connection. Waiting there, deep in
// the handler, each holds a grown goroutine stack, its Fiber context and
// what its middleware has read: about 30 KB a request, 15 MB for 500.
// Waiting here each holds only the request fasthttp has read; the pool is
// as busy either way, since n is several times its size.
//
// Requests without the sign-in cookie pass at once (the public pages:
// cheap, cached), and so do those that hash a password, cookie or not (a
// sign-in form carries the cookie of its anonymous session): they wait for
// the password-hashing slots instead (internal/password). Were they limited
// too, 200 people signing in at once would hold every place while they
// queue for a hash, and bookings would wait behind them.
//
// The requests let through are counted in load (internal/demand) while
// they are handled, so that email deliveries give way to them in a rush.
func limitSignedIn(next fasthttp.RequestHandler, n int, cookie string, load *demand.Gauge) fasthttp.RequestHandler {
	if n <= 0 && load == nil {
		return next
	}
	var slots chan struct{}
	if n > 0 {
		slots = make(chan struct{}, n)
	}
	return func(c *fasthttp.RequestCtx) {
		if len(c.Request.Header.Cookie(cookie)) == 0 || hashesPassword[string(c.Path())] {
			next(c)
			return
		}
		if slots != nil {
			slots <- struct{}{}
			defer func() { <-slots }()
		}
		load.Enter()
		defer load.Leave()
		next(c)
	}
}

// hashesPassword are the paths whose forms hash or check a password
// (routes.go).
var hashesPassword = map[string]bool{
	"/sign-in": true, "/sign-up": true, "/reset-password": true, "/account/password": true, "/account/delete": true,
}
