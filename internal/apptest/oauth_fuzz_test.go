package apptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzOAuthEndpoints sends random parameters to GET /authorize and POST /oauth2/token, for
// a registered client and for any client_id. No input may get a 5xx. The token endpoint
// answers every one with an RFC 6749 §5.2 JSON error (400, or 401 for client
// authentication). /authorize answers with a page or redirects, and a redirect goes only to
// mxauth's own pages or to a redirect URI the client registered: never an open redirect
// (RFC 6749 §4.1.2.1, RFC 9700 §4.11).
//
//	go test ./internal/apptest -run '^$' -fuzz FuzzOAuthEndpoints -fuzztime 1m
func FuzzOAuthEndpoints(f *testing.F) {
	s := Start(f, manyRegistrations)
	s.CreateUser(f, "alice", testPassword)
	clientID := nativeClient(f, s, "")
	noFollow := &http.Client{Transport: s.Client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	f.Add(true, "", "authorization_code", "mac_garbage", loopbackCB, strings.Repeat("v", 43), stableScope, "code", strings.Repeat("c", 43), "S256", "", "")
	f.Add(true, "", "refresh_token", "mar_0000000000000000000000000000_000000", "http://127.0.0.1:9/callback", "", unstableScope, "code", "", "plain", "none", "fragment")
	f.Add(false, "nobody", "client_credentials", "", "https://evil.example/", "", "openid", "token", "x", "S512", "login", "form_post")
	f.Add(true, "", "urn:ietf:params:oauth:grant-type:device_code", "\x00", "org.example.app:/cb", "\xff", "urn:matrix:client:device:a urn:matrix:client:device:b", "code id_token", "", "", "create", "query")
	f.Add(false, "\u202e", "", "", "//evil.example/callback", "", "", "", "", "", "", "")
	f.Add(true, "", "authorization_code", "", "http://127.0.0.1/callback?x=1#f", "", "urn:matrix:client:api:*", "code", strings.Repeat("A", 129), "S256", "consent", "")
	f.Fuzz(func(t *testing.T, knownClient bool, otherClient, grantType, code, redirectURI, verifier, scope, responseType, challenge, method, prompt, responseMode string) {
		id := otherClient
		if knownClient {
			id = clientID
		}
		// The token endpoint: the code doubles as the refresh token.
		resp, err := noFollow.PostForm(s.URL+"/oauth2/token", url.Values{
			"grant_type": {grantType}, "client_id": {id}, "code": {code}, "refresh_token": {code},
			"redirect_uri": {redirectURI}, "code_verifier": {verifier}, "scope": {scope},
		})
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		decodeErr := json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized) || decodeErr != nil || body["error"] == nil {
			t.Fatalf("token endpoint: %d %v %v", resp.StatusCode, body, decodeErr)
		}

		q := url.Values{
			"response_type": {responseType}, "client_id": {id}, "redirect_uri": {redirectURI}, "scope": {scope},
			"state": {code}, "code_challenge": {challenge}, "code_challenge_method": {method},
			"prompt": {prompt}, "response_mode": {responseMode}, "login_hint": {otherClient},
		}
		resp, err = noFollow.Get(s.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode >= http.StatusInternalServerError:
			t.Fatalf("authorize %s: %d", q.Encode(), resp.StatusCode)
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			if loc := resp.Header.Get("Location"); !allowedAuthorizeRedirect(s, loc) {
				t.Fatalf("authorize %s redirected to %q", q.Encode(), loc)
			}
		}
	})
}

// allowedAuthorizeRedirect: mxauth's own pages, or one of the redirect URIs nativeClient
// registers (the loopback one on any port, RFC 8252 §7.3).
func allowedAuthorizeRedirect(s *Server, loc string) bool {
	if strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.HasPrefix(loc, "/\\") {
		return true
	}
	u, err := url.Parse(loc)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(loc, s.URL+"/"):
		return true
	case u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.Path == "/callback" && u.User == nil:
		return true
	case u.Scheme == "org.example.app" && u.Host == "" && u.Path == "/cb":
		return true
	}
	return false
}
