package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/config"
)

// TestTrustedStaticClientSkipsConsent: a static client marked trusted goes from sign-in
// straight back with a code, and with prompt=none and a session it needs no page at all;
// an untrusted one still sees the consent page.
func TestTrustedStaticClientSkipsConsent(t *testing.T) {
	t.Parallel()
	s := Start(t, func(c *config.Config) {
		c.Clients = []config.StaticClient{
			{ClientID: "trusted-cli", TokenEndpointAuthMethod: "none", RedirectURIs: []string{loopbackCB}, Trusted: true},
			{ClientID: "plain-cli", TokenEndpointAuthMethod: "none", RedirectURIs: []string{loopbackCB}},
		}
	})
	s.CreateUser(t, "alice", testPassword)
	br := s.NewBrowser(t)
	authURL := func(client string, extra url.Values) string {
		q := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {loopbackCB}, "scope": {stableScope},
			"state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		for k, v := range extra {
			q[k] = v
		}
		return s.URL + "/authorize?" + q.Encode()
	}
	// Sign in on the way to the trusted client: no consent page, the code comes back at once.
	p := br.Follow(br.Follow(br.Get(authURL("trusted-cli", nil))))
	p = br.Submit(p, map[string]string{"username": "alice", "password": testPassword}, "")
	p = br.Follow(p)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, loopbackCB+"?code=") {
		t.Fatalf("trusted client after sign-in: %s", p)
	}
	// prompt=none with a session: straight back with a code.
	p = br.Get(authURL("trusted-cli", url.Values{"prompt": {"none"}}))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, loopbackCB+"?code=") {
		t.Errorf("trusted client, prompt=none: %s", p)
	}
	// The untrusted static client shows the consent page; prompt=none cannot skip it.
	p = br.Follow(br.Get(authURL("plain-cli", nil)))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Allow") {
		t.Errorf("untrusted client: %s", p)
	}
	p = br.Get(authURL("plain-cli", url.Values{"prompt": {"none"}}))
	if loc, _ := url.Parse(p.Location); p.Status != http.StatusSeeOther || loc.Query().Get("error") != "consent_required" {
		t.Errorf("untrusted client, prompt=none: %s", p)
	}
}
