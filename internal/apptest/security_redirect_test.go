package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// hostileNexts are values of next that must never become the target of a redirect: other
// origins in the spellings browsers accept (RFC 3986 network-path references, WHATWG URL's
// backslash-as-slash and its removal of tabs and newlines), schemes, paths that leave the
// server's path prefix once a browser removes their dot segments (WHATWG URL decodes %2e), and
// absurd lengths. The server here lives under /auth/.
var hostileNexts = []string{
	"//evil.example/",
	"/\\evil.example/",
	"\\/\\/evil.example/",
	"https://evil.example/",
	"HTTPS://evil.example/",
	"javascript:alert(1)",
	"/%2F%2Fevil.example/",
	"/\t/evil.example/",
	"/\n/evil.example/",
	"/auth/\t/../\t/evil.example/",
	" //evil.example/",
	"/other/app",
	"/auth",
	"/authx/account/",
	"/auth/../other/app",
	"/auth/%2e%2e/other/app",
	"/auth/%2E./other/app",
	"/auth/.%2e/other/app",
	"/auth/./../other/app",
	"/auth/account/..",
	"/auth/\\..\\other",
	"/auth/account/\x00",
	"/auth/" + strings.Repeat("a", 10000),
}

// wantSafeLocation checks that a redirect went where it should: exactly want, a path
// under the prefix with no dot segment.
func wantSafeLocation(t *testing.T, what, next string, p Page, want string) {
	t.Helper()
	if p.Status != http.StatusSeeOther {
		t.Errorf("%s with next %.80q: status %d, want 303:\n%.300s", what, next, p.Status, p)
		return
	}
	if p.Location != want {
		t.Errorf("%s with next %.80q: Location %.80q, want %q", what, next, p.Location, want)
	}
}

// TestNextNeverLeavesThePrefix tries every hostile next on every redirect that follows one:
// the sign-in form (posted, and opened while signed in), sign-out and sign-up. Each must fall
// back to its own page; a good next (a path under the prefix) is followed.
func TestNextNeverLeavesThePrefix(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.HTTP.PublicURL += "auth/" }))
	s.CreateUser(t, "alice", testPassword)
	const good = "/auth/account/devices?x=1"

	signInWith := func(br *Browser, next string) Page {
		p := br.Get(s.URL + "/auth/login")
		return postFrom(t, br, s.URL+"/auth/login", url.Values{
			template.FieldCSRF: {csrfOf(t, p)}, template.FieldNext: {next},
			template.FieldUsername: {"alice"}, template.FieldPassword: {testPassword},
		}, nil)
	}
	signedIn := s.NewBrowser(t)
	wantSafeLocation(t, "signing in", good, signInWith(signedIn, good), good)
	wantBody(t, signedIn.Get(s.URL+"/auth/account/"), http.StatusOK, "<h1>Your account</h1>")

	for i, next := range append(hostileNexts, good) {
		want := func(fallback string) string {
			if next == good {
				return good
			}
			return fallback
		}
		t.Run("", func(t *testing.T) {
			br := s.NewBrowser(t)
			wantSafeLocation(t, "signing in", next, signInWith(br, next), want("/auth/login"))

			p := signedIn.Get(s.URL + "/auth/login?" + url.Values{"next": {next}}.Encode())
			if next == good {
				wantSafeLocation(t, "opening the sign-in page signed in", next, p, good)
			} else if p.Status != http.StatusOK {
				t.Errorf("opening the sign-in page signed in with next %.80q: %.300s", next, p)
			}

			logoutBrowser := s.NewBrowser(t)
			wantSafeLocation(t, "signing in", good, signInWith(logoutBrowser, good), good)
			p = postFrom(t, logoutBrowser, s.URL+"/auth/logout", url.Values{
				template.FieldCSRF: {csrfOf(t, logoutBrowser.Get(s.URL+"/auth/account/"))}, template.FieldNext: {next},
			}, nil)
			wantSafeLocation(t, "signing out", next, p, want("/auth/login"))

			signup := s.NewBrowser(t)
			form := signup.Get(s.URL + "/auth/register")
			values := url.Values{template.FieldCSRF: {csrfOf(t, form)}, template.FieldNext: {next}}
			for k, v := range signupFields("newcomer"+string(rune('a'+i%26))+strings.Repeat("x", i/26), nil) {
				values.Set(k, v)
			}
			wantSafeLocation(t, "signing up", next, postFrom(t, signup, s.URL+"/auth/register", values, nil), want("/auth/register/welcome"))
		})
	}
}
