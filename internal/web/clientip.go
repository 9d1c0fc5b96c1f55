package web

import (
	"net/netip"
	"strings"
)

// proxyTrust decides which peers may tell us who the client is.
//
// A peer is trusted when its address lies in one of the configured prefixes, or when it is
// connected over a Unix socket: only a process on this machine can reach a Unix socket, and
// in practice that process is the reverse proxy in front of mxauth. An empty prefix list
// trusts no TCP peer; internal/config supplies the defaults (private ranges, SYNAPSE.md
// `http.trusted_proxies`).
type proxyTrust struct {
	prefixes []netip.Prefix
}

func newProxyTrust(prefixes []netip.Prefix) proxyTrust {
	normalized := make([]netip.Prefix, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		// An IPv4 prefix written in IPv4-mapped IPv6 form would never match the unmapped
		// addresses we compare against.
		addr := p.Addr()
		bits := p.Bits()
		if addr.Is4In6() {
			addr = addr.Unmap()
			bits -= 96
			if bits < 0 {
				bits = 0
			}
		}
		normalized = append(normalized, netip.PrefixFrom(addr.WithZone(""), bits).Masked())
	}
	return proxyTrust{prefixes: normalized}
}

func (t proxyTrust) trusts(a netip.Addr) bool {
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer parses http.Request.RemoteAddr. A Unix-socket peer has no IP address (RemoteAddr is ""
// or "@", or a socket path), is trusted, and yields the zero Addr.
func (t proxyTrust) peer(remoteAddr string) (addr netip.Addr, trusted bool) {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		addr = ap.Addr().Unmap().WithZone("")
		return addr, t.trusts(addr)
	}
	if remoteAddr == "" || remoteAddr == "@" || strings.HasPrefix(remoteAddr, "/") {
		return netip.Addr{}, true
	}
	// Not something net/http produces: believe nothing.
	return netip.Addr{}, false
}

// clientIP picks the client's address. For an untrusted peer that is the peer itself.
// For a trusted one it walks X-Forwarded-For from right to left (each proxy appends the
// address it saw, so only the right-most entries are vouched for) and returns the first
// address that is not itself a trusted proxy. When every entry is trusted, the left-most one
// is the best we know. An entry that does not parse stops the walk at the last good
// address, since whoever wrote it could have written anything to its left.
//
// fields are the X-Forwarded-For header lines in order; a proxy may add a new line rather
// than extend the last one (RFC 9110 §5.3 makes both equivalent).
func (t proxyTrust) clientIP(peer netip.Addr, peerTrusted bool, fields []string) netip.Addr {
	if !peerTrusted {
		return peer
	}
	client := peer
	for i := len(fields) - 1; i >= 0; i-- {
		rest := fields[i]
		for rest != "" {
			var entry string
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				entry, rest = rest[j+1:], rest[:j]
			} else {
				entry, rest = rest, ""
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			addr, ok := parseForwardedAddr(entry)
			if !ok {
				return client
			}
			client = addr
			if !t.trusts(addr) {
				return client
			}
		}
	}
	return client
}

// parseForwardedAddr accepts the forms proxies write into X-Forwarded-For: a bare IPv4 or
// IPv6 address, and (from a few proxies) a bracketed IPv6 address, or an address with a port.
func parseForwardedAddr(s string) (netip.Addr, bool) {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}
