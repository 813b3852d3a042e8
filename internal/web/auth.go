package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/scope"
)

const (
	localLogin = "login"
	localUser  = "user"
)

// cookieName is the login cookie's name, kept as "session" so that nobody is
// signed out by its rename to login. It is __Host- prefixed (Secure, Path=/, no Domain) except on
// http://localhost during development, where a Secure cookie would not be
// sent back and the prefix is then not allowed.
func (a *app) cookieName() string {
	if a.deps.CookieSecure {
		return "__Host-session"
	}
	return "session"
}

func (a *app) setLoginCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: a.cookieName(), Value: token, Path: "/",
		Secure: a.deps.CookieSecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (a *app) clearLoginCookie(c *fiber.Ctx) {
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

// loadLogin finds the browser's login and the person signed in with it, and
// puts them, as the Actor, in the request's context.
func (a *app) loadLogin(c *fiber.Ctx) error {
	token := c.Cookies(a.cookieName())
	if token == "" {
		return c.Next()
	}
	ctx := c.UserContext()
	l, err := a.deps.Accounts.Login(ctx, token)
	if errors.Is(err, account.ErrNoLogin) {
		a.clearLoginCookie(c)
		return c.Next()
	} else if err != nil {
		return err
	}
	if u := l.User; u != nil {
		if u.Erased {
			a.clearLoginCookie(c)
			return c.Next()
		}
		c.Locals(localUser, u)
		c.SetUserContext(actor.With(ctx, actorOf(u, a.clientIP(c))))
		// Pages for a signed-in person show their data: never cache them.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	c.Locals(localLogin, &l)
	return c.Next()
}

// currentLogin is the browser's login, signed in or not, or nil.
func currentLogin(c *fiber.Ctx) *account.Login {
	l, _ := c.Locals(localLogin).(*account.Login)
	return l
}

// currentUser is the signed-in person, or nil.
func currentUser(c *fiber.Ctx) *account.User {
	u, _ := c.Locals(localUser).(*account.User)
	return u
}

// ensureLogin gives an anonymous visitor a login before showing a form, so
// the form carries a CSRF token the POST can be checked against.
func (a *app) ensureLogin(c *fiber.Ctx) (*account.Login, error) {
	if l := currentLogin(c); l != nil {
		return l, nil
	}
	token, l, err := a.deps.Accounts.StartLogin(c.UserContext(), nil, a.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return nil, err
	}
	a.setLoginCookie(c, token)
	c.Locals(localLogin, &l)
	return &l, nil
}

// errCSRF means a state-changing request did not carry its login's token.
var errCSRF = errors.New("missing or wrong CSRF token")

// csrfProtect refuses every state-changing request whose form does not carry
// the login's CSRF token. SameSite=Lax cookies already stop most cross-site
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
	l := currentLogin(c)
	if l == nil && c.Path() == "/sign-out" {
		// Already signed out (the login expired): nothing to forge.
		return c.Next()
	}
	if l == nil || !l.CSRFMatches(c.FormValue("_csrf")) {
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

// managing lets through training managers only, and from there on runs the
// request's statements in their partnership's scope: PostgreSQL shows and
// lets them change only their partnership's rows (internal/scope), whatever
// a handler forgets to filter.
func managing(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		return errSignInNeeded
	}
	if !u.Has(account.Manager) || u.ManagesPartnershipID == 0 {
		return fiber.ErrForbidden
	}
	c.SetUserContext(scope.Managing(c.UserContext(), u.ManagesPartnershipID))
	return c.Next()
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
