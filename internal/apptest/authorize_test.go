package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// validChallenge is the S256 challenge of RFC 7636 Appendix B's verifier.
const validChallenge = "E9Melhoa2OwvFrEMTJguCHaoeJxDUCm_RE98j0w6mYQ"

func authorizeQuery(clientID string, edit func(url.Values)) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:5555/callback"},
		"scope": {stableScope}, "state": {"st"}, "code_challenge": {validChallenge}, "code_challenge_method": {"S256"},
	}
	if edit != nil {
		edit(q)
	}
	return "/authorize?" + q.Encode()
}

// TestAuthorizeErrorPages: an unknown client or an unregistered redirect URI is shown to the
// person and never redirected (R34, R35).
func TestAuthorizeErrorPages(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	clientID := nativeClient(t, s, "")
	tests := []struct {
		name string
		edit func(url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "01JUNKNOWNCLIENT0000000000") }},
		{"no client", func(q url.Values) { q.Del("client_id") }},
		{"repeated client", func(q url.Values) { q.Add("client_id", clientID) }},
		{"no redirect_uri", func(q url.Values) { q.Del("redirect_uri") }},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }},
		{"loopback other path", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:5555/callback2") }},
		{"loopback trailing slash", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:5555/callback/") }},
		{"loopback https", func(q url.Values) { q.Set("redirect_uri", "https://127.0.0.1:5555/callback") }},
		{"scheme case", func(q url.Values) { q.Set("redirect_uri", "ORG.example.app:/cb") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := s.NewBrowser(t).Get(s.URL + authorizeQuery(clientID, tt.edit))
			if p.Status != http.StatusBadRequest || p.Location != "" || !strings.Contains(p.Body, "<main") {
				t.Errorf("want an error page without redirect, got %s", p)
			}
		})
	}
}

// TestAuthorizeErrorRedirects: once the client and redirect URI are known, errors go back to
// the client with the state (R37–R39, R42, R43, R46, R32).
func TestAuthorizeErrorRedirects(t *testing.T) {
	t.Parallel()
	s := Start(t, manyRegistrations)
	clientID := nativeClient(t, s, "")
	noCode := registerRaw(t, s, `{"client_uri":"https://app.example.org/","application_type":"native",`+
		`"redirect_uris":["`+loopbackCB+`"],"token_endpoint_auth_method":"none","grant_types":["refresh_token"]}`)
	tests := []struct {
		name, client string
		edit         func(url.Values)
		code         string
		fragment     bool
	}{
		{"response_type token", clientID, func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", false},
		{"no response_type", clientID, func(q url.Values) { q.Del("response_type") }, "invalid_request", false},
		{"no PKCE", clientID, func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request", false},
		{"plain PKCE", clientID, func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request", false},
		{"PKCE method missing", clientID, func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request", false},
		{"short challenge", clientID, func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request", false},
		{"no device scope", clientID, func(q url.Values) { q.Set("scope", "urn:matrix:client:api:*") }, "invalid_scope", false},
		{"two devices", clientID, func(q url.Values) { q.Set("scope", stableScope+" urn:matrix:client:device:OTHER") }, "invalid_scope", false},
		{"unknown scope", clientID, func(q url.Values) { q.Set("scope", stableScope+" urn:synapse:admin:*") }, "invalid_scope", false},
		{"quote in device", clientID, func(q url.Values) { q.Set("scope", `urn:matrix:client:api:* urn:matrix:client:device:a"b`) }, "invalid_scope", false},
		{"repeated scope", clientID, func(q url.Values) { q.Add("scope", stableScope) }, "invalid_request", false},
		{"bad response_mode", clientID, func(q url.Values) { q.Set("response_mode", "form_post") }, "invalid_request", false},
		{"fragment mode error", clientID, func(q url.Values) { q.Set("response_mode", "fragment"); q.Set("response_type", "token") }, "unsupported_response_type", true},
		{"prompt none without session", clientID, func(q url.Values) { q.Set("prompt", "none") }, "login_required", false},
		{"prompt none with login", clientID, func(q url.Values) { q.Set("prompt", "none login") }, "invalid_request", false},
		{"client without the code grant", noCode, nil, "unauthorized_client", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := s.NewBrowser(t).Get(s.URL + authorizeQuery(tt.client, tt.edit))
			loc, err := url.Parse(p.Location)
			if p.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(p.Location, "http://127.0.0.1:5555/callback") {
				t.Fatalf("want a redirect to the client, got %s", p)
			}
			params := loc.Query()
			if tt.fragment {
				params, _ = url.ParseQuery(loc.Fragment)
				if loc.RawQuery != "" {
					t.Errorf("fragment mode put parameters in the query: %s", p.Location)
				}
			}
			if params.Get("error") != tt.code || params.Get("state") != "st" {
				t.Errorf("got %s, want error=%s with state", p.Location, tt.code)
			}
		})
	}
}

func registerRaw(t *testing.T, s *Server, body string) string {
	t.Helper()
	resp, out := register(t, s, "application/json", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("registration: %d %v", resp.StatusCode, out)
	}
	return out["client_id"].(string)
}
