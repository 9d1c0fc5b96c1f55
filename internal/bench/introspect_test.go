package bench

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/apptest"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/token"
)

const benchSecret = "bench-homeserver-secret-0123456789"

// startSessionServer runs the real app with one user, alice, and the homeserver secret.
func startSessionServer(t *testing.T) (*apptest.Server, *url.URL, string) {
	t.Helper()
	s := apptest.Start(t, func(c *config.Config) { c.Matrix.Secret = benchSecret })
	u := s.CreateUser(t, "alice", benchPassword)
	base, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return s, base, u.ID
}

// TestIntrospectScenarioAgainstTheServer mints 5 sessions and introspects their access tokens
// 100 times over 3 connections: every answer must be active, and every token's first use
// must reach the database once the activity buffer is flushed.
func TestIntrospectScenarioAgainstTheServer(t *testing.T) {
	t.Parallel()
	s, base, _ := startSessionServer(t)
	sc := &Introspect{}
	if err := sc.UseSessions(Sessions{Username: "alice", Password: benchPassword, Count: 5, Secret: benchSecret}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sc, Options{
		Scenario: "introspect", BaseURL: base, Connections: 3, Requests: 100, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 || res.TransportErrors+res.StatusErrors != 0 {
		t.Fatalf("%d requests, %d+%d errors; first: %s %s", res.Requests, res.TransportErrors, res.StatusErrors,
			res.FirstTransportError, res.FirstStatusError)
	}
	if err := s.App.FlushActivity(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(sc.bodies) != 5 {
		t.Fatalf("%d request bodies, want one per session", len(sc.bodies))
	}
	for _, body := range sc.bodies {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatal(err)
		}
		at, _, err := s.App.Store().Sessions().AccessTokenByHash(t.Context(), token.Hash(form.Get("token")))
		if err != nil || at.FirstUsedAt.IsZero() {
			t.Errorf("token %s: first use %v, %v; want it recorded", at.ID, at.FirstUsedAt, err)
		}
	}
}

// TestIntrospectScenarioCountsRefusals: with a wrong secret every answer is a 401, which the
// report counts as status errors rather than as measured requests.
func TestIntrospectScenarioCountsRefusals(t *testing.T) {
	t.Parallel()
	_, base, _ := startSessionServer(t)
	sc := &Introspect{Sessions: Sessions{Username: "alice", Password: benchPassword, Count: 1, Secret: "wrong"}}
	res, err := Run(context.Background(), sc, Options{
		Scenario: "introspect", BaseURL: base, Connections: 1, Requests: 5, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusErrors != 5 || !strings.Contains(res.FirstStatusError, "401") {
		t.Errorf("%d status errors (first: %q), want 5 refusals", res.StatusErrors, res.FirstStatusError)
	}
}

func TestIntrospectReadResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		ok   bool
	}{
		{`{"active":true,"scope":"urn:matrix:client:api:*","username":"alice","expires_in":300}`, true},
		{`{"active":false}`, false},
		{`{"active":t`, false},
		{``, false},
	}
	r := &introspectRequester{}
	for _, tt := range tests {
		err := r.ReadResponse(&http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(tt.body))})
		if (err == nil) != tt.ok {
			t.Errorf("ReadResponse(%q) = %v, want ok=%v", tt.body, err, tt.ok)
		}
	}
}

func TestUseSessions(t *testing.T) {
	t.Parallel()
	full := Sessions{Username: "alice", Password: "pw", Count: 2, Secret: "s"}
	tests := []struct {
		name     string
		scenario SessionScenario
		in       Sessions
		want     []string // substrings of the error; none means valid
	}{
		{name: "introspect, complete", scenario: &Introspect{}, in: full},
		{name: "refresh needs no secret", scenario: &Refresh{}, in: Sessions{Username: "alice", Password: "pw", Count: 1}},
		{name: "introspect without a secret", scenario: &Introspect{}, in: Sessions{Username: "alice", Password: "pw", Count: 1},
			want: []string{"-secret"}},
		{name: "no account", scenario: &Refresh{}, in: Sessions{Count: 1}, want: []string{"-user and -password"}},
		{name: "everything missing", scenario: &Introspect{}, in: Sessions{},
			want: []string{"-user and -password", "-sessions must be at least 1, got 0", "-secret"}},
	}
	for _, tt := range tests {
		err := tt.scenario.UseSessions(tt.in)
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
}
