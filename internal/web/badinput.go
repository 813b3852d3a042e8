package web

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// errUnreadableInput means a request's address or form held a NUL byte or
// bytes that are not UTF-8. PostgreSQL refuses both in text, so such a
// request is answered 400 with a page saying so before any handler (or the
// session lookup) sees it.
var errUnreadableInput = errors.New("request holds a NUL byte or invalid UTF-8")

// refuseUnreadableInput checks the parts of a request that handlers read as
// text: the path (raw and percent-decoded, as handlers decode path
// parameters themselves), every query parameter, and an urlencoded or
// multipart form's fields and file names. Other control characters are
// legal here; the domain's field checks (internal/validation) clean or refuse
// them. Cookies are not checked: the only one read is the session token,
// which is hashed before it is looked up, so a damaged one is simply unknown.
func (a *app) refuseUnreadableInput(c *fiber.Ctx) error {
	if !readablePath(c.Request().URI().PathOriginal()) {
		return errUnreadableInput
	}
	ok := true
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		ok = ok && readable(k) && readable(v)
	})
	if !ok {
		return errUnreadableInput
	}
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			ok = ok && readable(k) && readable(v)
		})
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			return fiber.ErrBadRequest
		}
		for k, vs := range form.Value {
			ok = ok && readableString(k)
			for _, v := range vs {
				ok = ok && readableString(v)
			}
		}
		for k, fs := range form.File {
			ok = ok && readableString(k)
			for _, f := range fs {
				ok = ok && readableString(f.Filename)
			}
		}
	}
	if !ok {
		return errUnreadableInput
	}
	return c.Next()
}

// readablePath reports whether a raw request path, and the same path with
// its percent escapes decoded, are UTF-8 without NUL. A path whose escapes
// do not decode is left for the router (it is not found).
func readablePath(raw []byte) bool {
	if !readable(raw) {
		return false
	}
	decoded, err := url.PathUnescape(string(raw))
	return err != nil || readableString(decoded)
}

func readable(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func readableString(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
