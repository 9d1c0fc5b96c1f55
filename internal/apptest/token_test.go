package apptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// codeFor runs a login through the browser and returns the code sent to the callback.
func codeFor(t *testing.T, s *Server, br *Browser, clientID, redirect, scope, verifier string, edit func(url.Values)) string {
	t.Helper()
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "scope": {scope},
		"state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	if edit != nil {
		edit(q)
	}
	cb := signInAndConsent(t, br, s.URL+"/authorize?"+q.Encode(), "alice")
	params := cb.Query()
	if q.Get("response_mode") == "fragment" {
		params, _ = url.ParseQuery(cb.Fragment)
	}
	if params.Get("code") == "" {
		t.Fatalf("no code in %s", cb)
	}
	return params.Get("code")
}

// postToken sends a token request and returns the status, headers and JSON body.
func postToken(t *testing.T, s *Server, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := s.Client.PostForm(s.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	return resp.StatusCode, resp.Header, out
}

func exchangeForm(clientID, code, redirect, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	s := Start(t, manyRegistrations)
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	other := nativeClient(t, s, `,"client_name#de":"Andere"`)
	const redirect = "http://127.0.0.1:4000/callback"
	verifier := oauth2.GenerateVerifier()
	br := s.NewBrowser(t)
	fresh := func() string { return codeFor(t, s, br, clientID, redirect, stableScope, verifier, nil) }
	tests := []struct {
		name   string
		form   func() url.Values
		status int
		code   string
	}{
		{"unsupported grant", func() url.Values { return url.Values{"grant_type": {"password"}, "client_id": {clientID}} }, 400, "unsupported_grant_type"},
		{"no grant_type", func() url.Values { return url.Values{"client_id": {clientID}} }, 400, "invalid_request"},
		{"no client", func() url.Values { return url.Values{"grant_type": {"authorization_code"}} }, 401, "invalid_client"},
		{"unknown client", func() url.Values { return exchangeForm("01JNOCLIENT000000000000000", fresh(), redirect, verifier) }, 401, "invalid_client"},
		{"no code", func() url.Values { f := exchangeForm(clientID, "", redirect, verifier); f.Del("code"); return f }, 400, "invalid_request"},
		{"no verifier", func() url.Values {
			f := exchangeForm(clientID, fresh(), redirect, "")
			f.Del("code_verifier")
			return f
		}, 400, "invalid_request"},
		{"malformed code", func() url.Values { return exchangeForm(clientID, "mac_notarealcode", redirect, verifier) }, 400, "invalid_grant"},
		{"wrong verifier (R49)", func() url.Values { return exchangeForm(clientID, fresh(), redirect, oauth2.GenerateVerifier()) }, 400, "invalid_grant"},
		{"other redirect_uri (R51)", func() url.Values { return exchangeForm(clientID, fresh(), "org.example.app:/cb", verifier) }, 400, "invalid_grant"},
		{"other loopback port (R51)", func() url.Values { return exchangeForm(clientID, fresh(), "http://127.0.0.1:4001/callback", verifier) }, 400, "invalid_grant"},
		{"other client (R53)", func() url.Values { return exchangeForm(other, fresh(), redirect, verifier) }, 400, "invalid_grant"},
		{"repeated parameter", func() url.Values {
			f := exchangeForm(clientID, fresh(), redirect, verifier)
			f.Add("code", "x")
			return f
		}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		status, h, out := postToken(t, s, tt.form())
		if status != tt.status || out["error"] != tt.code {
			t.Errorf("%s: %d %v, want %d %s", tt.name, status, out, tt.status, tt.code)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, h.Get("Cache-Control"))
		}
	}
	// R54: codes expire.
	code := fresh()
	s.Clock.Advance(11 * time.Minute)
	if status, _, out := postToken(t, s, exchangeForm(clientID, code, redirect, verifier)); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("expired code: %d %v", status, out)
	}
}

