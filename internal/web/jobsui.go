package web

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/pscp/booktraining/internal/queue"
)

// River UI is a single-page app: its page loads a script that calls its
// JSON API under the same prefix (list jobs, retry, cancel, delete, pause a
// queue). Three of our rules for pages are scoped for it, and why:
//
//   - CSRF: its POSTs are JSON sent by its script, which cannot carry our
//     form's _csrf field, so csrfProtect lets the prefix through and Go's
//     http.CrossOriginProtection guards it instead: a state-changing request
//     is refused unless the browser says it came from our own origin
//     (Sec-Fetch-Site, or Origin against Host). With SameSite=Lax session
//     cookies, this is what the form token gives the rest of the app.
//   - CSP: its page and script are its own (no inline script: its config is
//     a JSON data block), but its script writes inline styles (tried in
//     Chromium: eleven refusals under style-src 'self'), so jobsUICSP allows
//     'unsafe-inline' styles on this prefix only; scripts stay 'self' only,
//     and nothing else is widened.
//   - GOV.UK, 320 px and axe: its screens are River's, not ours; it is an
//     operators' tool for a desktop browser. The browser test loads it and
//     checks its API calls work and the CSP refuses nothing.
const jobsUICSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'none'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func jobsUIHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, jobsUICSP)
	return c.Next()
}

// jobsUI is River UI behind cross-origin protection, as a Fiber handler.
func (a *app) jobsUI() fiber.Handler {
	return serveHTTP(http.NewCrossOriginProtection().Handler(a.deps.JobsUI))
}

// serveHTTP runs a net/http handler for a Fiber request, with the request's
// own context (its ID and deadline) as the http.Request's. Fiber's adaptor
// alone passes fasthttp's RequestCtx, whose Done is read without a lock
// by every context derived from it (River UI derives some), racing with
// the server's shutdown.
func serveHTTP(h http.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		return adaptor.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(ctx))
		}))(c)
	}
}

// isJobsUI reports whether a request is for River UI (see above for its
// CSRF protection).
func (a *app) isJobsUI(c *fiber.Ctx) bool {
	return a.deps.JobsUI != nil && (c.Path() == queue.UIPrefix || strings.HasPrefix(c.Path(), queue.UIPrefix+"/"))
}
