package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// proxies are the load balancers whose client-address header is believed.
type proxies struct {
	trusted []netip.Prefix
	header  string // e.g. X-Forwarded-For; "" when no proxy is trusted
}

// newProxies parses TRUSTED_PROXIES entries (IPs or CIDR ranges; config has
// checked them, and anything else is ignored).
func newProxies(entries []string, header string) proxies {
	var p proxies
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if pre, err := netip.ParsePrefix(e); err == nil {
			p.trusted = append(p.trusted, pre.Masked())
		} else if a, err := netip.ParseAddr(e); err == nil {
			a = a.Unmap()
			p.trusted = append(p.trusted, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if len(p.trusted) > 0 {
		p.header = header
		if p.header == "" {
			p.header = fiber.HeaderXForwardedFor
		}
	}
	return p
}

func (p proxies) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pre := range p.trusted {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of whoever sent the request, for the limits, the
// audit log, sessions and logs. When the direct peer is a trusted proxy, the
// header's list is read from the right (each proxy appends the address it
// heard from), skipping trusted proxies, and the first other address is the
// client's: anything to its left was written by the client and may be
// forged. Entries that are not addresses end the walk, as nothing left of
// them can be believed. Fiber's c.IP() would instead return the whole header,
// or its forgeable left-most entry.
func (a *app) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return ""
	}
	peer = peer.Unmap()
	if a.proxies.header == "" || !a.proxies.isTrusted(peer) {
		return peer.String()
	}
	client := peer
	values := c.Request().Header.PeekAll(a.proxies.header)
	// Several header lines are one list, in order.
	var entries []string
	for _, v := range values {
		entries = append(entries, strings.Split(string(v), ",")...)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		addr, ok := parseForwarded(entries[i])
		if !ok {
			break
		}
		client = addr
		if !a.proxies.isTrusted(addr) {
			break
		}
	}
	return client.String()
}

// parseForwarded reads one entry of an X-Forwarded-For style list: an IP
// address, perhaps with a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseForwarded(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
