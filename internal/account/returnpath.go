package account

import (
	"net/url"
	"regexp"
)

// returnPaths are the pages a person may be brought back to after signing
// up and confirming their address: a session's booking form, or a closed
// session's invite link. Nothing else travels in a sign-up or its emails.
var returnPaths = regexp.MustCompile(`^/(sessions/[1-9][0-9]{0,17}/book|invite/[A-Za-z0-9_-]{1,128})$`)

// ReturnPath keeps p only if it is the address of a booking form of this
// service, so that neither a crafted link nor a crafted sign-up can send a
// person to another site (//evil.example, https://evil.example, /\evil.example)
// or to another page of this one once they have signed in. It returns "" for
// anything else.
func ReturnPath(p string) string {
	if !returnPaths.MatchString(p) {
		return ""
	}
	return p
}

// linkReturning is link with the page to come back to, when there is one.
func (s *Service) linkReturning(path, token, next string) string {
	l := s.link(path, token)
	if next = ReturnPath(next); next == "" {
		return l
	}
	u, err := url.Parse(l)
	if err != nil {
		return l
	}
	v := u.Query()
	v.Set("next", next)
	u.RawQuery = v.Encode()
	return u.String()
}