func TestCodeExchangeVariants(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	const redirect = "http://[::1]:4000/callback"
	br := s.NewBrowser(t)
	verifier := oauth2.GenerateVerifier()
	nativeLoopbackV6 := registerRaw(t, s, `{"client_uri":"https://app.example.org/","application_type":"native",`+
		`"redirect_uris":["http://[::1]/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code"],"id_token_signed_response_alg":"ES256"}`)

	t.Run("unstable scopes, fragment, headers (R41, R43, R48)", func(t *testing.T) {
		code := codeFor(t, s, br, clientID, loopbackCB, unstableScope, verifier, func(q url.Values) { q.Set("response_mode", "fragment") })
		status, h, out := postToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier))
		if status != 200 || out["scope"] != unstableScope || h.Get("Pragma") != "no-cache" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%d %v %v", status, out, h)
		}
	})
	t.Run("openid id_token", func(t *testing.T) {
		code := codeFor(t, s, br, nativeLoopbackV6, redirect, "openid "+stableScope, verifier, func(q url.Values) { q.Set("nonce", "n-123") })
		status, _, out := postToken(t, s, exchangeForm(nativeLoopbackV6, code, redirect, verifier))
		idt, _ := out["id_token"].(string)
		if status != 200 || idt == "" {
			t.Fatalf("%d %v", status, out)
		}
		jws, err := jose.ParseSigned(idt, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		var set jose.JSONWebKeySet
		_, body := do(t, s, http.MethodGet, "/oauth2/keys.json", nil)
		_ = json.Unmarshal(body, &set)
		keys := set.Key(jws.Signatures[0].Header.KeyID)
		if len(keys) != 1 {
			t.Fatalf("kid %q not in the JWKS", jws.Signatures[0].Header.KeyID)
		}
		payload, err := jws.Verify(keys[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		_ = json.Unmarshal(payload, &claims)
		if claims["iss"] != s.URL+"/" || claims["aud"] != nativeLoopbackV6 || claims["nonce"] != "n-123" || claims["at_hash"] == nil {
			t.Errorf("claims %v", claims)
		}
	})
	t.Run("denied consent (R45)", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {loopbackCB}, "scope": {stableScope},
			"state": {"deny-state"}, "code_challenge": {validChallenge}, "code_challenge_method": {"S256"}}
		p := br.Follow(br.Get(s.URL + "/authorize?" + q.Encode())) // signed in already: the consent page
		p = br.Submit(p, nil, "action=deny")
		loc, _ := url.Parse(p.Location)
		if p.Status != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "deny-state" {
			t.Errorf("deny: %s", p)
		}
	})
	t.Run("same device ends the older session (R58)", func(t *testing.T) {
		first := codeFor(t, s, br, clientID, loopbackCB, stableScope, verifier, nil)
		_, _, out1 := postToken(t, s, exchangeForm(clientID, first, loopbackCB, verifier))
		second := codeFor(t, s, br, clientID, loopbackCB, stableScope, verifier, nil)
		_, _, out2 := postToken(t, s, exchangeForm(clientID, second, loopbackCB, verifier))
		if userinfoStatus(t, s, out1["access_token"].(string)) != http.StatusUnauthorized {
			t.Error("the first session's token still works after a new login on the same device")
		}
		if userinfoStatus(t, s, out2["access_token"].(string)) != http.StatusOK {
			t.Error("the new session's token does not work")
		}
	})
	t.Run("prompt=login asks for the password again", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {loopbackCB}, "scope": {stableScope},
			"state": {"st"}, "code_challenge": {validChallenge}, "code_challenge_method": {"S256"}, "prompt": {"login"}}
		s.Clock.Advance(time.Second) // the grant is newer than the existing sign-in
		p := br.Follow(br.Get(s.URL + "/authorize?" + q.Encode()))
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/login") || !strings.Contains(p.Location, "reauth=1") {
			t.Errorf("prompt=login: %s", p)
		}
	})
}
