package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// signupLinkOf returns the href of the sign-in page's link to the sign-up page, or "" when
// the page has none.
func signupLinkOf(t *testing.T, body string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var found string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.A {
			continue
		}
		if u, err := url.Parse(attr(n, "href")); err == nil && u.Path == account.PathRegister {
			if found != "" {
				t.Fatalf("two links to the sign-up page: %q and %q", found, attr(n, "href"))
			}
			found = attr(n, "href")
		}
	}
	return found
}

// TestLoginPageLeadsToSignup follows a client's /authorize to the sign-in page, as a person
// without an account does: while sign-up is open (or needs a token) the page links to the
// sign-up page with the same next, and signing up there goes on to the same consent page and
// the client's redirect URI with a code. While sign-up is closed there is no link.
func TestLoginPageLeadsToSignup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     string
		wantLink bool
	}{
		{"open", config.RegistrationOpen, true},
		{"token", config.RegistrationToken, true},
		{"closed", config.RegistrationClosed, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, func(c *config.Config) { c.Account.Registration = tc.mode })
			conf := oauthConfig(s, nativeClient(t, s, ""), loopbackCB, stableScope)
			br := s.NewBrowser(t)
			p := br.Follow(br.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))))
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, account.PathLogin+"?") {
				t.Fatalf("consent without a session: %s, want the sign-in page", p)
			}
			loginURL, err := p.URL.Parse(p.Location)
			if err != nil {
				t.Fatal(err)
			}
			next := loginURL.Query().Get("next")
			p = br.Follow(p)
			if p.Status != http.StatusOK {
				t.Fatalf("sign-in page: %s", p)
			}
			href := signupLinkOf(t, p.Body)
			if !tc.wantLink {
				if href != "" || strings.Contains(p.Body, "Create an account") {
					t.Errorf("sign-up is closed, but the sign-in page links to %q:\n%s", href, p.Body)
				}
				return
			}
			want := account.PathRegister + "?" + url.Values{"next": {next}}.Encode()
			if href != want {
				t.Fatalf("sign-up link %q, want %q (the sign-in page's next)", href, want)
			}
			target, err := p.URL.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			p = br.Get(target.String())
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `<strong class="client-name">Test App</strong>`) {
				t.Fatalf("sign-up page from the link: %s", p)
			}
			var extra map[string]string
			if tc.mode == config.RegistrationToken {
				extra = map[string]string{template.FieldRegistrationToken: addRegistrationToken(t, s, nil)}
			}
			p = br.Submit(p, signupFields("linked", extra), "")
			if p.Status != http.StatusSeeOther || p.Location != next {
				t.Fatalf("sign-up: %s, want a redirect to %s", p, next)
			}
			p = br.Follow(p)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `<strong class="username">linked</strong>`) {
				t.Fatalf("consent page after sign-up: %s", p)
			}
			p = br.Submit(p, nil, "action=allow")
			cb, err := url.Parse(p.Location)
			if p.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(p.Location, loopbackCB) ||
				cb.Query().Get("state") != "st" || cb.Query().Get("code") == "" {
				t.Fatalf("consent: %s, want the client's callback with a code", p)
			}
		})
	}
}
