package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
)

const (
	localSession = "session"
	localUser    = "user"
)

// cookieName is __Host- prefixed (Secure, Path=/, no Domain) except on
// http://localhost during development, where a Secure cookie would not be
// sent back and the prefix is then not allowed.
func (a *app) cookieName() string {
	if a.deps.CookieSecure {
		return "__Host-session"
	}
	return "session"
}

func (a *app) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: a.cookieName(), Value: token, Path: "/",
		Secure: a.deps.CookieSecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (a *app) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: a.cookieName(), Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: a.deps.CookieSecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// deviceCookieName is the cookie that marks a browser where someone has
// signed in, so that their attempts are not blocked by failures of others
// at the same IP address (account.SignInOnDevice).
func (a *app) deviceCookieName() string {
	if a.deps.CookieSecure {
		return "__Host-device"
	}
	return "device"
}

func (a *app) setDeviceCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: a.deviceCookieName(), Value: token, Path: "/", MaxAge: int(account.DeviceLife / time.Second),
		Secure: a.deps.CookieSecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
	})
}

// loadSession finds the browser's session and the person signed in to it.
func (a *app) loadSession(c *fiber.Ctx) error {
	token := c.Cookies(a.cookieName())
	if token == "" {
		return c.Next()
	}
	ctx := c.UserContext()
	sess, err := a.deps.Accounts.Session(ctx, token)
	if errors.Is(err, account.ErrNoSession) {
		a.clearSessionCookie(c)
		return c.Next()
	} else if err != nil {
		return err
	}
	if sess.UserID != nil {
		u, err := a.deps.Accounts.User(ctx, *sess.UserID)
		if err != nil {
			return err
		}
		if u.Erased {
			a.clearSessionCookie(c)
			return c.Next()
		}
		c.Locals(localUser, &u)
		c.SetUserContext(actor.With(ctx, actorOf(&u, a.clientIP(c))))
		// Pages for a signed-in person show their data: never cache them.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	c.Locals(localSession, &sess)
	return c.Next()
}

func currentSession(c *fiber.Ctx) *account.Session {
	s, _ := c.Locals(localSession).(*account.Session)
	return s
}

// currentUser is the signed-in person, or nil.
func currentUser(c *fiber.Ctx) *account.User {
	u, _ := c.Locals(localUser).(*account.User)
	return u
}

// ensureSession gives an anonymous visitor a session before showing a form,
// so the form carries a CSRF token the POST can be checked against.
func (a *app) ensureSession(c *fiber.Ctx) (*account.Session, error) {
	if s := currentSession(c); s != nil {
		return s, nil
	}
	token, sess, err := a.deps.Accounts.StartSession(c.UserContext(), nil, a.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return nil, err
	}
	a.setSessionCookie(c, token)
	c.Locals(localSession, &sess)
	return &sess, nil
}

// errCSRF means a state-changing request did not carry its session's token.
var errCSRF = errors.New("missing or wrong CSRF token")

// csrfProtect refuses every state-changing request whose form does not carry
// the session's CSRF token. SameSite=Lax cookies already stop most cross-site
// posts; this stops the rest, including sign-in CSRF.
func (a *app) csrfProtect(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if a.isJobsUI(c) {
		// River UI's JSON API: guarded by cross-origin protection (jobsui.go).
		return c.Next()
	}
	sess := currentSession(c)
	if sess == nil && c.Path() == "/sign-out" {
		// Already signed out (the session expired): nothing to forge.
		return c.Next()
	}
	if sess == nil || !sess.CSRFMatches(c.FormValue("_csrf")) {
		return errCSRF
	}
	return c.Next()
}

// errSignInNeeded sends a person who is not signed in to the sign-in page.
var errSignInNeeded = errors.New("sign in needed")

// signedIn lets a request through only for a signed-in person.
func signedIn(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return errSignInNeeded
	}
	return c.Next()
}

// requireRole lets a request through only for a person holding one of roles.
// The check is on the server for every restricted page and action.
func requireRole(roles ...account.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			return errSignInNeeded
		}
		for _, r := range roles {
			if u.Has(r) {
				return c.Next()
			}
		}
		return fiber.ErrForbidden
	}
}

// actorOf is u acting from ip: the one Actor every domain method that
// changes something reads from the request's context.
func actorOf(u *account.User, ip string) actor.Actor {
	return actor.Actor{
		ID: u.ID, Name: u.FullName, Email: u.Email, AgencyID: u.AgencyID, Verified: u.Verified,
		Manager: u.Has(account.Manager), Coordinator: u.Has(account.Coordinator), Trainer: u.Has(account.Trainer),
		IP: ip,
	}
}
