package policy

import (
	"strings"
	"testing"
)

func TestMatchRedirectURI(t *testing.T) {
	t.Parallel()
	registered := []string{
		"https://app.element.io/?no_universal_links=true",
		"io.element:/callback",
		"http://127.0.0.1/callback",
		"http://localhost/cb",
		"http://[::1]/",
		"http://127.0.0.1",
	}
	tests := []struct {
		requested string
		ok        bool
	}{
		{"https://app.element.io/?no_universal_links=true", true},
		{"io.element:/callback", true},
		{"http://127.0.0.1/callback", true},
		// R35: a loopback URI matches with any port, and nothing else changes.
		{"http://127.0.0.1:54321/callback", true},
		{"http://127.0.0.1:1/callback", true},
		{"http://127.0.0.1:65535/callback", true},
		{"http://127.0.0.1:54321/callback2", false},
		{"http://127.0.0.1:54321/callback/", false},
		{"http://127.0.0.1:54321/Callback", false},
		{"http://127.0.0.1:54321/callback?x=1", false},
		{"http://127.0.0.1:54321/callback#x", false},
		{"http://localhost:8080/cb", true},
		{"http://[::1]:8080/", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:65536/callback", false},
		{"http://127.0.0.1:/callback", false},
		{"http://127.0.0.1:+80/callback", false},
		{"http://127.0.0.1:80:80/callback", false},
		{"http://user@127.0.0.1:80/callback", false},
		{"http://user@127.0.0.1/callback", false},
		{"https://127.0.0.1:443/callback", false},
		{"http://127.0.0.2:80/callback", false},
		{"http://LOCALHOST:8080/cb", false},
		{"http://localhost.:8080/cb", false},
		// Exact matching for everything else: no normalisation of any kind.
		{"https://app.element.io/?no_universal_links=true#", false},
		{"https://app.element.io:443/?no_universal_links=true", false},
		{"https://APP.element.io/?no_universal_links=true", false},
		{"https://app.element.io?no_universal_links=true", false},
		{"https://app.element.io/", false},
		{"io.element:/callback/", false},
		{"io.element:/Callback", false},
		{"IO.element:/callback", false},
		{"io.element:/callback#", false},
		{"", false},
	}
	for _, tc := range tests {
		got, ok := MatchRedirectURI(registered, tc.requested)
		if ok != tc.ok {
			t.Errorf("MatchRedirectURI(%q) ok = %v; want %v", tc.requested, ok, tc.ok)
		}
		if ok && got != tc.requested {
			t.Errorf("MatchRedirectURI(%q) = %q; want the requested URI", tc.requested, got)
		}
		if !ok && got != "" {
			t.Errorf("MatchRedirectURI(%q) = %q on no match; want \"\"", tc.requested, got)
		}
	}
}

// TestMatchRedirectURIPortOnlyForLoopback: a registered URI with a port, or a non-loopback
// http URI, gets no port tolerance.
func TestMatchRedirectURIPortOnlyForLoopback(t *testing.T) {
	t.Parallel()
	registered := []string{"http://127.0.0.1:8000/cb", "http://example.com/cb", "https://example.com/cb"}
	for _, requested := range []string{"http://127.0.0.1:9000/cb", "http://127.0.0.1/cb", "http://example.com:8080/cb", "https://example.com:8443/cb"} {
		if _, ok := MatchRedirectURI(registered, requested); ok {
			t.Errorf("MatchRedirectURI(%q) matched", requested)
		}
	}
	if _, ok := MatchRedirectURI(nil, "http://127.0.0.1:8000/cb"); ok {
		t.Error("matched against no registered URI")
	}
}

func FuzzMatchRedirectURI(f *testing.F) {
	f.Add("http://127.0.0.1/callback\nio.element:/callback", "http://127.0.0.1:54321/callback")
	f.Add("http://[::1]/", "http://[::1]:8080/")
	f.Add("http://localhost/cb", "http://localhost:65535/cb")
	f.Add("https://app.element.io/?no_universal_links=true", "https://app.element.io/?no_universal_links=true")
	f.Add("http://127.0.0.1/cb#x", "http://127.0.0.1:80/cb#x")
	f.Add("http://127.0.0.1", "http://127.0.0.1:1")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, registeredText, requested string) {
		registered := strings.Split(registeredText, "\n")
		got, ok := MatchRedirectURI(registered, requested)
		if !ok {
			if got != "" {
				t.Fatalf("no match but returned %q", got)
			}
			if !strings.Contains(requested, "#") && contains(registered, requested) {
				t.Fatalf("%q is registered but did not match", requested)
			}
			if r, found := loopbackOracle(registered, requested); found {
				t.Fatalf("%q should match the loopback URI %q", requested, r)
			}
			return
		}
		if got != requested {
			t.Fatalf("returned %q; want the requested %q", got, requested)
		}
		if strings.Contains(requested, "#") {
			t.Fatalf("matched %q, which has a fragment", requested)
		}
		if contains(registered, requested) {
			return
		}
		if _, found := loopbackOracle(registered, requested); !found {
			t.Fatalf("%q matched although it is neither registered nor a loopback URI with a port", requested)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// loopbackOracle finds, working from the registered side rather than the requested one as
// stripLoopbackPort does, a registered port-less loopback URI that requested equals with a
// port in 1–65535 inserted after the host.
func loopbackOracle(registered []string, requested string) (string, bool) {
	const scheme = len("http://")
	if strings.Contains(requested, "#") {
		return "", false
	}
	for _, r := range registered {
		if len(r) < scheme || !strings.EqualFold(r[:scheme], "http://") {
			continue
		}
		rest := r[scheme:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		host, tail := rest[:end], rest[end:]
		if !strings.EqualFold(host, "localhost") && host != "127.0.0.1" && host != "[::1]" {
			continue
		}
		prefix := r[:scheme+len(host)] + ":"
		if !strings.HasPrefix(requested, prefix) {
			continue
		}
		if port, ok := strings.CutSuffix(requested[len(prefix):], tail); ok && validPortOracle(port) {
			return r, true
		}
	}
	return "", false
}

func validPortOracle(port string) bool {
	if port == "" || len(port) > 5 {
		return false
	}
	n := 0
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}
