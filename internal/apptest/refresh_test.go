package apptest

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

// loggedIn runs a login and returns the client and the token response.
func loggedIn(t *testing.T, s *Server, br *Browser, clientID string) map[string]any {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, s, br, clientID, loopbackCB, stableScope, verifier, nil)
	status, _, out := postToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier))
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, out)
	}
	return out
}

func refreshForm(clientID, rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {rt}}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, manyRegistrations)
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			other := nativeClient(t, s, `,"client_name#fr":"Autre"`)
			br := s.NewBrowser(t)
			first := loggedIn(t, s, br, clientID)
			rt1 := first["refresh_token"].(string)

			// R64: bound to its client.
			if status, _, out := postToken(t, s, refreshForm(other, rt1)); status != 400 || out["error"] != "invalid_grant" {
				t.Errorf("other client: %d %v", status, out)
			}
			// R60, R63: new tokens, same scope.
			status, _, second := postToken(t, s, refreshForm(clientID, rt1))
			if status != 200 || second["access_token"] == first["access_token"] || second["refresh_token"] == rt1 ||
				second["scope"] != stableScope || second["token_type"] != "Bearer" {
				t.Fatalf("refresh: %d %v", status, second)
			}
			// R61: the response was "lost": RT1 works again while its successor is unused,
			// and the unused successor dies.
			status, _, third := postToken(t, s, refreshForm(clientID, rt1))
			if status != 200 {
				t.Fatalf("retry with RT1: %d %v", status, third)
			}
			if st, _, out := postToken(t, s, refreshForm(clientID, second["refresh_token"].(string))); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("the abandoned successor still refreshes: %d %v", st, out)
			}
			// The client uses the newest access token; from then on RT1 is a replay (R62),
			// which ends the session.
			if userinfoStatus(t, s, third["access_token"].(string)) != http.StatusOK {
				t.Fatal("the newest access token does not work")
			}
			if st, _, out := postToken(t, s, refreshForm(clientID, rt1)); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("replayed RT1: %d %v", st, out)
			}
			if userinfoStatus(t, s, third["access_token"].(string)) != http.StatusUnauthorized {
				t.Error("the session survived a replayed refresh token")
			}
			if st, _, _ := postToken(t, s, refreshForm(clientID, third["refresh_token"].(string))); st != 400 {
				t.Error("the newest refresh token survived the replay")
			}
			// Bad input.
			for name, form := range map[string]url.Values{
				"missing token": {"grant_type": {"refresh_token"}, "client_id": {clientID}},
				"garbage":       refreshForm(clientID, "mar_garbage"),
				"access token":  refreshForm(clientID, first["access_token"].(string)),
			} {
				if st, _, out := postToken(t, s, form); st != 400 {
					t.Errorf("%s: %d %v", name, st, out)
				}
			}
		})
	}
}

func revoke(t *testing.T, s *Server, form url.Values) int {
	t.Helper()
	resp, err := s.Client.PostForm(s.URL+"/oauth2/revoke", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testRevocation(t, b.Start(t, manyRegistrations))
		})
	}
}

func testRevocation(t *testing.T, s *Server) {
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	br := s.NewBrowser(t)
	dead := func(tok map[string]any) bool {
		st, _, _ := postToken(t, s, refreshForm(clientID, tok["refresh_token"].(string)))
		return userinfoStatus(t, s, tok["access_token"].(string)) == http.StatusUnauthorized && st == 400
	}
	tests := []struct {
		name string
		form func(tok map[string]any) url.Values
	}{
		{"access token (R66)", func(tok map[string]any) url.Values {
			return url.Values{"token": {tok["access_token"].(string)}, "client_id": {clientID}}
		}},
		{"refresh token (R67)", func(tok map[string]any) url.Values {
			return url.Values{"token": {tok["refresh_token"].(string)}, "client_id": {clientID}}
		}},
		{"wrong hint (R68)", func(tok map[string]any) url.Values {
			return url.Values{"token": {tok["access_token"].(string)}, "token_type_hint": {"refresh_token"}, "client_id": {clientID}}
		}},
		{"no client_id (R70)", func(tok map[string]any) url.Values {
			return url.Values{"token": {tok["refresh_token"].(string)}}
		}},
		{"other client_id (R70)", func(tok map[string]any) url.Values {
			return url.Values{"token": {tok["access_token"].(string)}, "client_id": {"01JSOMEONEELSE000000000000"}}
		}},
	}
	for _, tt := range tests {
		tok := loggedIn(t, s, br, clientID)
		if st := revoke(t, s, tt.form(tok)); st != http.StatusOK {
			t.Errorf("%s: %d", tt.name, st)
		}
		if !dead(tok) {
			t.Errorf("%s: the session survived", tt.name)
		}
		// R69: revoking again is fine.
		if st := revoke(t, s, tt.form(tok)); st != http.StatusOK {
			t.Errorf("%s, again: %d", tt.name, st)
		}
	}
	for name, tt := range map[string]struct {
		form   url.Values
		status int
	}{
		"garbage (R69)":       {url.Values{"token": {"foo"}, "client_id": {clientID}}, 200},
		"unknown ours (R69)":  {url.Values{"token": {"mat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_000000"}}, 200},
		"missing token (R71)": {url.Values{"client_id": {clientID}}, 400},
	} {
		if st := revoke(t, s, tt.form); st != tt.status {
			t.Errorf("%s: %d, want %d", name, st, tt.status)
		}
	}
	// R71: a confidential client that fails authentication gets 401.
	conf := registerRaw(t, s, `{"client_uri":"https://app.example.org/","redirect_uris":["https://app.example.org/cb"],"token_endpoint_auth_method":"client_secret_post"}`)
	if st := revoke(t, s, url.Values{"token": {"foo"}, "client_id": {conf}, "client_secret": {"wrong"}}); st != http.StatusUnauthorized {
		t.Errorf("bad secret: %d", st)
	}
	if st := revoke(t, s, url.Values{"token": {"foo"}, "client_id": {conf}}); st != http.StatusUnauthorized {
		t.Errorf("confidential client without its secret: %d", st)
	}
	// matrix-js-sdk revokes both tokens at once: both answers are 200.
	tok := loggedIn(t, s, br, clientID)
	done := make(chan int, 2)
	for _, k := range []string{"access_token", "refresh_token"} {
		go func() {
			resp, err := s.Client.PostForm(s.URL+"/oauth2/revoke", url.Values{"token": {tok[k].(string)}, "client_id": {clientID}})
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	if a, b := <-done, <-done; a != 200 || b != 200 {
		t.Errorf("concurrent revocations: %d, %d", a, b)
	}
}
