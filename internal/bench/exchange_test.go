package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/apptest"
)

const benchPassword = "correct horse battery staple"

// startExchangeServer runs the real app with one user, alice.
func startExchangeServer(t *testing.T) (*apptest.Server, *url.URL, string) {
	t.Helper()
	s := apptest.Start(t, nil)
	u := s.CreateUser(t, "alice", benchPassword)
	base, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return s, base, u.ID
}

// TestExchangeScenarioAgainstTheServer mints 200 codes through the real sign-in and consent
// pages and redeems them over 4 connections: every exchange must succeed, each on its own
// device, and a code the run spent must not work a second time.
func TestExchangeScenarioAgainstTheServer(t *testing.T) {
	t.Parallel()
	s, base, userID := startExchangeServer(t)
	const n = 200
	e := &Exchange{}
	if err := e.UseSignIn(SignIn{Username: "alice", Password: benchPassword, Codes: n}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), e, Options{
		Scenario: "exchange", BaseURL: base, Connections: 4, Requests: n, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != n || res.TransportErrors+res.StatusErrors != 0 {
		t.Fatalf("%d requests, %d+%d errors; first: %s %s", res.Requests, res.TransportErrors, res.StatusErrors,
			res.FirstTransportError, res.FirstStatusError)
	}

	// One session per code, each on the device its code asked for.
	sessions, err := s.App.Store().Sessions().ListActiveByUser(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	devices := map[string]bool{}
	for _, ss := range sessions {
		devices[ss.DeviceID] = true
	}
	for _, c := range e.pool {
		if !devices[c.deviceID] {
			t.Fatalf("no active session on device %s: %d sessions for %d codes", c.deviceID, len(sessions), n)
		}
	}
	if len(sessions) != n {
		t.Errorf("%d active sessions, want %d", len(sessions), n)
	}

	// A replay of a spent code is refused (RFC 6749 §4.1.2) and ends the session it started,
	// which also proves the run had spent it.
	spent := e.pool[n/2]
	resp, err := s.Client.Post(s.URL+TokenPath, "application/x-www-form-urlencoded", bytes.NewReader(spent.body))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || body.Error != "invalid_grant" {
		t.Errorf("second exchange of a spent code: %d %q, want 400 invalid_grant", resp.StatusCode, body.Error)
	}
	after, err := s.App.Store().Sessions().ListActiveByUser(t.Context(), userID)
	if err != nil || len(after) != n-1 {
		t.Errorf("after the replay: %d active sessions (%v), want %d", len(after), err, n-1)
	}
}

// TestExchangeStopsWhenTheCodesRunOut: a run longer than the pool ends with ErrCodesExhausted
// after spending every code, instead of reusing one.
func TestExchangeStopsWhenTheCodesRunOut(t *testing.T) {
	t.Parallel()
	_, base, _ := startExchangeServer(t)
	e := &Exchange{SignIn: SignIn{Username: "alice", Password: benchPassword, Codes: 10}}
	_, err := Run(context.Background(), e, Options{
		Scenario: "exchange", BaseURL: base, Connections: 2, Requests: 25, Timeout: 10 * time.Second,
	})
	if !errors.Is(err, ErrCodesExhausted) || !strings.Contains(err.Error(), "-pool") {
		t.Fatalf("Run error = %v, want ErrCodesExhausted naming -pool", err)
	}
}

func TestExchangeSetupReportsAWrongPassword(t *testing.T) {
	t.Parallel()
	_, base, _ := startExchangeServer(t)
	e := &Exchange{SignIn: SignIn{Username: "alice", Password: "not the password", Codes: 5}}
	_, err := Run(context.Background(), e, Options{
		Scenario: "exchange", BaseURL: base, Connections: 1, Requests: 1, Timeout: 10 * time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), `signing in as "alice": wrong username or password`) {
		t.Fatalf("Run error = %v, want a wrong-password message", err)
	}
}

func TestUseSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   SignIn
		want []string // substrings of the error; none means valid
	}{
		{name: "complete", in: SignIn{Username: "alice", Password: "pw", Codes: 1}},
		{name: "no user", in: SignIn{Password: "pw", Codes: 1}, want: []string{"-user and -password"}},
		{name: "no password", in: SignIn{Username: "alice", Codes: 1}, want: []string{"-user and -password"}},
		{name: "empty pool", in: SignIn{Username: "alice", Password: "pw"}, want: []string{"at least 1 code, got 0"}},
		{name: "everything missing", in: SignIn{Codes: -1}, want: []string{"-user and -password", "got -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &Exchange{}
			err := e.UseSignIn(tt.in)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.in, e.SignIn); diff != "" {
					t.Errorf("SignIn (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if e.SignIn != (SignIn{}) {
				t.Errorf("a rejected SignIn was kept: %+v", e.SignIn)
			}
		})
	}
}

func TestFindForm(t *testing.T) {
	t.Parallel()
	const consentPage = `<!doctype html><title>x</title>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="c1"><button type="submit">Sign out</button></form>
<form method="post" action="/consent/01ABC" class="actions">
<input type="hidden" name="csrf" value="c2">
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>`
	const loginPage = `<form method="post" action="/login"><input type="hidden" name="csrf" value="tok&amp;en">
<input type="hidden" name="next" value="/consent/1"><input name="username" type="text"><input name="password" type="password">
<button type="submit">Sign in</button></form>`
	allow := func(f htmlForm) bool { return f.buttons["action=allow"] }
	password := func(f htmlForm) bool { return f.inputs["password"] }
	tests := []struct {
		name       string
		page       string
		match      func(htmlForm) bool
		wantAction string
		wantValues url.Values
		wantFound  bool
	}{
		{"consent skips the sign-out form", consentPage, allow, "/consent/01ABC", url.Values{"csrf": {"c2"}}, true},
		{"login form, entities decoded", loginPage, password, "/login", url.Values{"csrf": {"tok&en"}, "next": {"/consent/1"}}, true},
		{"no matching form", loginPage, allow, "", nil, false},
		{"not html", "{\"error\":\"x\"}", password, "", nil, false},
		{"button outside any form", `<button name="action" value="allow">`, allow, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, ok := findForm([]byte(tt.page), tt.match)
			if ok != tt.wantFound {
				t.Fatalf("found = %v, want %v", ok, tt.wantFound)
			}
			if f.action != tt.wantAction {
				t.Errorf("action = %q, want %q", f.action, tt.wantAction)
			}
			if diff := cmp.Diff(tt.wantValues, f.values); diff != "" {
				t.Errorf("hidden values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewPendingCodes: verifiers are RFC 7636 §4.1 shaped and device IDs distinct.
func TestNewPendingCodes(t *testing.T) {
	t.Parallel()
	random := make([]byte, 3*42)
	for i := range random {
		random[i] = byte(i)
	}
	codes, err := newPendingCodes(bytes.NewReader(random), 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c.verifier) != 43 || strings.ContainsAny(c.verifier, "+/=") {
			t.Errorf("verifier %q is not 43 base64url characters", c.verifier)
		}
		if seen[c.deviceID] || !strings.HasPrefix(c.deviceID, "BENCH") {
			t.Errorf("device ID %q repeated or without the BENCH prefix", c.deviceID)
		}
		seen[c.deviceID] = true
	}
	if _, err := newPendingCodes(bytes.NewReader(make([]byte, 50)), 2); err == nil {
		t.Error("a random source that runs dry was not reported")
	}
}
