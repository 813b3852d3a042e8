package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request ID carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// A request ID from a load balancer is kept if it looks like one; anything
// else is replaced, so a client cannot write arbitrary text into our logs.
var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestContext gives every request an ID (echoed in X-Request-ID) and a
// context with a deadline, which handlers pass down as c.UserContext().
func (a *app) requestContext(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !goodRequestID.MatchString(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(fiber.HeaderXRequestID, id)
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), requestIDKey, id), a.deps.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// accessLog writes one line per request, after the error handler has chosen
// the status.
func (a *app) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	path := loggedPath(c.Path())
	a.log.LogAttrs(c.UserContext(), level, "request",
		slog.String("method", c.Method()),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.Int("bytes", len(c.Response().Body())),
		slog.String("ip", a.clientIP(c)),
	)
	return nil
}

func (a *app) logPanic(c *fiber.Ctx, e any) {
	a.log.ErrorContext(c.UserContext(), "panic", "panic", e, "stack", string(debug.Stack()))
}

// LogHandler wraps h so that every record logged with a request's context
// carries that request's ID.
func LogHandler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// loggedPath is a request path fit for the logs: secret links (a calendar
// feed, a closed session's invite, a line manager's follow-up or approval) are replaced by a placeholder.
func loggedPath(path string) string {
	switch {
	case strings.HasPrefix(path, "/calendar/"):
		return "/calendar/(secret).ics"
	case strings.HasPrefix(path, "/invite/"):
		return "/invite/(secret)"
	case strings.HasPrefix(path, "/follow-ups/"):
		return "/follow-ups/(secret)"
	case strings.HasPrefix(path, "/approvals/"):
		return "/approvals/(secret)"
	}
	return path
}
