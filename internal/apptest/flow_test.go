package apptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

const (
	testPassword  = "correct horse battery staple"
	loopbackCB    = "http://127.0.0.1/callback"
	stableScope   = "urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ"
	unstableScope = "urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:QR+dev/ice="
)

// nativeClient registers a public native client with a loopback redirect URI, as a CLI or
// Element X would, and returns its client_id.
func nativeClient(t testing.TB, s *Server, extra string) string {
	t.Helper()
	body := `{"client_name":"Test App","client_uri":"https://app.example.org/","application_type":"native",` +
		`"redirect_uris":["` + loopbackCB + `","org.example.app:/cb"],"token_endpoint_auth_method":"none",` +
		`"grant_types":["authorization_code","refresh_token"],"response_types":["code"]` + extra + `}`
	resp, out := register(t, s, "application/json", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("registration: %d %v", resp.StatusCode, out)
	}
	return out["client_id"].(string)
}

func oauthConfig(s *Server, clientID, redirect, scope string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    clientID,
		Endpoint:    oauth2.Endpoint{AuthURL: s.URL + "/authorize", TokenURL: s.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirect,
		Scopes:      strings.Fields(scope),
	}
}

// signInAndConsent drives the browser from the authorization URL to the client's callback:
// consent → sign-in form → consent page → Allow. It returns the callback URL.
func signInAndConsent(t *testing.T, br *Browser, authURL, username string) *url.URL {
	t.Helper()
	p := br.Get(authURL)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/consent/") {
		t.Fatalf("authorize: %s", p)
	}
	p = br.Follow(p)
	if p.Status == http.StatusSeeOther && strings.Contains(p.Location, "/login") {
		p = br.Follow(p)
		if p.Status != http.StatusOK {
			t.Fatalf("login page: %s", p)
		}
		p = br.Submit(p, map[string]string{"username": username, "password": testPassword}, "")
		if p.Status != http.StatusSeeOther {
			t.Fatalf("login: %s", p)
		}
		p = br.Follow(p)
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Allow") {
		t.Fatalf("consent page: %s", p)
	}
	p = br.Submit(p, nil, "action=allow")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("consent: %s", p)
	}
	cb, err := url.Parse(p.Location)
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

func TestLoginFlowEndToEnd(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, nil)
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			conf := oauthConfig(s, clientID, "http://127.0.0.1:54321/callback", stableScope)
			verifier := oauth2.GenerateVerifier()
			authURL := conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))

			cb := signInAndConsent(t, s.NewBrowser(t), authURL, "alice")
			// R35 and R43: any loopback port; the result in the query with the state (R42).
			if cb.Host != "127.0.0.1:54321" || cb.Path != "/callback" || cb.Query().Get("state") != "state-123" {
				t.Fatalf("callback %s", cb)
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client)
			tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			// R47: the five fields; MAS-format tokens.
			if !strings.HasPrefix(tok.AccessToken, "mat_") || !strings.HasPrefix(tok.RefreshToken, "mar_") ||
				!strings.EqualFold(tok.TokenType, "bearer") || tok.Extra("scope") != stableScope || tok.Extra("expires_in") != float64(300) {
				t.Errorf("token %+v scope %v expires_in %v", tok, tok.Extra("scope"), tok.Extra("expires_in"))
			}
			if tok.Extra("id_token") != nil {
				t.Error("an id_token without openid")
			}
			// userinfo answers for the token.
			info := userinfo(t, s, tok.AccessToken)
			if info["username"] != "alice" || info["sub"] == "" {
				t.Errorf("userinfo %v", info)
			}
			// R52: a replayed code fails and ends the session it created.
			if _, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Errorf("replayed code: %v", err)
			}
			if code := userinfoStatus(t, s, tok.AccessToken); code != http.StatusUnauthorized {
				t.Errorf("the replayed code's token still works: %d", code)
			}
		})
	}
}

func userinfo(t *testing.T, s *Server, accessToken string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d %v", resp.StatusCode, out)
	}
	return out
}

func userinfoStatus(t *testing.T, s *Server, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
