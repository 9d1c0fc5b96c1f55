package web

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientIP feeds arbitrary X-Forwarded-For values from a trusted proxy: the walk must not
// panic, must return the peer or an address written in the header, and must never return a
// trusted address while an untrusted one stands to its right.
func FuzzClientIP(f *testing.F) {
	for _, seed := range []string{
		"", "198.51.100.4", "6.6.6.6, 198.51.100.4", "10.1.1.1,10.2.2.2", "[2001:db8::1]",
		"198.51.100.4:80", "unknown", ",,,", "fe80::1%eth0", "::ffff:10.0.0.1", "[::1]:443, 10.0.0.9",
	} {
		f.Add(seed)
	}
	trust := newProxyTrust([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	peer := netip.MustParseAddr("10.0.0.1")
	f.Fuzz(func(t *testing.T, xff string) {
		got := trust.clientIP(peer, true, []string{xff})
		if got == peer {
			return
		}
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("clientIP(%q) = %v: not a plain address", xff, got)
		}
		found := false
		for entry := range strings.SplitSeq(xff, ",") {
			if a, ok := parseForwardedAddr(strings.TrimSpace(entry)); ok && a == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("clientIP(%q) = %v, which the header does not hold", xff, got)
		}
		if untrusted := trust.clientIP(peer, false, []string{xff}); untrusted != peer {
			t.Fatalf("an untrusted peer's header was believed: %v", untrusted)
		}
	})
}

func TestNewProxyTrustNormalizes(t *testing.T) {
	t.Parallel()
	trust := newProxyTrust([]netip.Prefix{
		netip.MustParsePrefix("10.1.2.3/8"), // host bits set
		netip.MustParsePrefix("::ffff:172.16.0.0/108"),
		{}, // invalid, ignored
	})
	tests := []struct {
		addr string
		want bool
	}{
		{"10.200.0.1", true},
		{"172.31.255.255", true},
		{"172.32.0.1", false},
		{"11.0.0.1", false},
	}
	for _, tt := range tests {
		if got := trust.trusts(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("trusts(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
