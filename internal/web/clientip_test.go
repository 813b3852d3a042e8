package web

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/valyala/fasthttp"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	f := fiber.New()
	trusted := &app{proxies: newProxies([]string{"10.0.0.0/8", "192.0.2.10"}, "X-Forwarded-For")}
	none := &app{proxies: newProxies(nil, "X-Forwarded-For")}
	cases := []struct {
		name    string
		a       *app
		peer    string
		headers []string // X-Forwarded-For lines
		want    string
	}{
		{"no proxies trusted: the peer, header ignored", none, "203.0.113.7", []string{"198.51.100.1"}, "203.0.113.7"},
		{"untrusted peer: header ignored", trusted, "203.0.113.7", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted peer, one client", trusted, "10.0.0.2", []string{"203.0.113.7"}, "203.0.113.7"},
		{"a forged left-most entry is not believed", trusted, "10.0.0.2", []string{"6.6.6.6, 203.0.113.7"}, "203.0.113.7"},
		{"trusted inner proxies are skipped", trusted, "10.0.0.2", []string{"6.6.6.6, 203.0.113.7, 192.0.2.10, 10.1.2.3"}, "203.0.113.7"},
		{"several header lines are one list", trusted, "10.0.0.2", []string{"6.6.6.6", "203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"ports and IPv6", trusted, "10.0.0.2", []string{"[2001:db8::1]:4711, 10.0.0.3:80"}, "2001:db8::1"},
		{"junk ends the walk at the last address believed", trusted, "10.0.0.2", []string{"203.0.113.7, not-an-ip, 10.0.0.9"}, "10.0.0.9"},
		{"an empty header: the peer", trusted, "10.0.0.2", nil, "10.0.0.2"},
		{"IPv4-mapped IPv6 peers are IPv4", trusted, "::ffff:10.0.0.2", []string{"203.0.113.7"}, "203.0.113.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := &fasthttp.RequestCtx{}
			rc.SetRemoteAddr(&net.TCPAddr{IP: net.ParseIP(tc.peer), Port: 5000})
			for _, h := range tc.headers {
				rc.Request.Header.Add("X-Forwarded-For", h)
			}
			c := f.AcquireCtx(rc)
			defer f.ReleaseCtx(c)
			assert.Equal(t, tc.want, tc.a.clientIP(c))
		})
	}
}
